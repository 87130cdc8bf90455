from django.core.management.base import BaseCommand
from django.utils import timezone

from patients.safety.notifications import escalate_overdue, retry_undelivered


class Command(BaseCommand):
    help = (
        "Escalate urgent and same-day flags not acknowledged in time, and queue again any "
        "alert email that failed or was lost. Run every few minutes from a scheduler."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        escalated = escalate_overdue(now)
        retried = retry_undelivered(now)
        self.stdout.write(f"escalated: {escalated}, notifications queued again: {retried}")
