"""Sending an email recorded as a Delivery (patients/models/deliveries.py), and sending it
again when it failed or lost its place in the queue. Alerts about flags
(patients/safety/notifications.py) and account emails (patients/services/enrolment.py)
both go this one way.
"""

import datetime
import logging
from collections.abc import Callable

from django.core.mail import EmailMessage
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patients.models import Delivery, DeliveryQuerySet, DeliveryState

logger = logging.getLogger(__name__)

# Longer than any one send can take (settings.EMAIL_TIMEOUT bounds each step of it), so a
# claim still standing after this belongs to a worker that died while sending.
CLAIM_EXPIRES = datetime.timedelta(minutes=5)


# What `compose` gives: the subject and body, and optionally the email's extra headers
# (a reminder's List-Unsubscribe, RFC 8058).
Composed = tuple[str, str] | tuple[str, str, dict[str, str]]


def deliver(queryset: models.QuerySet, pk, compose: Callable[[Delivery], Composed]) -> str:
    """Send one email of `queryset`. Safe to run twice: a sent email is not sent again.

    No transaction is open while the mail server is talked to: a slow one would hold its
    locks (on SQLite, the whole database) for as long as it stalls. Instead a worker
    claims the row in one short update, sends, and records the outcome in another; a
    second worker finds it claimed and leaves it. A claim left by a worker that died
    mid-send expires, and the sweep queues the email again. `compose` gives the subject
    and body (and any extra headers) at the moment of sending, so a link's secret is made
    then, never stored.
    """
    if not claim(queryset, pk):
        return "already sent or being sent"
    email = queryset.get(pk=pk)
    try:
        subject, body, *headers = compose(email)
        message = EmailMessage(
            subject, body, None, [email.recipient], headers=next(iter(headers), None)
        )
        message.send()
    except Exception as error:
        # The error's type only: a mail server's message can name the recipients.
        logger.warning(
            "%s %s could not be sent: %s", type(email).__name__, email.pk, type(error).__name__
        )
        record_failed(email, str(error))
        return "failed"
    record_sent(email)
    return "sent"


def claim(queryset: models.QuerySet, pk) -> bool:
    """Claim one undelivered row for this worker, in one short update: False when it was
    sent already or another worker's claim on it still stands."""
    now = timezone.now()
    claimed = (
        queryset.filter(pk=pk)
        .exclude(state=DeliveryState.SENT)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - CLAIM_EXPIRES))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    return bool(claimed)


def record_failed(delivery: Delivery, error: str) -> None:
    """Release the claim on a delivery that did not get out, with why, for the sweep."""
    delivery.state = DeliveryState.FAILED
    delivery.last_error = error[:500]
    delivery.claimed_at = None
    delivery.save(update_fields=["state", "last_error", "claimed_at"])


def record_sent(delivery: Delivery) -> None:
    delivery.state = DeliveryState.SENT
    delivery.sent_at = timezone.now()
    delivery.claimed_at = None
    delivery.save(update_fields=["state", "sent_at", "claimed_at"])


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
