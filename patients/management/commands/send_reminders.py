"""Queue the reminders patients chose. Run every minute or few from a scheduler: each run
looks back a little (patients/reminders/schedule.py), and a reminder is sent once however
often it runs, and on however many machines."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patients.models import Patient
from patients.reminders.sending import queue_due_reminders, queue_test_reminder


class Command(BaseCommand):
    help = (
        "Queue the walk, nudge and next-morning reminders that are due now, for the "
        "background worker to send. Run every few minutes from a scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--test",
            metavar="EMAIL",
            help="Queue a test reminder now for the patient with this email address.",
        )

    def handle(self, *args, **options):
        if options["test"]:
            self.stdout.write(f"test reminders queued: {self.queue_test(options['test'])}")
            return
        queued = queue_due_reminders(timezone.now())
        self.stdout.write(f"reminders queued: {queued}")

    def queue_test(self, email: str) -> int:
        user = get_user_model().objects.filter(email__iexact=email).first()
        patient = Patient.objects.filter(user=user).first() if user else None
        if patient is None:
            raise CommandError(f"No patient has the email address {email}.")
        return queue_test_reminder(patient)
