"""A patient's walking plan as a FHIR CarePlan: its stages as activities, in order.

One CarePlan per plan a patient was given (`PlanAssignment`), ended ones included, so a
record system sees the whole course. Each stage is an activity with its minutes, walks a
week and weeks as a Timing, and a status that follows the plan: the stages before the
current one done, the current one in progress (on hold while the plan is paused), the
rest not started; when the plan ends, the current stage stopped (or completed, if it was
the last) and the rest cancelled.

Every plan change (programs/services.py: assign, advance, hold, step back, pause, resume,
end) saves the plan's `updated_at`. The CarePlan also shows what belongs to the patient
(the goals it points at, the responsible clinician), so its last change is the later of
the plan's and the patient's.
"""

from django.db import models
from django.db.models import Prefetch
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patients.fhir import codes, goals, people
from patients.fhir.dates import instant
from programs.models import AssignedStage, PlanAssignment, PlanStatus

PLAN_LAST_UPDATED = Greatest("updated_at", "patient__updated_at")

# Every PlanStatus, as FHIR's RequestStatus (tests check none is missing).
STATUS = {
    PlanStatus.ACTIVE: "active",
    PlanStatus.PAUSED: "on-hold",
    PlanStatus.ENDED: "completed",
}


def plans() -> models.QuerySet:
    stages = AssignedStage.objects.order_by("position")
    return PlanAssignment.objects.select_related("patient__clinician").prefetch_related(
        Prefetch("stages", queryset=stages)
    )


def reference(plan_id) -> dict:
    return {"reference": f"CarePlan/{plan_id}"}


def activity_status(plan: PlanAssignment, stage: AssignedStage, last_position: int) -> str:
    """FHIR's CarePlanActivityStatus of one stage, from where the plan is and its status."""
    if stage.position < plan.current_position:
        return "completed"
    if stage.position == plan.current_position:
        if plan.status == PlanStatus.ACTIVE:
            return "in-progress"
        if plan.status == PlanStatus.PAUSED:
            return "on-hold"
        return "completed" if stage.position == last_position else "stopped"
    return "cancelled" if plan.status == PlanStatus.ENDED else "not-started"


def describe(stage: AssignedStage) -> str:
    """'Stage 2: walk 15 minutes on flat ground, 3 times a week, for 2 weeks.' and its
    guidance, in the words the patient reads."""
    weeks = ngettext("for %(count)d week", "for %(count)d weeks", stage.weeks) % {
        "count": stage.weeks
    }
    text = _("Stage %(position)d: %(summary)s, %(weeks)s.") % {
        "position": stage.position,
        "summary": stage.summary(),
        "weeks": weeks,
    }
    if stage.guidance.strip():
        text = f"{text} {stage.guidance.strip()}"
    return text


def activity(plan: PlanAssignment, stage: AssignedStage, last_position: int) -> dict:
    return {
        "detail": {
            "code": {"text": _("Walking")},
            "status": activity_status(plan, stage, last_position),
            "scheduledTiming": {
                "repeat": {
                    "boundsDuration": {"value": stage.weeks, **codes.WEEKS},
                    "frequency": stage.sessions_per_week,
                    "period": 1,
                    "periodUnit": "wk",
                    "duration": stage.minutes_per_session,
                    "durationUnit": "min",
                }
            },
            "description": describe(stage),
        }
    }


def care_plan(row: PlanAssignment) -> dict:
    patient = row.patient
    stages = list(row.stages.all())  # in order of position (prefetched so)
    last_position = max((stage.position for stage in stages), default=0)
    period = {"start": row.start_date.isoformat()}
    if row.ended_on:
        period["end"] = row.ended_on.isoformat()
    clinician = patient.clinician
    return {
        "status": STATUS[row.status],
        "intent": "plan",
        "title": row.name,
        "subject": people.reference(patient.pk),
        "period": period,
        "created": instant(row.created_at),
        "author": {"display": clinician.get_full_name() or clinician.get_username()},
        "goal": goals.references(patient),
        "activity": [activity(row, stage, last_position) for stage in stages],
    }
