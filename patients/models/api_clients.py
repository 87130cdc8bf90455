"""The clinic systems that read Stepwise through the FHIR API, and their bulk exports.

An `ApiClient` is one system of one clinic (its record system, a data warehouse): an
OAuth2 application of django-oauth-toolkit's, client credentials only, which a clinic
admin creates and revokes in the admin. It reads that clinic's records and nothing else,
and never writes. Its requests are counted per minute for the rate limit.

A `BulkExport` is one `$export` request of the HL7 Bulk Data pattern: the worker writes
the clinic's resources as NDJSON into `BulkExportFile` rows of at most a few thousand
lines each, so neither the worker nor the download ever holds more than one file, and
the files live in the database every process already shares (no shared disk). Exports
are kept for a day (`EXPORT_LIFETIME`), then the sweep deletes them.
"""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import Application

from patients.models.clinics import Clinic

EXPORT_LIFETIME = datetime.timedelta(hours=24)


class ApiClientQuerySet(models.QuerySet):
    def in_clinics(self, clinic_ids) -> "ApiClientQuerySet":
        return self.filter(clinic_id__in=clinic_ids)

    def active(self) -> "ApiClientQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiClient(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(
        _("name"), max_length=100, help_text=_("The system that will read, e.g. 'EHR export'.")
    )
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="api_client", editable=False
    )
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=120,
        help_text=_("More in one minute are refused with 429 until the minute is over."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    # The rate limit's window: when the current minute began, and the requests in it.
    window_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    window_requests = models.PositiveIntegerField(default=0, editable=False)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["clinic__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "name"], name="api_client_name_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.clinic})"

    @property
    def client_id(self) -> str:
        return self.application.client_id

    @property
    def audit_label(self) -> str:
        """How the audit trail names this client: by name and client id, never a secret."""
        return f"API client {self.name} [{self.application.client_id}]"[:150]


class BulkExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class BulkExportQuerySet(models.QuerySet):
    def expired(self, now=None) -> "BulkExportQuerySet":
        return self.filter(requested_at__lt=(now or timezone.now()) - EXPORT_LIFETIME)


class BulkExport(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="exports")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    # The kick-off URL as the client sent it, for the manifest's `request`.
    request_url = models.TextField()
    resource_types = models.JSONField(default=list, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=BulkExportStatus, default=BulkExportStatus.QUEUED
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    # The manifest's `transactionTime`: nothing changed after it is in the files.
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    objects = BulkExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BulkExportStatus.values), name="bulk_export_status_known"
            )
        ]

    def __str__(self) -> str:
        return f"Export {self.id} ({self.get_status_display()})"


class BulkExportFile(models.Model):
    """One NDJSON file of an export: one resource type, at most `LINES_PER_FILE` lines."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    sequence = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    content = models.TextField()

    class Meta:
        ordering = ["export", "resource_type", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["export", "resource_type", "sequence"], name="bulk_export_file_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_type} {self.sequence} of export {self.export_id}"
