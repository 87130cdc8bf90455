"""Works every patient's summary out again from their records (patients/summaries.py).

The services keep summaries as they change things, so this is for after an upgrade that
added or changed them, after loading data in bulk, or to check that nothing drifted.
Safe to run while the clinic works: each batch is its own short transaction.
"""

import time
from collections.abc import Iterator

from django.core.management.base import BaseCommand

from patients.models import Patient
from patients.summaries import summaries_rebuild

BATCH = 200


def by_batches_of_ids(patients) -> Iterator[Patient]:
    """Every patient, read a batch at a time by id, so no read stays open while a batch
    writes: on SQLite a write cannot start under an open read once another process has
    written, and fails at once with "database is locked"."""
    ids = list(patients.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        yield from patients.filter(pk__in=ids[start : start + BATCH])


class Command(BaseCommand):
    help = "Rebuild every patient's summary (the dashboard's row) from their records."

    def add_arguments(self, parser):
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Only patients who have no summary yet (quick when there are none).",
        )

    def handle(self, *args, missing: bool, **options):
        started = time.monotonic()
        patients = Patient.objects.select_related("clinic").order_by("pk")
        if missing:
            patients = patients.filter(summary__isnull=True)
        written = summaries_rebuild(by_batches_of_ids(patients), batch=BATCH)
        if written or not missing:
            self.stdout.write(
                f"Rebuilt {written} patient summaries in {time.monotonic() - started:.1f} s."
            )
        else:
            self.stdout.write("Every patient has a summary; nothing to rebuild.")
