"""Emails that background workers send, and whether each got out.

Every email Stepwise sends (alerts about flags, invitations, password and address emails)
is a row first, written by the request or sweep that wants it sent, and sent by a worker:
a mail server that is slow or down never slows or breaks a page, and each email keeps a
delivery state that someone can see and act on.
"""

import datetime
import logging
from collections.abc import Callable

from django.core.mail import send_mail
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

# An email still waiting after this long lost its queue entry (a crash between the commit
# and the enqueue); the sweep queues it again.
STALE_PENDING = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Longer than any one send can take (settings.EMAIL_TIMEOUT bounds each step of it), so a
# claim still standing after this belongs to a worker that died while sending.
CLAIM_EXPIRES = datetime.timedelta(minutes=5)


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")


class DeliveryQuerySet(models.QuerySet):
    def undelivered(self) -> "DeliveryQuerySet":
        return self.exclude(state=DeliveryState.SENT)

    def due_again(self, now: datetime.datetime) -> "DeliveryQuerySet":
        """What failed (fewer than MAX_ATTEMPTS times) or lost its place in the queue."""
        return self.filter(
            Q(state=DeliveryState.FAILED, attempts__lt=MAX_ATTEMPTS)
            | Q(state=DeliveryState.PENDING, created_at__lte=now - STALE_PENDING)
        )


class Delivery(models.Model):
    """One email's delivery: its state, tries, last error, and a worker's claim on it."""

    recipient = models.EmailField()
    state = models.CharField(max_length=10, choices=DeliveryState, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker is sending it, so a second worker leaves it alone.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        abstract = True


def deliver(queryset: models.QuerySet, pk, compose: Callable[[Delivery], tuple[str, str]]) -> str:
    """Send one email of `queryset`. Safe to run twice: a sent email is not sent again.

    No transaction is open while the mail server is talked to: a slow one would hold its
    locks (on SQLite, the whole database) for as long as it stalls. Instead a worker
    claims the row in one short update, sends, and records the outcome in another; a
    second worker finds it claimed and leaves it. A claim left by a worker that died
    mid-send expires, and the sweep queues the email again. `compose` gives the subject
    and body at the moment of sending, so a link's secret is made then, never stored.
    """
    now = timezone.now()
    claimed = (
        queryset.filter(pk=pk)
        .exclude(state=DeliveryState.SENT)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - CLAIM_EXPIRES))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return "already sent or being sent"
    email = queryset.get(pk=pk)
    try:
        subject, body = compose(email)
        send_mail(subject, body, None, [email.recipient])
    except Exception as error:
        # The error's type only: a mail server's message can name the recipients.
        logger.warning(
            "%s %s could not be sent: %s", type(email).__name__, email.pk, type(error).__name__
        )
        email.state = DeliveryState.FAILED
        email.last_error = str(error)[:500]
        email.claimed_at = None
        email.save(update_fields=["state", "last_error", "claimed_at"])
        return "failed"
    email.state = DeliveryState.SENT
    email.sent_at = timezone.now()
    email.claimed_at = None
    email.save(update_fields=["state", "sent_at", "claimed_at"])
    return "sent"


def requeue(queryset: DeliveryQuerySet, task, now: datetime.datetime) -> int:
    """Queue `task` again for each email of `queryset` due again and not already waiting."""
    waiting = already_queued(task)
    ids = [pk for pk in queryset.due_again(now).values_list("pk", flat=True) if pk not in waiting]
    for pk in ids:
        task.enqueue(pk)
    return len(ids)


def already_queued(task) -> set:
    """Emails whose delivery waits in the queue: while no worker runs, queueing them again
    at every sweep would only make the queue longer."""
    waiting = DBTaskResult.objects.ready().filter(task_path=task.module_path)
    return {
        call["args"][0] for call in waiting.values_list("args_kwargs", flat=True) if call["args"]
    }
