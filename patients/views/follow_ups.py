"""The monthly follow-up question after discharge: from the signed link in its email (no
sign-in), or signed in; and stopping the questions.

GET only shows: mail scanners open every link in an email, and must neither answer nor
stop anything. The signed link reaches its own question and nothing else, and its page
names nobody and shows nothing of the patient's record: whoever holds the link sees the
questions and the fixed advice only.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from patients.forms.follow_ups import RecurrenceQuestionForm
from patients.models import FollowUpQuestion
from patients.outcomes.follow_ups import open_question, question_for_token
from patients.safety.advice import warning_signs
from patients.security.access import current_patient
from patients.services.follow_ups import follow_up_answer, follow_up_stop


@never_cache
@require_http_methods(["GET", "POST"])
def follow_up_answer_view(request: HttpRequest, token: str) -> HttpResponse:
    question = question_for_token(token)
    if question is None:
        return render(request, "patients/follow_up_problem.html", status=404)
    return _question_page(request, question, token=token)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def follow_up_current(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    question = open_question(patient, patient.clinic.today())
    if question is None:
        context = {"clinic": patient.clinic, "stopped": patient.follow_up_stopped_at}
        return render(request, "patients/follow_up_none.html", context)
    question.patient = patient
    return _question_page(request, question, token="")


@never_cache
@require_POST
def follow_up_link_stop(request: HttpRequest, token: str) -> HttpResponse:
    question = question_for_token(token)
    if question is None:
        return render(request, "patients/follow_up_problem.html", status=404)
    patient = question.patient
    follow_up_stop(patient=patient, by=patient.user)
    return render(request, "patients/follow_up_stopped.html", {"clinic": patient.clinic})


@login_required
@require_POST
def follow_up_stop_signed_in(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    follow_up_stop(patient=patient, by=request.user)
    return redirect("follow_up_current")


def _question_page(request: HttpRequest, question: FollowUpQuestion, *, token: str):
    patient = question.patient
    today = patient.clinic.today()
    context = {
        "clinic": patient.clinic,
        "token": token,
        "question": question,
        "warning_signs": warning_signs(),
        "stopped": patient.follow_up_stopped_at,
    }
    if question.answered_at is not None or patient.follow_up_stopped_at is not None:
        return render(request, "patients/follow_up.html", context)
    form_args = {"today": today, "discharged_on": question.discharged_on}
    if request.method == "POST":
        form = RecurrenceQuestionForm(request.POST, **form_args)
        if form.is_valid():
            # A second answer (a double tap, another tab) keeps the first: the page then
            # says thank you either way.
            follow_up_answer(question=question, answers=form.answers(), by=patient.user)
            return redirect(request.path)
    else:
        form = RecurrenceQuestionForm(**form_args)
    context["form"] = form
    return render(request, "patients/follow_up.html", context)
