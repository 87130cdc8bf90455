from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients.models import Clinic, Patient

User = get_user_model()


@transaction.atomic
def patient_enrol(
    *,
    clinic: Clinic,
    clinician,
    first_name: str,
    last_name: str,
    email: str,
    **baseline,
) -> Patient:
    """Create a patient's account and enrolment with their baseline.

    The account has no usable password until the patient accepts their invitation, and it
    is never a staff account: patients have no way into the admin.
    """
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.is_staff = False
    user.save()
    patient = Patient(user=user, clinic=clinic, clinician=clinician, **baseline)
    patient.full_clean(exclude=["user"])
    patient.save()
    return patient
