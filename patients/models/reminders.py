"""The reminders a patient chooses, the browsers they allow to show notifications, and
every reminder sent (patients/reminders/schedule.py decides when one is due; the command
`send_reminders` queues them; the worker sends them).

A reminder never names a symptom or a diagnosis: a phone's lock screen is public.
"""

import datetime
import zoneinfo

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.fields import ChoiceListField
from patients.models.clinics import validate_timezone
from patients.models.deliveries import Delivery, DeliveryState
from patients.models.enrolment import Patient


class Weekday(models.TextChoices):
    """ISO weekday numbers as text (Monday is 1), the order a week is shown in."""

    MONDAY = "1", _("Monday")
    TUESDAY = "2", _("Tuesday")
    WEDNESDAY = "3", _("Wednesday")
    THURSDAY = "4", _("Thursday")
    FRIDAY = "5", _("Friday")
    SATURDAY = "6", _("Saturday")
    SUNDAY = "7", _("Sunday")


class ReminderSettings(models.Model):
    """What one patient asked to be reminded of, when, and how.

    Each kind of reminder is off until the patient (or their clinician, at enrolment)
    switches it on: walk reminders need days and a time, the nudge a number of days, the
    next-morning reminder its time. Times are wall-clock times in the patient's zone.
    """

    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    walk_days = ChoiceListField(_("days to walk"), item_choices=Weekday.choices)
    walk_time = models.TimeField(_("time of the walk reminder"), null=True, blank=True)
    # "You have not logged a walk for N days": fewer days than the clinic's no-activity
    # flag waits, so the nudge comes first; never while the plan is paused.
    nudge_after_days = models.PositiveSmallIntegerField(
        _("nudge after this many days without a walk"), null=True, blank=True
    )
    morning_check_time = models.TimeField(
        _("time of the next-morning reminder"), null=True, blank=True
    )
    quiet_from = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet hours until"), null=True, blank=True)
    # Empty: the clinic's time zone.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_timezone]
    )
    by_email = models.BooleanField(_("by email"), default=True)
    by_push = models.BooleanField(_("as a notification on this device"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(nudge_after_days__isnull=True) | Q(nudge_after_days__gte=1),
                name="reminder_nudge_at_least_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminders for {self.patient}"

    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or self.patient.clinic.timezone)

    @property
    def any_kind_on(self) -> bool:
        return bool(
            (self.walk_days and self.walk_time) or self.nudge_after_days or self.morning_check_time
        )

    @property
    def is_on(self) -> bool:
        """Whether anything would be sent: a kind of reminder and a way to send it."""
        return self.any_kind_on and (self.by_email or self.by_push)


class PushSubscription(models.Model):
    """A browser the patient allowed to show Stepwise's notifications (the Web Push API).

    The endpoint is the browser vendor's address for that browser; the two keys encrypt
    what is sent there, so only that browser can read it.
    """

    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("push subscription")

    def __str__(self) -> str:
        return f"Notifications for {self.patient} since {self.created_at:%Y-%m-%d}"


class ReminderKind(models.TextChoices):
    WALK = "walk", _("Walk reminder")
    NUDGE = "nudge", _("No walk for a few days")
    MORNING_CHECK = "morning_check", _("Next-morning check")
    # Sent at once when the patient asks to see what a reminder looks like; due_at is the
    # moment they asked, so each test is a row of its own.
    TEST = "test", _("Test reminder")


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    PUSH = "push", _("Notification")


class Reminder(Delivery):
    """One reminder for one moment, by one channel, and whether it got out.

    `due_at` is the moment the patient asked for (in UTC). The unique constraint is what
    makes sending idempotent: however often the scheduling command runs, and on however
    many machines, only the run that creates the row queues the reminder. For a push
    reminder `recipient` is empty: it goes to each of the patient's subscribed browsers.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind)
    channel = models.CharField(max_length=8, choices=ReminderChannel)
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["-due_at"]
        verbose_name = _("reminder")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "channel", "due_at"], name="reminder_once_per_moment"
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="reminder_state_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values), name="reminder_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ReminderChannel.values), name="reminder_channel_known"
            ),
        ]
        indexes = [
            # Serves the retry sweep.
            models.Index(fields=["state", "created_at"], name="reminder_undelivered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.get_channel_display()} at {self.due_at}"


def local_moment(day: datetime.date, time: datetime.time, zone: zoneinfo.ZoneInfo):
    """The moment a wall-clock time happens on a day in a zone, as UTC.

    Across a daylight-saving change a time can happen twice or not at all. Python's
    default (fold 0, PEP 495) gives the first of the two in autumn and, in spring's gap,
    the time as the clock reads after the change (01:30 in London on the spring change
    becomes 02:30), as a phone's alarm would ring.
    """
    return datetime.datetime.combine(day, time, tzinfo=zone).astimezone(datetime.UTC)
