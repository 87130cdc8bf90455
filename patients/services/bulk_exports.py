"""Starting and cancelling a clinic system's Bulk Data export (docs/fhir.md).

One export at a time per client: the client's row is locked while its running exports are
counted, so two kick-offs at once cannot both start one. The worker (patients.fhir.bulk)
is queued once the export's row is committed, so it always finds it.
"""

import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from patients.fhir.bulk import ACTIVE, delete_expired, run_bulk_export
from patients.models import ApiClient, BulkExport, BulkExportFile, BulkExportStatus
from patients.security import audit

# An export still under way this long after it was asked for will not finish (its worker
# died, or no worker runs): it stops blocking the client's next kick-off.
STALLED_AFTER = datetime.timedelta(hours=2)
STALLED = (
    "The export did not finish: the server's background worker stopped. Please ask for it "
    "again; if it happens again, contact the clinic's Stepwise administrator."
)


class ExportBusy(Exception):
    """The client already has an export queued or running."""


def bulk_exports_fail_stalled(*, client: ApiClient) -> None:
    """Marks failed the client's exports still under way `STALLED_AFTER` their kick-off."""
    now = timezone.now()
    BulkExport.objects.filter(
        client=client, status__in=ACTIVE, requested_at__lt=now - STALLED_AFTER
    ).update(status=BulkExportStatus.FAILED, error=STALLED, finished_at=now)


@transaction.atomic
def bulk_export_start(
    *, client: ApiClient, request_url: str, resource_types: list[str], since
) -> BulkExport:
    """The new export, queued; raises ExportBusy while the client has one under way."""
    delete_expired()
    ApiClient.objects.select_for_update().filter(pk=client.pk).first()
    bulk_exports_fail_stalled(client=client)
    if BulkExport.objects.filter(client=client, status__in=ACTIVE).exists():
        raise ExportBusy
    export = BulkExport.objects.create(
        client=client,
        clinic_id=client.clinic_id,
        request_url=request_url,
        resource_types=resource_types,
        since=since,
    )
    audit.record_export(
        by=client,
        subject="FHIR bulk export",
        clinic_ids=[client.clinic_id],
        detail=f"{export.pk}: {request_url}"[:200],
    )
    transaction.on_commit(partial(run_bulk_export.enqueue, str(export.pk)))
    return export


@transaction.atomic
def bulk_export_cancel(*, export: BulkExport) -> None:
    """Cancels the export and deletes its files; the worker stops at its next file."""
    BulkExport.objects.filter(pk=export.pk).update(status=BulkExportStatus.CANCELLED)
    BulkExportFile.objects.filter(export_id=export.pk).delete()
