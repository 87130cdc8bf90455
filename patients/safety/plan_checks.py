"""Plan decisions that need a second, explicit confirmation before they go ahead.

Carrying on with a plan (continuing, advancing or resuming it) is the unsafe default when
a patient may be unwell: after an urgent or same-day flag, or while the stage's traffic
light is red. Stepwise never blocks a clinician's judgement, but asks for it twice and
records that it was given. Each function returns, for each choice that needs the second
check, why; a choice not in the map goes ahead as it is.
"""

from django.utils.translation import gettext as _

from patients.choices import ALERT_SEVERITIES
from patients.models import Flag, FlagAction
from patients.selectors import stage_readiness
from programs.models import StageChangeKind
from programs.progression import Light


def red_light(progress) -> bool:
    return progress is not None and progress.light == Light.RED


def resolution_warnings(flag, progress) -> dict[str, str]:
    """Continuing or advancing after an urgent or same-day flag, or on a red light."""
    if flag.severity in ALERT_SEVERITIES:
        why = _(
            "This flag is %(severity)s. Continue or advance only once you have spoken to the "
            "patient and are sure walking is safe."
        ) % {"severity": flag.get_severity_display().lower()}
    elif red_light(progress):
        why = _(
            "The traffic light is red for other reasons too. Continue or advance only once "
            "you have reviewed why."
        )
    else:
        return {}
    return {FlagAction.CONTINUE: why, FlagAction.ADVANCE: why}


def plan_warnings_now(patient, plan, today) -> dict[str, str]:
    """`plan_change_warnings` read from the database (three queries)."""
    alert_open = (
        Flag.objects.unresolved().filter(patient=patient, severity__in=ALERT_SEVERITIES).exists()
    )
    return plan_change_warnings(stage_readiness(patient, plan, today), alert_flag_open=alert_open)


def plan_change_warnings(progress, *, alert_flag_open: bool) -> dict[str, str]:
    """Advancing or resuming while an urgent or same-day flag is open; advancing on red."""
    if alert_flag_open:
        why = _(
            "An urgent or same-day flag is still open. Advance or resume only once you have "
            "spoken to the patient and are sure walking is safe."
        )
        return {StageChangeKind.ADVANCE: why, StageChangeKind.RESUME: why}
    if red_light(progress):
        return {
            StageChangeKind.ADVANCE: _(
                "The traffic light is red. Advance only once you have reviewed the patient "
                "and are sure it is safe."
            )
        }
    return {}
