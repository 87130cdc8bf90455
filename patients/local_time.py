"""Times on pages are shown in the clinic's time zone, the admin's included.

The zone is looked up once at sign-in (the patient's clinic, or the staff member's clinics
when they share one zone) and kept in the session, so pages pay no query for it. Dates
that decide anything ("today", "this week") never depend on this: they come from
`Clinic.today()`.
"""

import zoneinfo
from collections.abc import Callable

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from patients.models import Clinic, Patient

SESSION_KEY = "stepwise_time_zone"


def clinic_zone_of(user) -> str | None:
    patient = Patient.objects.filter(user=user).select_related("clinic").first()
    if patient is not None:
        return patient.clinic.timezone
    zones = set(Clinic.objects.filter(memberships__user=user).values_list("timezone", flat=True))
    return zones.pop() if len(zones) == 1 else None


@receiver(user_logged_in)
def remember_clinic_zone(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = clinic_zone_of(user)


class ClinicTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))  # cached by zoneinfo after first use
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
