"""The Bulk Data export (HL7 FHIR Bulk Data Access 2.0, system level): kick-off, status,
files. docs/fhir.md has the client's side.

`GET $export` queues the worker (patients.fhir.bulk) and answers 202 with the status URL;
the status URL answers 202 while it runs, then the manifest; each file is one NDJSON row,
streamed. Everything is the calling client's own: another client's export, even of the
same clinic, is a 404, as if it did not exist. A kick-off and every file download are
recorded in the audit trail, as exports of the clinic's records.
"""

import contextlib
import datetime
import logging
import re
import uuid
from types import SimpleNamespace

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from patients.fhir.bulk import ACTIVE, patients_in
from patients.fhir.sources import TYPES, instant
from patients.models import AuditAction, BulkExport, BulkExportFile, BulkExportStatus
from patients.models.api_clients import EXPORT_LIFETIME
from patients.security import audit
from patients.services.bulk_exports import (
    ExportBusy,
    bulk_export_cancel,
    bulk_export_start,
    bulk_exports_fail_stalled,
)
from patients.views.fhir import (
    allow,
    api_view,
    base_url,
    fhir_response,
    operation_outcome,
    require_GET,
)

logger = logging.getLogger(__name__)

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = {NDJSON, "application/ndjson", "ndjson"}
# Parameters of the spec this server cannot honour: asked for, they are refused, so a
# client never takes a whole export for the filtered one it asked for.
UNSUPPORTED = {"_typeFilter", "_elements", "includeAssociatedData", "patient", "_until"}
KNOWN = {"_outputFormat", "_type", "_since", "_format"}
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# How long a client should wait before asking again, in seconds.
RETRY_AFTER = 5
FILE_CHUNK = 64 * 1024


class KickOffError(Exception):
    pass


def _since(value: str | None) -> datetime.datetime | None:
    if value is None:
        return None
    # An unencoded "+" in a query string arrives as a space.
    value = value.strip().replace(" ", "+")
    moment = None
    # Well formed is not enough: 2024-02-30, hour 25 or an offset of +99:00 are no moments,
    # and 0001-01-01T00:00:00+01:00 has none in UTC, where the database compares it.
    with contextlib.suppress(ValueError, OverflowError):
        moment = parse_datetime(value).astimezone(datetime.UTC) if INSTANT.match(value) else None
    if moment is None:
        raise KickOffError(
            "_since must be a FHIR instant with its time zone, e.g. 2024-05-01T00:00:00Z."
        )
    return moment


def _types(value: str | None) -> list[str]:
    if value is None:
        return []
    asked = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in asked if name not in TYPES]
    if unknown or not asked:
        served = ", ".join(TYPES)
        # Named back as sent, up to a point: a client's typo, not its whole query string.
        named = ", ".join(unknown)[:200] or "(none)"
        raise KickOffError(f"_type names types not exported here: {named}. Exported: {served}.")
    return list(dict.fromkeys(asked))


def _check_parameters(request) -> None:
    if request.headers.get("Prefer", "").replace(" ", "").lower() != "respond-async":
        raise KickOffError("The export runs in the background: send Prefer: respond-async.")
    refused = sorted(UNSUPPORTED.intersection(request.GET))
    if refused:
        raise KickOffError(f"Not supported by this server: {', '.join(refused)}.")
    unknown = sorted(set(request.GET) - KNOWN)
    if unknown:
        raise KickOffError(f"Unknown parameters: {', '.join(unknown)[:200]}.")
    output_format = request.GET.get("_outputFormat", NDJSON)
    if output_format not in OUTPUT_FORMATS:
        raise KickOffError("_outputFormat can only be application/fhir+ndjson.")


def _status_url(request, export: BulkExport) -> str:
    return f"{base_url(request)}/$export-status/{export.pk}"


@require_GET
@api_view
def kick_off(request):
    """GET $export: the clinic's resources, written by the worker; 202 and where to ask."""
    client = request.api_client
    try:
        _check_parameters(request)
        types = _types(request.GET.get("_type"))
        since = _since(request.GET.get("_since"))
    except KickOffError as error:
        return operation_outcome(400, "invalid", str(error))
    try:
        export = bulk_export_start(
            client=client,
            request_url=request.build_absolute_uri(),
            resource_types=types,
            since=since,
        )
    except ExportBusy:
        return operation_outcome(
            429,
            "throttled",
            "An export of this client is already under way: wait for it, or cancel it "
            "(DELETE its status URL), then ask again.",
            {"Retry-After": str(RETRY_AFTER)},
        )
    status_url = _status_url(request, export)
    return fhir_response(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "information",
                    "code": "informational",
                    "diagnostics": f"The export is queued: ask {status_url}",
                }
            ],
        },
        202,
        {"Content-Location": status_url},
    )


def _own_export(request, export_id) -> BulkExport:
    """The client's own export, not expired or cancelled; a 404 for anything else."""
    exports = BulkExport.objects.filter(client=request.api_client).exclude(
        status=BulkExportStatus.CANCELLED
    )
    return get_object_or_404(exports, pk=export_id)


@allow("GET", "DELETE")
@api_view
def export_status(request, export_id: uuid.UUID):
    # A client that only polls learns of a stalled export too, not "queued" for a day.
    bulk_exports_fail_stalled(client=request.api_client)
    export = _own_export(request, export_id)
    if export.requested_at + EXPORT_LIFETIME <= timezone.now():
        return operation_outcome(404, "not-found", "This export has expired.")
    if request.method == "DELETE":
        bulk_export_cancel(export=export)
        return fhir_response(
            {
                "resourceType": "OperationOutcome",
                "issue": [
                    {
                        "severity": "information",
                        "code": "informational",
                        "diagnostics": "The export is cancelled and its files deleted.",
                    }
                ],
            },
            202,
        )
    if export.status in ACTIVE:
        return _in_progress(export)
    if export.status == BulkExportStatus.FAILED:
        # The spec's answer for a failed export; the failure itself was logged by the
        # worker, with its cause, when it happened.
        logger.warning("Bulk export %s was asked for after it failed.", export.pk)
        return operation_outcome(500, "exception", export.error)
    return fhir_response(
        _manifest(request, export),
        headers={"Expires": http_date((export.requested_at + EXPORT_LIFETIME).timestamp())},
    )


def _in_progress(export: BulkExport):
    if export.status == BulkExportStatus.QUEUED:
        progress = "queued"
    else:
        written = export.files.count()
        progress = f"running: {written} file{'s' if written != 1 else ''} written"
    return fhir_response({}, 202, {"X-Progress": progress, "Retry-After": str(RETRY_AFTER)})


def _manifest(request, export: BulkExport) -> dict:
    files = export.files.order_by("resource_type", "sequence").values_list(
        "pk", "resource_type", "count"
    )
    order = {resource_type: n for n, resource_type in enumerate(TYPES)}
    files = sorted(files, key=lambda file: order.get(file[1], len(order)))
    base = base_url(request)
    return {
        "transactionTime": instant(export.transaction_time),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": resource_type, "url": f"{base}/$export-file/{pk}", "count": count}
            for pk, resource_type, count in files
        ],
        "error": [],
    }


@require_GET
@api_view
def export_file(request, file_id: uuid.UUID):
    client = request.api_client
    file = get_object_or_404(
        BulkExportFile.objects.filter(
            export__client=client,
            export__status=BulkExportStatus.DONE,
            export__requested_at__gt=timezone.now() - EXPORT_LIFETIME,
        ).only("pk", "resource_type", "sequence", "count", "export_id"),
        pk=file_id,
    )
    content = BulkExportFile.objects.values_list("content", flat=True).get(pk=file.pk)
    patients = [
        SimpleNamespace(pk=patient_id, clinic_id=client.clinic_id)
        for patient_id in patients_in(file.resource_type, content)
    ]
    audit.record_views(
        by=client,
        # The subject is 40 characters at most: the type goes in the detail.
        subject="FHIR bulk export file",
        patients=patients,
        action=AuditAction.EXPORTED,
        detail=f"{file.export_id}: {file.resource_type} file {file.sequence}, "
        f"{file.count} resources",
    )
    return StreamingHttpResponse(
        _pieces(content),
        content_type=f"{NDJSON}; charset=utf-8",
        headers={"Cache-Control": "no-store"},
    )


def _pieces(content: str):
    """The file's text written out a piece at a time."""
    for start in range(0, len(content), FILE_CHUNK):
        yield content[start : start + FILE_CHUNK].encode()
