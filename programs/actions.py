"""The changes a clinician can make to a plan: the button, the service, what to say after."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
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


class MovedOn(ValidationError):
    """What the person saw has changed since: nothing was done, and they should look again."""


@dataclass(frozen=True)
class Expected:
    """The plan as the person saw it when they chose a change (PlanAssignment.seen).

    A change goes ahead only from that state, so a double click, two clinicians at once,
    or a page opened before someone else's change can never move a plan twice.
    """

    seen: str

    @classmethod
    def of(cls, plan) -> "Expected":
        return cls(plan.seen)

    @classmethod
    def posted(cls, data) -> "Expected | None":
        """What a form's hidden plan_seen field said, if it said anything."""
        seen = data.get("plan_seen", "")
        return cls(seen) if seen else None

    def require(self, plan, today) -> None:
        if plan.seen != self.seen:
            raise plan_moved_on(plan, today)


def plan_moved_on(plan, today) -> MovedOn:
    return MovedOn(
        _(
            "The plan changed after this page was opened, so nothing was changed. It is "
            "now: %(now)s. Look again before you choose."
        )
        % {"now": plan.describe_current(today)}
    )


@transaction.atomic
def apply_plan_action(
    kind: str,
    *,
    assignment,
    by,
    reason: str,
    today,
    against_warning=False,
    expected: Expected | None = None,
):
    """Run one plan action from the state the person expected; ending a plan needs no
    date; advancing or resuming may go ahead against a warning the clinician confirmed
    (patients/safety/plan_checks.py)."""
    if expected is not None:
        expected.require(services.locked_plan(assignment), today)
    arguments = {"assignment": assignment, "by": by, "reason": reason}
    if kind != StageChangeKind.END:
        arguments["today"] = today
    if kind in (StageChangeKind.ADVANCE, StageChangeKind.RESUME):
        arguments["against_warning"] = against_warning
    return PLAN_ACTIONS[StageChangeKind(kind)].service(**arguments)
