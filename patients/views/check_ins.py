"""The patient's symptom check-in: saved as soon as anything is worrying, advice shown at once."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from patients.forms.reports import FollowUpForm, SymptomCheckInForm
from patients.models import Patient, SymptomCheckIn
from patients.safety.advice import (
    ALWAYS_URGENT_SYMPTOMS,
    advice_for,
    emergency_lines,
    standing_advice,
    urgent_advice,
    worst,
)
from patients.safety.inputs import answer_findings, check_in_findings, check_in_report
from patients.security.access import current_patient
from patients.services.reports import (
    check_in_advice_shown,
    symptom_check_in_complete,
    symptom_check_in_save,
)


def worrying(patient: Patient, form: SymptomCheckInForm) -> bool:
    """Whether the answers given so far need acting on, whatever else is missing."""
    yes, _no = form.serious_answers()
    unsaved = SymptomCheckIn(
        patient=patient,
        reported_on=patient.clinic.today(),
        serious_symptoms=sorted(yes),
        **form.answers(),
    )
    return bool(yes) or bool(answer_findings(check_in_report(unsaved), patient))


def show_advice(check_in: SymptomCheckIn, patient: Patient):
    """The advice for a saved check-in, recording when the patient first saw it. Advice
    already standing (get medical help) is never played down by a later report."""
    advice = worst(
        advice_for(check_in_findings(check_in), patient.clinic), standing_advice(patient)
    )
    if advice is not None:
        check_in_advice_shown(check_in=check_in, now=timezone.now())
    return advice


# Said on a form page that comes back with questions to answer although what was worrying
# in it is already with the clinic: a phone sending a report it kept offline
# (static/js/offline.js) then tells the patient so, instead of only "needs checking".
PARTLY_SAVED = "X-Report-Partly-Saved"


def offline_advice(patient: Patient) -> dict:
    """The urgent advice and the questions whose yes needs it, kept in the page so a phone
    with no connection shows the advice at once (static/js/offline.js)."""
    return {
        "offline_advice": urgent_advice(patient.clinic),
        "urgent_questions": " ".join(
            sorted(f"serious_{symptom}" for symptom in ALWAYS_URGENT_SYMPTOMS)
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def check_in_new(request: HttpRequest) -> HttpResponse:
    """Pain and the serious-symptom questions.

    No mistake or gap ever stands between a worrying answer and its advice: when something
    is worrying the check-in is saved with what was answered, the advice comes first, and
    the rest is asked again below it, with everything typed kept. Sending the same form
    again adds to the same check-in.
    """
    patient = current_patient(request)
    form = SymptomCheckInForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "patient": patient, **offline_advice(patient)}
    if request.method == "POST":
        valid = form.is_valid()
        if valid or worrying(patient, form):
            yes, no = form.serious_answers()
            check_in, _created = symptom_check_in_save(
                patient=patient,
                submission_key=form.submission_key(),
                serious_yes=yes,
                serious_no=no,
                **form.answers(),
            )
            if valid:
                return redirect("check_in_detail", check_in_id=check_in.pk)
            advice = show_advice(check_in, patient)
            form.asking_again = True
            context.update(
                check_in=check_in,
                advice=advice,
                emergency_lines=emergency_lines(check_in) if advice and advice.is_urgent else "",
            )
    response = render(request, "patients/check_in_form.html", context)
    if "check_in" in context:
        response[PARTLY_SAVED] = "yes"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def check_in_detail(request: HttpRequest, check_in_id) -> HttpResponse:
    """The advice for a check-in, then anything it left unanswered, asked again."""
    patient = current_patient(request)
    check_in = get_object_or_404(SymptomCheckIn, pk=check_in_id, patient=patient)
    advice = show_advice(check_in, patient)
    ask_onset = advice is not None and advice.is_urgent
    form = FollowUpForm(
        request.POST if request.method == "POST" else None,
        check_in=check_in,
        ask_onset=ask_onset,
    )
    if request.method == "POST":
        # Every question here is optional; what was answered validly is kept.
        form.is_valid()
        yes, no, others = form.answers()
        symptom_check_in_complete(check_in=check_in, serious_yes=yes, serious_no=no, **others)
        messages.success(request, _("Thank you. Your answers are saved."))
        return redirect("check_in_detail", check_in_id=check_in.pk)
    context = {
        "patient": patient,
        "check_in": check_in,
        "advice": advice,
        "emergency_lines": emergency_lines(check_in) if ask_onset else "",
        "follow_up": form,
    }
    return render(request, "patients/check_in_detail.html", context)
