from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from patients import access
from patients.models import Patient
from programs.models import PlanAssignment


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own page."""
    if access.is_patient(request.user):
        return redirect("patient_week")
    if access.is_staff_member(request.user):
        return redirect("staff_home")
    if request.user.is_superuser:
        return redirect("admin:index")
    raise Http404


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    clinic_ids = access.clinic_ids(request.user)
    if not clinic_ids:
        raise Http404
    patients = (
        Patient.objects.in_clinics(clinic_ids)
        .select_related("user", "clinic", "clinician")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=PlanAssignment.objects.current().prefetch_related("stages"),
                to_attr="current_assignments",
            )
        )
    )
    today = timezone.localdate()
    rows = [
        {
            "patient": patient,
            "plan": (
                patient.current_assignments[0].describe_current(today)
                if patient.current_assignments
                else ""
            ),
        }
        for patient in patients
    ]
    can_edit = bool(access.care_clinic_ids(request.user))
    return render(request, "patients/staff_home.html", {"rows": rows, "can_edit": can_edit})
