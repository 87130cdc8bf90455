"""Where each role lands after signing in."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from patients.security import access


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own page."""
    if access.is_patient(request.user):
        return redirect("patient_week")
    if access.care_clinic_ids(request.user):
        return redirect("staff_home")
    if access.is_staff_member(request.user):
        # Reviewers oversee the flag report; the dashboard is theirs to look at too.
        return redirect("flag_report")
    if request.user.is_superuser:
        return redirect("admin:index")
    raise Http404
