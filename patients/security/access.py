"""Who may see what. Every list starts from these scopes; every object lookup goes through them."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from patients.models import (
    Flag,
    Patient,
    StaffMembership,
    StaffRole,
    WalkLog,
)

# Roles that look after patients and their plans, in the app and in the admin.
CARE_ROLES = (StaffRole.CLINICIAN, StaffRole.CLINIC_ADMIN)
# Roles that oversee flags across clinicians: the red-flag report.
REPORT_ROLES = (StaffRole.REVIEWER, StaffRole.CLINIC_ADMIN)


def _memberships(user) -> dict[int, str]:
    """clinic id -> role, cached on the user object for the rest of the request."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, "_stepwise_memberships", None)
    if cached is None:
        cached = dict(StaffMembership.objects.for_user(user).values_list("clinic_id", "role"))
        user._stepwise_memberships = cached
    return cached


def clinic_ids(user: AbstractBaseUser | AnonymousUser, roles=None) -> list[int]:
    return [
        clinic_id
        for clinic_id, role in _memberships(user).items()
        if roles is None or role in roles
    ]


def care_clinic_ids(user) -> list[int]:
    return clinic_ids(user, CARE_ROLES)


def is_staff_member(user) -> bool:
    return bool(_memberships(user))


def _patient_of(user) -> Patient | None:
    """The user's enrolment, cached on the user object for the rest of the request: the
    second-factor check asks first, then the patient's page, and both get one query."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_stepwise_patient"):
        # With what every patient page reads: their clinic's day and their summary.
        patients = Patient.objects.select_related("clinic", "summary").order_by()
        patient = patients.filter(user_id=user.pk).first()
        if patient is not None:
            patient.user = user
        user._stepwise_patient = patient
    return user._stepwise_patient


def signed_in_patient(user) -> Patient | None:
    """The user's enrolment, or None for staff and the signed out."""
    return _patient_of(user)


def is_patient(user) -> bool:
    return _patient_of(user) is not None


def current_patient(request: HttpRequest) -> Patient:
    """The signed-in patient; anyone else gets a 404."""
    patient = _patient_of(request.user)
    if patient is None:
        raise Http404
    return patient


def patient_walk(patient: Patient, walk_id) -> WalkLog:
    """One of the patient's own live walks; another's, or a deleted one, is a 404."""
    walk = get_object_or_404(WalkLog.objects.live(), pk=walk_id, patient=patient)
    walk.patient = patient  # already loaded, with the clinic
    return walk


def scoped_patient(request: HttpRequest, patient_id) -> Patient:
    """A patient of one of the user's clinics, or a 404."""
    patients = Patient.objects.in_clinics(clinic_ids(request.user))
    return get_object_or_404(
        patients.select_related("user", "clinic", "clinician", "summary"), pk=patient_id
    )


def scoped_flag(request: HttpRequest, flag_id) -> Flag:
    """A flag in one of the clinics the user looks after, or a 404."""
    flags = Flag.objects.in_clinics(care_clinic_ids(request.user))
    return get_object_or_404(flags.select_related("patient__user", "patient__clinic"), pk=flag_id)


def _flag_in(request: HttpRequest, flag_id, roles) -> Flag:
    flags = Flag.objects.in_clinics(clinic_ids(request.user, roles))
    return get_object_or_404(
        flags.select_related("patient__user", "patient__clinic", "acknowledged_by", "resolved_by"),
        pk=flag_id,
    )


def readable_flag(request: HttpRequest, flag_id) -> Flag:
    """A flag for its governance page: for reviewers and for those who look after the
    patient, in the flag's own clinic; anyone else gets a 404."""
    return _flag_in(request, flag_id, (*REPORT_ROLES, *CARE_ROLES))


def reviewable_flag(request: HttpRequest, flag_id) -> Flag:
    """A flag a reviewer (or clinic admin) of its clinic may mark reviewed, or a 404."""
    return _flag_in(request, flag_id, REPORT_ROLES)
