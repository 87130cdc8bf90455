"""Erases one patient for good, as the procedure in docs/security.md describes."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from patients.models import Patient
from patients.services.erasure import patient_erase


class Command(BaseCommand):
    help = "Erase a patient and everything they reported. The audit trail records it."

    def add_arguments(self, parser):
        parser.add_argument("patient_id", help="The patient's identifier (from the admin URL).")
        parser.add_argument("--by", required=True, help="Username of the staff member asking.")
        parser.add_argument(
            "--reason",
            required=True,
            help="Why, without personal details, e.g. 'erasure request ref 2026-114'.",
        )
        parser.add_argument("--yes", action="store_true", help="Do it without asking.")

    def handle(self, *args, patient_id: str, by: str, reason: str, yes: bool, **options):
        try:
            patient = Patient.objects.select_related("user", "clinic").get(pk=patient_id)
        except (Patient.DoesNotExist, ValidationError):
            raise CommandError(f"No patient has the identifier {patient_id}.") from None
        staff = get_user_model().objects.filter(username=by, is_staff=True).first()
        if staff is None:
            raise CommandError(f"No staff account is called {by}.")
        if not yes:
            answer = input(
                f"Erase {patient.user.get_full_name()} of {patient.clinic} for good? "
                "This cannot be undone. Type 'erase' to go ahead: "
            )
            if answer.strip() != "erase":
                raise CommandError("Nothing was erased.")
        counts = patient_erase(patient=patient, by=staff, reason=reason)
        removed = ", ".join(f"{number} {what}" for what, number in counts.items())
        self.stdout.write(f"Erased patient {patient_id}: {removed}.")
