"""Emails about urgent and same-day flags, sent by background workers.

A Notification row is written in the same transaction as the flag, and its delivery is
queued only once that transaction has committed: a report that rolls back sends nothing,
and a slow mail server never slows the patient's save. Every notification keeps its
delivery state; the dashboard shows the ones that did not get out, because the clinic must
never depend on email arriving.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from patients.choices import ALERT_SEVERITIES, Severity
from patients.models import DeliveryState, Flag, FlagStatus, Notification, NotificationKind

logger = logging.getLogger(__name__)

SEVERITY_PHRASES = {Severity.URGENT: _lazy("an urgent"), Severity.SAME_DAY: _lazy("a same-day")}
# A notification still pending after this long lost its queue entry (a crash between the
# commit and the enqueue); the sweep queues it again.
STALE_PENDING = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Longer than any one send can take (settings.EMAIL_TIMEOUT bounds each step of it), so a
# claim still standing after this belongs to a worker that died while sending.
CLAIM_EXPIRES = datetime.timedelta(minutes=5)


def alert_recipients(flag: Flag) -> list[str]:
    addresses = [flag.patient.clinician.email, flag.patient.clinic.alert_email]
    return list(dict.fromkeys(address for address in addresses if address))


def escalation_recipients(flag: Flag) -> list[str]:
    clinic = flag.patient.clinic
    return [clinic.escalation_email or clinic.alert_email or flag.patient.clinician.email]


def notify(flag: Flag, kind: str = NotificationKind.ALERT) -> list[Notification]:
    """Record the emails for a flag and queue them once the current transaction commits."""
    recipients = (
        alert_recipients(flag) if kind == NotificationKind.ALERT else escalation_recipients(flag)
    )
    notifications = [
        Notification.objects.create(flag=flag, kind=kind, recipient=recipient)
        for recipient in recipients
        if recipient
    ]
    queue_delivery([notification.pk for notification in notifications])
    return notifications


def queue_delivery(notification_ids: list[int]) -> None:
    def enqueue() -> None:
        for notification_id in notification_ids:
            deliver_notification.enqueue(notification_id)

    transaction.on_commit(enqueue)


def _message(notification: Notification) -> tuple[str, str]:
    flag = notification.flag
    severity = SEVERITY_PHRASES[flag.severity]
    if notification.kind == NotificationKind.ESCALATION:
        subject = _("Stepwise: %(severity)s flag not yet acknowledged") % {"severity": severity}
    else:
        subject = _("Stepwise: %(severity)s flag to review") % {"severity": severity}
    # No patient details in email: the link leads to them behind a sign-in.
    body = _(
        "%(severity)s flag was raised for a patient of %(clinic)s at %(time)s.\n\n"
        "Review it on the dashboard: %(link)s\n\n"
        "This email leaves out the patient's details on purpose."
    ) % {
        "severity": severity,
        "clinic": flag.patient.clinic.name,
        "time": flag.patient.clinic.local_time(flag.opened_at).strftime("%d %b %Y %H:%M %Z"),
        "link": f"{settings.SITE_URL}/clinic/",
    }
    return subject, capfirst(body)


@task()
def deliver_notification(notification_id: int) -> str:
    """Send one notification. Safe to run twice: a sent notification is not sent again.

    No transaction is open while the mail server is talked to: a slow one would hold its
    locks (on SQLite, the whole database) for as long as it stalls. Instead a worker
    claims the notification in one short update, sends, and records the outcome in
    another; a second worker finds it claimed and leaves it. A claim left by a worker that
    died mid-send expires, and the sweep queues the notification again.
    """
    now = timezone.now()
    claimed = (
        Notification.objects.filter(pk=notification_id)
        .exclude(state=DeliveryState.SENT)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - CLAIM_EXPIRES))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "already sent or being sent"
    notification = Notification.objects.select_related("flag__patient__clinic").get(
        pk=notification_id
    )
    subject, body = _message(notification)
    try:
        send_mail(subject, body, None, [notification.recipient])
    except Exception as error:
        # The error's type only: a mail server's message can name the recipients.
        logger.warning(
            "Notification %s could not be sent: %s", notification.pk, type(error).__name__
        )
        notification.state = DeliveryState.FAILED
        notification.last_error = str(error)[:500]
        notification.claimed_at = None
        notification.save(update_fields=["state", "last_error", "claimed_at"])
        return "failed"
    notification.state = DeliveryState.SENT
    notification.sent_at = timezone.now()
    notification.claimed_at = None
    notification.save(update_fields=["state", "sent_at", "claimed_at"])
    return "sent"


def escalate_overdue(now: datetime.datetime) -> int:
    """Escalate, once, each urgent or same-day flag not acknowledged within its window."""
    candidates = (
        Flag.objects.filter(
            status=FlagStatus.OPEN,
            severity__in=ALERT_SEVERITIES,
            escalated_at__isnull=True,
            opened_at__lte=now - datetime.timedelta(minutes=5),
        )
        .select_related("patient__clinic", "patient__clinician")
        .order_by("opened_at")
    )
    escalated = 0
    for flag in candidates:
        window = datetime.timedelta(minutes=flag.patient.clinic.escalation_minutes)
        if flag.opened_at > now - window:
            continue
        with transaction.atomic():
            updated = Flag.objects.filter(pk=flag.pk, escalated_at__isnull=True).update(
                escalated_at=now
            )
            if updated:  # another sweep running at once did not get there first
                notify(flag, NotificationKind.ESCALATION)
                escalated += 1
    return escalated


def retry_undelivered(now: datetime.datetime) -> int:
    """Queue again what failed (a few times) or lost its place in the queue."""
    due = Notification.objects.filter(
        state=DeliveryState.FAILED, attempts__lt=MAX_ATTEMPTS
    ) | Notification.objects.filter(
        state=DeliveryState.PENDING, created_at__lte=now - STALE_PENDING
    )
    queued = already_queued()
    ids = [pk for pk in due.values_list("pk", flat=True) if pk not in queued]
    for notification_id in ids:
        deliver_notification.enqueue(notification_id)
    return len(ids)


def already_queued() -> set[int]:
    """Notifications whose delivery waits in the queue: while no worker runs, queueing them
    again at every sweep would only make the queue longer."""
    waiting = DBTaskResult.objects.ready().filter(task_path=deliver_notification.module_path)
    return {
        call["args"][0] for call in waiting.values_list("args_kwargs", flat=True) if call["args"]
    }
