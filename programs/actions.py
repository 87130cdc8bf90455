"""The changes a clinician can make to a plan: the button, the service, what to say after."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from programs import services
from programs.models import StageChangeKind


@dataclass(frozen=True)
class PlanAction:
    verb: str
    service: object
    done: str


PLAN_ACTIONS = {
    StageChangeKind.ADVANCE: PlanAction(
        _("Advance to the next stage"), services.plan_advance, _("Advanced. Now: %(stage)s")
    ),
    StageChangeKind.HOLD: PlanAction(
        _("Repeat this stage"),
        services.plan_hold,
        _("The stage starts again today. Now: %(stage)s"),
    ),
    StageChangeKind.STEP_BACK: PlanAction(
        _("Step back a stage"), services.plan_step_back, _("Stepped back. Now: %(stage)s")
    ),
    StageChangeKind.PAUSE: PlanAction(
        _("Pause the plan"), services.plan_pause, _("Paused. No walks are expected until resumed.")
    ),
    StageChangeKind.RESUME: PlanAction(
        _("Resume the plan"), services.plan_resume, _("Resumed. Now: %(stage)s")
    ),
    StageChangeKind.END: PlanAction(
        _("End the plan"), services.plan_end, _("Ended. The patient can now be given a new plan.")
    ),
}


def apply_plan_action(kind: str, *, assignment, by, reason: str, today, against_warning=False):
    """Run one plan action; ending a plan needs no date; advancing or resuming may go ahead
    against a warning the clinician confirmed (patients/second_checks.py)."""
    arguments = {"assignment": assignment, "by": by, "reason": reason}
    if kind != StageChangeKind.END:
        arguments["today"] = today
    if kind in (StageChangeKind.ADVANCE, StageChangeKind.RESUME):
        arguments["against_warning"] = against_warning
    return PLAN_ACTIONS[StageChangeKind(kind)].service(**arguments)
