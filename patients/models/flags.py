"""Flags for a clinician to act on, every event in their life, and the alert emails about them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.choices import (
    SEVERITY_RANK,
    Rule,
    Severity,
)
from patients.models.deliveries import Delivery, DeliveryState
from patients.models.enrolment import Patient


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


UNRESOLVED_FLAG_STATUSES = [FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED]


class EvidenceChange(models.TextChoices):
    """What became of a report a flag was raised on, after it was raised."""

    WITHDRAWN = "withdrawn", _("Evidence withdrawn: the patient deleted a walk")
    CORRECTED = "corrected", _("Evidence corrected: the patient changed a walk")


class FlagAction(models.TextChoices):
    """What the clinician did about a flag when resolving it."""

    CONTINUE = "continue", _("Continue the plan")
    HOLD = "hold", _("Hold at this stage")
    STEP_BACK = "step_back", _("Step back a stage")
    ADVANCE = "advance", _("Advance")
    REFER = "refer", _("Refer")


# Resolving with one of these changes the patient's active plan in the same step.
PLAN_CHANGING_ACTIONS = frozenset({FlagAction.HOLD, FlagAction.STEP_BACK, FlagAction.ADVANCE})


class FlagQuerySet(models.QuerySet):
    def unresolved(self) -> "FlagQuerySet":
        return self.filter(status__in=UNRESOLVED_FLAG_STATUSES)

    def in_clinics(self, clinic_ids) -> "FlagQuerySet":
        return self.filter(patient__clinic_id__in=clinic_ids)

    def queue_order(self) -> "FlagQuerySet":
        """Most severe first, then the longest waiting."""
        rank = models.Case(
            *(
                models.When(severity=severity, then=rank)
                for severity, rank in SEVERITY_RANK.items()
            ),
            output_field=models.IntegerField(),
        )
        return self.annotate(severity_rank=rank).order_by("-severity_rank", "opened_at")


class Flag(models.Model):
    """A rule that fired for a patient, and what the clinic did about it.

    While a flag for the same rule is unresolved, new evidence joins it instead of raising
    a duplicate; worse evidence raises its severity. Nothing is deleted: every change is a
    FlagEvent.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(_("rule"), max_length=20, choices=Rule)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity)
    status = models.CharField(
        _("status"), max_length=12, choices=FlagStatus, default=FlagStatus.OPEN
    )
    summary = models.CharField(_("summary"), max_length=300)
    high_priority = models.BooleanField(default=False)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    last_evidence_at = models.DateTimeField(_("latest evidence"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_action = models.CharField(max_length=10, choices=FlagAction, blank=True)
    resolution_note = models.TextField(blank=True)
    # Continue or advance on an urgent or same-day flag, or on a red light, needs a second,
    # explicit confirmation; this records that it was given.
    resolved_against_warning = models.BooleanField(default=False)
    evidence_change = models.CharField(
        _("evidence since"), max_length=10, choices=EvidenceChange, blank=True
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("flag")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "rule"],
                condition=Q(status__in=UNRESOLVED_FLAG_STATUSES),
                name="flag_one_unresolved_per_rule",
            ),
            models.CheckConstraint(condition=Q(rule__in=Rule.values), name="flag_rule_known"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="flag_severity_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FlagStatus.values), name="flag_status_known"
            ),
        ]
        indexes = [
            # Serves the dashboard queue: a clinic's unresolved flags, oldest first.
            models.Index(fields=["status", "opened_at"], name="flag_queue"),
            # Serves the engine's look-up of a patient's unresolved flags on every save.
            models.Index(fields=["patient", "status"], name="flag_patient_status"),
            # Serves the red-flag report's list, newest first (25 flags without sorting them
            # all), and, read backwards, its CSV in the order flags were raised.
            models.Index(fields=["-opened_at", "-id"], name="flag_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.summary}"

    @property
    def is_resolved(self) -> bool:
        return self.status == FlagStatus.RESOLVED

    @property
    def seen(self) -> str:
        """The flag as a page shows it; acknowledge and resolve post it back and go ahead
        only if the flag is unchanged (patients/safety/engine.py). New evidence, even on a flag
        still open, changes it: a page that never showed the news cannot act on it."""
        return "|".join(
            [self.status, self.severity, self.last_evidence_at.isoformat(), self.evidence_change]
        )


class FlagEventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    EVIDENCE = "evidence", _("New evidence")
    ESCALATED = "escalated", _("Severity raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    WITHDRAWN = "withdrawn", _("Evidence withdrawn")
    CORRECTED = "corrected", _("Evidence corrected")


class FlagEvent(models.Model):
    """One thing that happened to a flag: evidence added or a step of its lifecycle."""

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=FlagEventKind)
    severity = models.CharField(max_length=10, choices=Severity)
    summary = models.CharField(max_length=300, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FlagEventKind.values), name="flag_event_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class FlagReview(models.Model):
    """A reviewer's mark that a safety event was looked at in clinical governance, with
    their note. Never edited or deleted: a second look adds another mark."""

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["reviewed_at", "pk"]
        verbose_name = _("flag review")

    def __str__(self) -> str:
        return f"Reviewed at {self.reviewed_at:%Y-%m-%d %H:%M}"


class NotificationKind(models.TextChoices):
    ALERT = "alert", _("Alert")
    ESCALATION = "escalation", _("Escalation")


class Notification(Delivery):
    """One email about a flag, and whether it got out. The dashboard shows the failures."""

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=12, choices=NotificationKind)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="notification_state_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_known"
            ),
        ]
        indexes = [
            # Serves the dashboard's "not delivered" panel and the retry sweep.
            models.Index(fields=["state", "created_at"], name="notification_undelivered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}: {self.get_state_display()}"
