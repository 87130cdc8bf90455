"""Plan decisions that need a second, explicit confirmation before they go ahead.

Continuing or advancing a plan is the unsafe default when a patient may be unwell: after
an urgent or same-day flag, or while the stage's traffic light is red. Stepwise never
blocks a clinician's judgement, but asks for it twice and records that it was given.
"""

from django.utils.translation import gettext as _

from patients.models import FlagAction
from patients.rules import Severity
from programs.models import StageChangeKind
from programs.progression import Light

# Resolving a flag with these carries on as before (or further) with the plan.
CARRY_ON_ACTIONS = frozenset({FlagAction.CONTINUE, FlagAction.ADVANCE})


def red_light(progress) -> bool:
    return progress is not None and progress.light == Light.RED


def resolution_warning(flag, progress) -> str:
    """Why continuing or advancing after this flag needs a second check, or ""."""
    if flag.severity in (Severity.URGENT, Severity.SAME_DAY):
        return _(
            "This flag is %(severity)s. Continue or advance only once you have spoken to the "
            "patient and are sure walking is safe."
        ) % {"severity": flag.get_severity_display().lower()}
    if red_light(progress):
        return _(
            "The traffic light is red for other reasons too. Continue or advance only once "
            "you have reviewed why."
        )
    return ""


def plan_change_warning(progress) -> str:
    """Why advancing now needs a second check, or ""."""
    if red_light(progress):
        return _(
            "The traffic light is red. Advance only once you have reviewed the patient and "
            "are sure it is safe."
        )
    return ""


def needs_second_check(kind: str, warning: str) -> bool:
    return bool(warning) and kind in (*CARRY_ON_ACTIONS, StageChangeKind.ADVANCE)
