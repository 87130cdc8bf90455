"""The Bulk Data export's worker: one clinic's resources as NDJSON files, in constant memory.

`run_bulk_export` is queued by the `$export` kick-off (patients/views/fhir_export.py). It
fixes the export's `transaction_time` first and reads only rows changed before it, so the
files are one consistent cut even while the clinic keeps working; a row changed at or
after it waits for the next export (`_since`). Each resource type's sources are read in
turn with `iterator(chunk_size=...)` (their prefetches done a chunk at a time), and lines
are written into `BulkExportFile` rows of at most `LINES_PER_FILE`, so the worker holds at
most one chunk of rows and one file however big the clinic is.

The export can be cancelled (DELETE on its status URL) while it runs: the worker looks
between files and stops, deleting what it wrote. Exports older than `EXPORT_LIFETIME`
are deleted hourly (`manage.py delete_expired_exports`), and at every kick-off and run.
"""

import json
import logging
import uuid

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from patients.fhir.sources import TYPES, Source, sources_of
from patients.models import BulkExport, BulkExportFile, BulkExportStatus

logger = logging.getLogger(__name__)

# A file of 5,000 lines is a few megabytes: small enough to hold and to download in one
# go, large enough that a clinic's export is tens of files, not thousands.
LINES_PER_FILE = 5000
# Rows read per query (with their prefetches): the worker's memory is this many rows.
CHUNK_SIZE = 500
# Below the alerts about flags, with the reminders: an export can wait a few minutes.
BULK_EXPORT_PRIORITY = -20
ACTIVE = (BulkExportStatus.QUEUED, BulkExportStatus.RUNNING)


class Cancelled(Exception):
    """The export was cancelled while it ran."""


def delete_expired() -> int:
    """Deletes exports past their lifetime, with their files. Returns how many."""
    return BulkExport.objects.expired().delete()[1].get(BulkExport._meta.label, 0)


def requested_types(export: BulkExport) -> list[str]:
    """The types asked for (`_type`), in the registry's order; every type if none."""
    asked = set(export.resource_types or TYPES)
    return [resource_type for resource_type in TYPES if resource_type in asked]


def ndjson_line(resource: dict) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


class FileWriter:
    """Collects one type's lines and saves them as files of at most `LINES_PER_FILE`."""

    def __init__(self, export_id, resource_type: str, lines_per_file: int):
        self.export_id = export_id
        self.resource_type = resource_type
        self.lines_per_file = lines_per_file
        self.lines: list[str] = []
        self.sequence = 0
        self.written = 0

    def add(self, line: str) -> None:
        self.lines.append(line)
        if len(self.lines) >= self.lines_per_file:
            self.flush()

    def flush(self) -> None:
        if not self.lines:
            return
        _stop_if_cancelled(self.export_id)
        self.sequence += 1
        BulkExportFile.objects.create(
            export_id=self.export_id,
            resource_type=self.resource_type,
            sequence=self.sequence,
            count=len(self.lines),
            content="\n".join(self.lines) + "\n",
        )
        self.written += len(self.lines)
        self.lines = []


def _stop_if_cancelled(export_id) -> None:
    status = BulkExport.objects.filter(pk=export_id).values_list("status", flat=True).first()
    if status != BulkExportStatus.RUNNING:
        raise Cancelled


def _write_source(writer: FileWriter, source: Source, export: BulkExport) -> None:
    rows = source.rows(export.clinic_id, since=export.since, until=export.transaction_time)
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        writer.add(ndjson_line(source.resource(row)))


def write_export(export: BulkExport, lines_per_file: int = LINES_PER_FILE) -> int:
    """Writes the export's files. Returns the lines written."""
    written = 0
    for resource_type in requested_types(export):
        writer = FileWriter(export.pk, resource_type, lines_per_file)
        for source in sources_of(resource_type):
            _write_source(writer, source, export)
        writer.flush()
        written += writer.written
    return written


def _start(export_id) -> BulkExport | None:
    """Marks a queued export running, at its transaction time; None if it is not queued."""
    with transaction.atomic():
        export = BulkExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != BulkExportStatus.QUEUED:
            return None
        export.status = BulkExportStatus.RUNNING
        export.transaction_time = timezone.now()
        export.save(update_fields=["status", "transaction_time"])
        return export


def _finish(export_id, **changes) -> bool:
    """Sets the outcome, unless the export was cancelled meanwhile (then it stays so)."""
    return bool(
        BulkExport.objects.filter(pk=export_id, status=BulkExportStatus.RUNNING).update(
            finished_at=timezone.now(), **changes
        )
    )


@task(priority=BULK_EXPORT_PRIORITY)
def run_bulk_export(export_id: str) -> None:
    delete_expired()
    export = _start(uuid.UUID(str(export_id)))
    if export is None:
        logger.info("Bulk export %s is not waiting to run (cancelled or expired).", export_id)
        return
    try:
        written = write_export(export)
    except Cancelled:
        BulkExportFile.objects.filter(export_id=export.pk).delete()
        logger.info("Bulk export %s was cancelled while it ran.", export.pk)
        return
    except Exception as error:
        # The client reads `error` in the status answer: it says what failed, not how.
        logger.exception("Bulk export %s failed (%s).", export.pk, type(error).__name__)
        BulkExportFile.objects.filter(export_id=export.pk).delete()
        _finish(
            export.pk,
            status=BulkExportStatus.FAILED,
            error="The export could not be written. Please ask for it again later; "
            "if it fails again, contact the clinic's Stepwise administrator.",
        )
        return
    if not _finish(export.pk, status=BulkExportStatus.DONE):
        # Cancelled while its last file was being saved: that file goes too.
        BulkExportFile.objects.filter(export_id=export.pk).delete()
        return
    logger.info("Bulk export %s done: %d resources.", export.pk, written)


def patients_in(resource_type: str, content: str) -> list[str]:
    """The ids of the patients a file's lines are about, for the audit trail of its download.

    Read from each line's JSON (its id, or its references), never by a pattern over the
    text: a patient's own words sit in the same line, and a note ending `"Patient/<id>`
    would otherwise name someone else.
    """
    found: list[str] = []
    for line in content.splitlines():
        resource = json.loads(line)
        if resource_type == "Patient":
            found.append(resource["id"])
        else:
            found.extend(_patient_references(resource))
    return list(dict.fromkeys(found))


def _patient_references(value):
    if isinstance(value, dict):
        reference = value.get("reference")
        if isinstance(reference, str) and reference.startswith("Patient/"):
            yield reference.removeprefix("Patient/")
        for item in value.values():
            yield from _patient_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _patient_references(item)
