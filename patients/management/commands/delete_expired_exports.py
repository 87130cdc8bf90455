"""Deletes the FHIR bulk exports past their lifetime (24 hours), with their files.

Each export is a copy of a clinic's records, kept only for its client to download. A
kick-off and a worker run sweep the expired ones too, but a client that stops asking
(its system switched off, the integration ended) would leave its last export for ever:
this job, hourly from a timer, makes the lifetime hold whoever asks.
"""

from django.core.management.base import BaseCommand

from patients.fhir.bulk import delete_expired


class Command(BaseCommand):
    help = "Delete FHIR bulk exports older than their 24-hour lifetime, with their files."

    def handle(self, *args, **options):
        deleted = delete_expired()
        self.stdout.write(f"{deleted} expired bulk export{'s' if deleted != 1 else ''} deleted.")
