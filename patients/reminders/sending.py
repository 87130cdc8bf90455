"""Queueing the reminders that are due, and sending each one (by a background worker).

`queue_due_reminders` runs from the command `send_reminders` every minute or few. It
reads every patient whose reminders are on in a few queries, asks `schedule` which
moments are due, and records each as a Reminder row per channel. The row's unique
(patient, kind, channel, due_at) makes this safe to run twice, or on two machines at
once: only the run that creates the row queues its sending.
"""

import datetime
import logging
from collections import defaultdict
from functools import partial

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from patients.deliveries import deliver, requeue
from patients.languages import in_patient_language
from patients.models import (
    MorningCheck,
    Patient,
    PushSubscription,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderSettings,
    WalkLog,
)
from patients.models.deliveries import MAX_ATTEMPTS, DeliveryState
from patients.reminders import push
from patients.reminders.links import SETTINGS_PATH, site_link, stop_link
from patients.reminders.schedule import LOOKBACK, Snapshot, due_reminders
from patients.reminders.texts import reminder_email
from programs.models import PlanAssignment, PlanStatus

logger = logging.getLogger(__name__)

# A reminder that failed is tried again only while it is still of use: "time for your
# walk" the next day would only confuse.
RETRY_WITHIN = datetime.timedelta(hours=2)
# Walks this recent decide today's reminders in every time zone (today's walk, and
# yesterday's for the next-morning reminder).
RECENT_WALK_DAYS = 3


def queue_due_reminders(now: datetime.datetime) -> int:
    """Record and queue every reminder due in (now - LOOKBACK, now]; how many were new."""
    # Read in full first: on SQLite a write cannot start under a read still open once
    # another process has written ("database is locked").
    rows = [row for row in _settings_on() if row.is_on]
    recent = _recent_walks(now)
    queued = 0
    for row in rows:
        try:
            queued += _queue_for(row, recent[row.patient_id], now)
        except Exception:
            # One patient's unreadable settings (a time zone the system no longer knows)
            # must not stop everyone else's reminders.
            logger.exception("Reminders for patient %s could not be worked out", row.patient_id)
    return queued


def _queue_for(row: ReminderSettings, recent: dict, now: datetime.datetime) -> int:
    channels = _channels(row, has_push=row.has_push)
    due = due_reminders(_snapshot(row, recent), now - LOOKBACK, now) if channels else []
    return sum(_queue_once(row.patient, d.kind, channel, d.at) for d in due for channel in channels)


def queue_test_reminder(patient: Patient, now: datetime.datetime | None = None) -> int:
    """Send this patient a "this is a test reminder" now, by each way they switched on.

    For the reminder settings page's "Send me a test reminder" button (and the demo in
    scripts/run). Its due_at is the moment asked, so each test is a reminder of its own
    and never stands in for a real one. Returns how many were queued: 0 means no way is
    on (email needs the patient's address; a notification needs a subscribed browser),
    for the page to say so.
    """
    now = now or timezone.now()
    reminder_settings = ReminderSettings.objects.filter(patient=patient).first()
    if reminder_settings is None:
        return 0
    has_push = PushSubscription.objects.filter(patient=patient).exists()
    return sum(
        _queue_once(patient, ReminderKind.TEST, channel, now)
        for channel in _channels(reminder_settings, has_push=has_push)
    )


# The settings page's test button sends at most one test a minute: a double tap, or a
# script, cannot fill a patient's inbox.
TEST_REMINDER_EVERY = datetime.timedelta(minutes=1)


def test_reminder_too_soon(patient: Patient, now: datetime.datetime) -> bool:
    return Reminder.objects.filter(
        patient=patient, kind=ReminderKind.TEST, created_at__gt=now - TEST_REMINDER_EVERY
    ).exists()


# Below the alerts about flags (the default priority) in the one queue: a reminder never
# keeps a clinician's urgent alert waiting behind it.
REMINDER_PRIORITY = -10


@task(priority=REMINDER_PRIORITY)
def deliver_reminder(reminder_id: int) -> str:
    """Send one reminder, outside any transaction (see `patients.deliveries.deliver`)."""
    reminder = (
        Reminder.objects.select_related("patient__reminder_settings").filter(pk=reminder_id).first()
    )
    if reminder is None:  # the patient's data was erased meanwhile
        return "no such reminder"
    if reminder.channel == ReminderChannel.PUSH:
        return push.send_reminder_push(reminder)
    if not reminder.patient.reminder_settings.by_email:
        return _give_up(reminder, "reminder emails were switched off before it was sent")
    return deliver(Reminder.objects.select_related("patient"), reminder_id, _compose)


def reminders_retry(now: datetime.datetime) -> int:
    """Queue again the reminders that failed or lost their place, while still of use."""
    recent = Reminder.objects.filter(due_at__gte=now - RETRY_WITHIN)
    return requeue(recent, deliver_reminder, now)


def _settings_on():
    """Everyone who might get a reminder, with what deciding needs, in one query."""
    current_plan = PlanAssignment.objects.current().filter(patient=OuterRef("patient"))
    return (
        ReminderSettings.objects.filter(Q(by_email=True) | Q(by_push=True))
        .filter(patient__user__is_active=True)
        .select_related("patient__clinic", "patient__user")
        .annotate(
            plan_status=Subquery(current_plan.values("status")[:1]),
            stage_started_on=Subquery(current_plan.values("stage_started_on")[:1]),
            last_walk=Max(
                "patient__walk_logs__walked_on",
                filter=Q(patient__walk_logs__deleted_at__isnull=True),
            ),
            has_push=Exists(PushSubscription.objects.filter(patient=OuterRef("patient"))),
        )
    )


def _recent_walks(now: datetime.datetime) -> dict:
    """Each patient's recent walk days, and which of them await a next-morning check."""
    checked = MorningCheck.objects.filter(walk_log=OuterRef("pk"))
    walks = (
        WalkLog.objects.live()
        .filter(
            patient__in=ReminderSettings.objects.values("patient"),
            walked_on__gte=now.date() - datetime.timedelta(days=RECENT_WALK_DAYS),
        )
        .annotate(checked=Exists(checked))
        .values_list("patient_id", "walked_on", "checked")
    )
    recent = defaultdict(lambda: {"walked": set(), "unchecked": set()})
    for patient_id, walked_on, is_checked in walks:
        recent[patient_id]["walked"].add(walked_on)
        if not is_checked:
            recent[patient_id]["unchecked"].add(walked_on)
    return recent


def _snapshot(row: ReminderSettings, recent: dict) -> Snapshot:
    clinic = row.patient.clinic
    # The quiet spell restarts when a stage starts or a paused plan resumes, as the
    # clinic's no-activity flag counts it.
    starts = [day for day in (row.last_walk, row.stage_started_on) if day is not None]
    return Snapshot(
        zone=row.zone(),
        walk_days=frozenset(int(day) for day in row.walk_days),
        walk_time=row.walk_time,
        nudge_after_days=row.nudge_after_days,
        morning_check_time=row.morning_check_time,
        quiet_from=row.quiet_from,
        quiet_until=row.quiet_until,
        plan_active=row.plan_status == PlanStatus.ACTIVE,
        quiet_since=max(starts, default=None),
        no_activity_days=clinic.no_activity_days,
        walk_dates=frozenset(recent["walked"]),
        unchecked_walk_dates=frozenset(recent["unchecked"]),
    )


def _channels(reminder_settings: ReminderSettings, *, has_push: bool) -> list[str]:
    """The ways a reminder can reach this patient now."""
    channels = []
    if reminder_settings.by_email and reminder_settings.patient.user.email:
        channels.append(ReminderChannel.EMAIL)
    if reminder_settings.by_push and has_push and push.is_configured():
        channels.append(ReminderChannel.PUSH)
    return channels


def _queue_once(patient: Patient, kind: str, channel: str, due_at: datetime.datetime) -> int:
    """Record the reminder; queue it only if this call created the row (1), else 0."""
    recipient = patient.user.email if channel == ReminderChannel.EMAIL else ""
    reminder, created = Reminder.objects.get_or_create(
        patient=patient,
        kind=kind,
        channel=channel,
        due_at=due_at,
        defaults={"recipient": recipient},
    )
    if created:
        transaction.on_commit(partial(deliver_reminder.enqueue, reminder.pk))
    return int(created)


def _compose(reminder: Reminder) -> tuple[str, str, dict[str, str]]:
    """The email, made at the moment of sending; with RFC 8058's one-click unsubscribe."""
    stop = stop_link(reminder.patient)
    with in_patient_language(reminder.patient):
        subject, body = reminder_email(
            reminder.kind,
            page_link=site_link(reverse("home")),
            settings_link=site_link(SETTINGS_PATH),
            stop_link=stop,
        )
    headers = {
        "List-Unsubscribe": f"<{stop}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return subject, body, headers


def _give_up(reminder: Reminder, reason: str) -> str:
    """Not sent, on purpose: recorded as failed with no tries left, so no sweep retries it."""
    Reminder.objects.filter(pk=reminder.pk).exclude(state=DeliveryState.SENT).update(
        state=DeliveryState.FAILED, last_error=reason, attempts=MAX_ATTEMPTS
    )
    return "not sent: " + reason
