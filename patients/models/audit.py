"""The audit trail's rows, which nobody changes, and the lockout records clinic admins see."""

from axes.models import AccessAttempt
from django.db import models
from django.db.models import Q
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


class AuditEvent(models.Model):
    """Who did what to which patient's data, when, from where.

    Written in the same transaction as the change it records. It names people by id and
    username only and never copies clinical content, so erasing a patient leaves an audit
    that says what happened without saying anything about them. The patient and actor
    are plain values, not foreign keys, so erasing either leaves every row as it was.
    """

    at = models.DateTimeField(default=timezone.now)
    actor_id = models.IntegerField(null=True, blank=True)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction)
    subject = models.CharField(_("what"), max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(_("patient"), null=True, blank=True)
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
