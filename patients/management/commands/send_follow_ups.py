"""Ask each discharged patient this month's follow-up question. Run daily from a scheduler:
each month is asked once however often it runs (patients/outcomes/follow_ups.py)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from patients.outcomes.follow_ups import queue_due_follow_ups


class Command(BaseCommand):
    help = (
        "Queue this month's follow-up question for every discharged patient it is open "
        "for, for the background worker to email. Run daily from a scheduler."
    )

    def handle(self, *args, **options):
        queued = queue_due_follow_ups(timezone.now())
        self.stdout.write(f"follow-up questions queued: {queued}")
