from django.core.management.base import BaseCommand
from django.utils import timezone

from patients.models import SafetyProcess
from patients.outcomes.follow_ups import follow_ups_retry
from patients.reminders.sending import reminders_retry
from patients.safety.notifications import escalate_overdue, retry_undelivered
from patients.safety.watch import queue_worker_heartbeat, record_run
from patients.services.enrolment import account_emails_retry


class Command(BaseCommand):
    help = (
        "Escalate urgent and same-day flags not acknowledged in time, and queue again any "
        "email (alerts, invitations, password and address emails), recent reminder "
        "or follow-up question that failed or was lost. "
        "Run every few minutes from a scheduler."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        escalated = escalate_overdue(now)
        retried = retry_undelivered(now)
        accounts = account_emails_retry(now)
        reminders = reminders_retry(now)
        follow_ups = follow_ups_retry(now)
        done = (
            f"escalated: {escalated}, notifications queued again: {retried}, "
            f"account emails queued again: {accounts}, reminders queued again: {reminders}, "
            f"follow-up questions queued again: {follow_ups}"
        )
        record_run(SafetyProcess.ESCALATION_SWEEP, done, now)
        # The worker proves it is working the queue by running this (patients.safety.watch).
        queue_worker_heartbeat()
        self.stdout.write(done)
