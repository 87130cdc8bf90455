"""Emails about urgent and same-day flags, sent by background workers.

A Notification row is written in the same transaction as the flag, and its delivery is
queued only once that transaction has committed: a report that rolls back sends nothing,
and a slow mail server never slows the patient's save. Every notification keeps its
delivery state; the dashboard shows the ones that did not get out, because the clinic must
never depend on email arriving.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_tasks import task

from patients.choices import ALERT_SEVERITIES, Severity
from patients.deliveries import CLAIM_EXPIRES, deliver, requeue  # noqa: F401

# The one way every email is sent and sent again; named here for the pages and tests.
from patients.languages import in_records_language
from patients.models import Flag, FlagStatus, Notification, NotificationKind
from patients.models.deliveries import MAX_ATTEMPTS, STALE_PENDING  # noqa: F401

SEVERITY_PHRASES = {Severity.URGENT: _lazy("an urgent"), Severity.SAME_DAY: _lazy("a same-day")}


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


@in_records_language  # to the clinic, whatever the patient reads
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
    """Send one notification, outside any transaction (see `deliver`)."""
    notifications = Notification.objects.select_related("flag__patient__clinic")
    return deliver(notifications, notification_id, _message)


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
    return requeue(Notification.objects.all(), deliver_notification, now)
