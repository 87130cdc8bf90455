"""Emails that background workers send, and whether each got out (the sending itself is
patients/deliveries.py).

Every email Stepwise sends (alerts about flags, invitations, password and address emails)
is a row first, written by the request or sweep that wants it sent, and sent by a worker:
a mail server that is slow or down never slows or breaks a page, and each email keeps a
delivery state that someone can see and act on.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# An email still waiting after this long lost its queue entry (a crash between the commit
# and the enqueue); the sweep queues it again.
STALE_PENDING = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5


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
