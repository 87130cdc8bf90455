"""Works every patient's summary out again from their records (patients/summaries.py).

The services keep summaries as they change things, so this is for after an upgrade that
added or changed them, after loading data in bulk, or to check that nothing drifted.
Safe to run while the clinic works: each batch is its own short transaction.
"""

import time

from django.core.management.base import BaseCommand

from patients.models import Patient
from patients.summaries import summaries_rebuild


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
        written = summaries_rebuild(patients.iterator(chunk_size=200))
        if written or not missing:
            self.stdout.write(
                f"Rebuilt {written} patient summaries in {time.monotonic() - started:.1f} s."
            )
