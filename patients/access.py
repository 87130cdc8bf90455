"""Who may see what. Every list starts from these scopes; every object lookup goes through them."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from patients.models import StaffMembership, StaffRole

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


def is_patient(user) -> bool:
    return getattr(user, "is_authenticated", False) and hasattr(user, "patient")
