"""A patient's reminder settings: saved by the patient, stopped by the patient, or
switched on with the usual settings by their clinician at enrolment.

Only what to send and when is kept here; when a reminder is due, and sending it, is the
reminders package's work (patients/reminders/).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from patients.models import AuditAction, Patient, ReminderSettings, Weekday
from patients.security import audit
from programs.models import PlanAssignment

# Walk days for a number of sessions a week, with the rest days spread between them so a
# walk is rarely the day after two others.
WALK_DAYS_FOR_SESSIONS = {
    1: [Weekday.WEDNESDAY],
    2: [Weekday.MONDAY, Weekday.THURSDAY],
    3: [Weekday.MONDAY, Weekday.WEDNESDAY, Weekday.FRIDAY],
    4: [Weekday.MONDAY, Weekday.TUESDAY, Weekday.THURSDAY, Weekday.SATURDAY],
    5: [Weekday.MONDAY, Weekday.TUESDAY, Weekday.THURSDAY, Weekday.FRIDAY, Weekday.SATURDAY],
    6: [day for day in Weekday if day != Weekday.SUNDAY],
    7: list(Weekday),
}
# Before a plan is assigned, a clinic's usual starting rhythm.
USUAL_SESSIONS = 3
USUAL_WALK_TIME = datetime.time(10, 0)
USUAL_NUDGE_DAYS = 3
USUAL_MORNING_TIME = datetime.time(9, 0)

# Every kind of reminder off; the channels, quiet hours and zone stay as the patient set
# them, for when they turn reminders on again.
ALL_OFF = {"walk_days": [], "walk_time": None, "nudge_after_days": None, "morning_check_time": None}


def walk_days_for(sessions_per_week: int) -> list[str]:
    """The week's walk days (ISO weekday numbers as text) for a number of sessions."""
    sessions = min(max(sessions_per_week, 1), 7)
    return [str(day.value) for day in WALK_DAYS_FOR_SESSIONS[sessions]]


def reminder_defaults(stage, *, no_activity_days: int | None = None) -> dict:
    """The usual settings for a stage (or no stage yet): its walk days at 10:00, a nudge
    after three days without a walk, the next-morning reminder at 09:00, by email.

    The nudge always comes before the clinic's no-activity flag (`no_activity_days`).
    """
    sessions = stage.sessions_per_week if stage is not None else USUAL_SESSIONS
    nudge = USUAL_NUDGE_DAYS
    if no_activity_days is not None:
        nudge = min(nudge, no_activity_days - 1)
    return {
        "walk_days": walk_days_for(sessions),
        "walk_time": USUAL_WALK_TIME,
        "nudge_after_days": nudge if nudge >= 1 else None,
        "morning_check_time": USUAL_MORNING_TIME,
        "by_email": True,
    }


def reminder_settings_of(patient: Patient) -> ReminderSettings:
    """The patient's settings, or unsaved ones with everything off."""
    try:
        return ReminderSettings.objects.get(patient=patient)
    except ReminderSettings.DoesNotExist:
        return ReminderSettings(patient=patient, walk_days=[])


@transaction.atomic
def reminder_settings_save(patient: Patient, by, **values) -> ReminderSettings:
    """Store the patient's choices, with an audit row that says whether reminders are on,
    never when or what: the trail records who changed settings, not someone's routine."""
    Patient.objects.lock(patient.pk)
    settings = ReminderSettings.objects.filter(patient=patient).first()
    created = settings is None
    if created:
        settings = ReminderSettings(patient=patient, walk_days=[])
    for name, value in values.items():
        setattr(settings, name, value)
    settings.full_clean(exclude=["patient"])
    settings.save()
    audit.record(
        by=by,
        action=AuditAction.CREATED if created else AuditAction.CHANGED,
        subject="reminder settings",
        patient=patient,
        obj=settings,
        detail="on" if settings.is_on else "off",
    )
    return settings


@transaction.atomic
def reminders_stop(patient: Patient, by) -> ReminderSettings:
    """Every kind of reminder off at once. Never refused: whatever else is stored (a time
    zone this server no longer knows, say), stopping must work."""
    Patient.objects.lock(patient.pk)
    ReminderSettings.objects.filter(patient=patient).update(**ALL_OFF, updated_at=timezone.now())
    settings = reminder_settings_of(patient)
    audit.record(
        by=by,
        action=AuditAction.CHANGED,
        subject="reminder settings",
        patient=patient,
        obj=settings if settings.pk else None,
        detail="off",
    )
    return settings


def reminders_turn_on_usual(patient: Patient, by) -> ReminderSettings:
    """The usual settings for the patient's current stage (the clinician's choice at
    enrolment); the patient may change or stop them at any time."""
    plan = PlanAssignment.objects.prefetch_related("stages").current_for(patient)
    stage = plan.current_stage if plan is not None else None
    values = reminder_defaults(stage, no_activity_days=patient.clinic.no_activity_days)
    return reminder_settings_save(patient, by, **values)
