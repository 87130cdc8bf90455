"""The programs app's data: plan templates (templates) and the plans assigned to patients,
with every change of stage (assignments). Everything is importable from here."""

from programs.models.assignments import (
    CURRENT_STATUSES,
    AssignedStage,
    PlanAssignment,
    PlanAssignmentQuerySet,
    PlanStatus,
    StageChange,
    StageChangeKind,
)
from programs.models.templates import (
    BIG_STEP_MINUTES,
    BIG_STEP_RATIO,
    MINUTES_RANGE,
    SESSIONS_RANGE,
    STAGE_FIELDS,
    WEEKS_RANGE,
    PlanTemplate,
    PlanTemplateQuerySet,
    Stage,
    TemplateStage,
    ladder_warnings,
    minute_drops,
)

__all__ = [
    "BIG_STEP_MINUTES",
    "BIG_STEP_RATIO",
    "CURRENT_STATUSES",
    "MINUTES_RANGE",
    "SESSIONS_RANGE",
    "STAGE_FIELDS",
    "WEEKS_RANGE",
    "AssignedStage",
    "PlanAssignment",
    "PlanAssignmentQuerySet",
    "PlanStatus",
    "PlanTemplate",
    "PlanTemplateQuerySet",
    "Stage",
    "StageChange",
    "StageChangeKind",
    "TemplateStage",
    "ladder_warnings",
    "minute_drops",
]
