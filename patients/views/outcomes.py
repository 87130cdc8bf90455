"""The patient's outcome questionnaire: the one due today, answered in any part, saved once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from patients.forms.outcomes import OutcomeForm
from patients.outcomes.progress import answered_with, outcome_due, psfs_activities
from patients.security.access import current_patient
from patients.services.outcomes import outcome_response_save


def thanked(request: HttpRequest) -> HttpResponse:
    messages.success(
        request,
        _(
            "Thank you. Your answers are saved. If your symptoms worry you, use "
            "Report a change in symptoms."
        ),
    )
    return redirect("patient_week")


@login_required
@require_http_methods(["GET", "POST"])
def outcome_questionnaire(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    posted = request.POST if request.method == "POST" else None
    # The same form sent twice (a double tap, a page sent again) finds its first save
    # before anything else: by then another questionnaire may be due.
    if posted is not None and answered_with(patient, posted.get("submission") or None):
        return thanked(request)
    due = outcome_due(patient, patient.clinic.today())
    if due is None:
        return render(request, "patients/outcome_nothing_due.html", {"patient": patient})
    form = OutcomeForm(posted, occasion=due.occasion, activities=psfs_activities(patient))
    if posted is not None and form.is_valid():
        try:
            outcome_response_save(
                patient=patient,
                occasion=due.occasion,
                due_on=due.due_on,
                submission_key=form.submission_key(),
                answers=form.answers(),
                by=request.user,
                assignment=due.plan,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return thanked(request)
    context = {"patient": patient, "form": form, "due": due}
    return render(request, "patients/outcome_questionnaire.html", context)
