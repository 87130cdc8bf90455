"""Moves a patient who lost both their email and their password to a new address, as the
procedure in docs/security.md describes."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from patients.models import Patient
from patients.services.enrolment import email_change_by_operator


class Command(BaseCommand):
    help = (
        "Change a patient's sign-in address without their confirmation, after the clinic "
        "has checked who they are. The audit trail records it."
    )

    def add_arguments(self, parser):
        parser.add_argument("patient_id", help="The patient's identifier (from the admin URL).")
        parser.add_argument("email", help="The new address.")
        parser.add_argument("--by", required=True, help="Username of the staff member asking.")
        parser.add_argument(
            "--reason",
            required=True,
            help="How the patient was identified, e.g. 'seen in clinic with photo ID, ref 118'.",
        )

    def handle(self, *args, patient_id: str, email: str, by: str, reason: str, **options):
        try:
            patient = Patient.objects.select_related("user").get(pk=patient_id)
        except (Patient.DoesNotExist, ValidationError):
            raise CommandError(f"No patient has the identifier {patient_id}.") from None
        staff = get_user_model().objects.filter(username=by, is_staff=True).first()
        if staff is None:
            raise CommandError(f"No staff account is called {by}.")
        try:
            validate_email(email)
            email_change_by_operator(patient=patient, email=email, by=staff, reason=reason)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Patient {patient_id} now signs in with {patient.user.email}. "
            "They choose a new password with 'Forgotten your password?' on the sign-in page."
        )
