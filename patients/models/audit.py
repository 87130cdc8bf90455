"""The audit trail's rows, which nobody changes, and the lockout records clinic admins see."""

import uuid

from axes.models import AccessAttempt
from django.db import models
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Replace
from django.db.models.lookups import Contains
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.models.clinics import Clinic


class AuditAction(models.TextChoices):
    VIEWED = "viewed", _("Viewed")
    EXPORTED = "exported", _("Exported")
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")
    ERASED = "erased", _("Erased")


class AuditEventQuerySet(models.QuerySet):
    """Append-only: rows are added, never changed or removed through the app."""

    def update(self, **kwargs):
        raise PermissionError("The audit trail cannot be changed.")

    def delete(self):
        raise PermissionError("The audit trail cannot be deleted.")

    def concerning(self, patient_id: uuid.UUID | str) -> "AuditEventQuerySet":
        """Every event about one patient: their own, and pages that listed them among others."""
        return self.filter(
            Q(patient_id=patient_id)
            | (~Q(patients_shown="") & Q(patients_shown__contains=shown_key(patient_id)))
        )

    def concerning_any(self, patients: models.QuerySet) -> "AuditEventQuerySet":
        """Every event about any of these patients (a queryset of them), as concerning()."""
        listed = patients.filter(Contains(OuterRef("patients_shown"), _shown_key_of("pk")))
        return self.filter(
            Q(patient_id__in=patients.values("pk")) | (~Q(patients_shown="") & Exists(listed))
        )


def shown_key(patient_id: uuid.UUID | str) -> str:
    """How a patient is written in `patients_shown`: 32 hex digits, as SQLite keeps UUIDs,
    so a query can match a patient's own column against the list on either database."""
    return uuid.UUID(str(patient_id)).hex


def _shown_key_of(column: str):
    """shown_key() in SQL: PostgreSQL writes a UUID with dashes, SQLite without."""
    return Replace(Cast(column, CharField()), Value("-"), Value(""))


class AuditEvent(models.Model):
    """Who did what to which patient's data, when, from where.

    Written in the same transaction as the change it records. It names people by id and
    username only and never copies clinical content, so erasing a patient leaves an audit
    that says what happened without saying anything about them. The patient and actor
    are plain values, not foreign keys, so erasing either leaves every row as it was.

    A page listing many patients (the dashboard) is one event per clinic, naming every
    patient it showed in `patients_shown`; `AuditEvent.objects.concerning()` finds those
    together with the patient's own events.
    """

    at = models.DateTimeField(default=timezone.now)
    actor_id = models.IntegerField(null=True, blank=True)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction)
    subject = models.CharField(_("what"), max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(_("patient"), null=True, blank=True)
    # The patients a list page showed, as shown_key()s separated by spaces: a plain text
    # column, as the app runs on SQLite as well as PostgreSQL.
    patients_shown = models.TextField(_("patients shown"), blank=True, default="")
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="audit_action_known"
            ),
        ]
        indexes = [
            # The admin's list for one clinic, newest first; and one patient's history.
            models.Index(fields=["clinic", "-at"], name="audit_clinic_at"),
            models.Index(fields=["patient_id", "-at"], name="audit_patient_at"),
            # concerning(): the list pages' events only, to search their lists of patients
            # without reading every other event.
            models.Index(fields=["-at"], condition=~Q(patients_shown=""), name="audit_lists_at"),
        ]

    def __str__(self) -> str:
        return f"{self.actor or 'system'} {self.get_action_display().lower()} {self.subject}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail cannot be deleted.")


class FailedSignIn(AccessAttempt):
    """django-axes' record of wrong passwords for one account; deleting it unlocks."""

    class Meta:
        proxy = True
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("locked and failed sign-ins")
