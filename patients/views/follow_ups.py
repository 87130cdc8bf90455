"""The monthly follow-up question after discharge: from the signed link in its email (no
sign-in), or signed in; and stopping (and, signed in, restarting) the questions.

GET only shows: mail scanners open every link in an email, and must neither answer nor
stop anything. The signed link reaches its own question and nothing else, and its page
names nobody and shows nothing of the patient's record: whoever holds the link sees the
questions and the fixed advice only. A question counts only while its patient is still
discharged on its day and has not stopped (`still_asked`): after a new plan, its link has
nothing to answer. Restarting needs the patient signed in: the link alone never restarts.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from patients.forms.follow_ups import RecurrenceQuestionForm
from patients.languages import link_language
from patients.models import FollowUpQuestion, Patient
from patients.outcomes.follow_ups import open_question, question_for_token, still_asked
from patients.outcomes.recurrence import FOLLOW_UP_MONTHS
from patients.safety.advice import warning_signs
from patients.security.access import current_patient
from patients.services.follow_ups import follow_up_answer, follow_up_restart, follow_up_stop


@never_cache
@require_http_methods(["GET", "POST"])
def follow_up_answer_view(request: HttpRequest, token: str) -> HttpResponse:
    question = question_for_token(token)
    if question is None:
        return render(request, "patients/follow_up_problem.html", status=404)
    translation.activate(link_language(request, question.patient))
    return _question_page(request, question, token=token)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def follow_up_current(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    question = open_question(patient, patient.clinic.today())
    if question is None:
        context = {
            "clinic": patient.clinic,
            "stopped": patient.follow_up_stopped_at,
            "can_restart": True,
            "warning_signs": warning_signs(),
        }
        return render(request, "patients/follow_up_none.html", context)
    question.patient = patient
    # `open_question` found it by the patient's discharge now: it is still asked.
    return _question_page(request, question, token="", asked=True)


@never_cache
@require_POST
def follow_up_link_stop(request: HttpRequest, token: str) -> HttpResponse:
    question = question_for_token(token)
    if question is None:
        return render(request, "patients/follow_up_problem.html", status=404)
    # An old month's link (the patient is on a plan again) has nothing to stop.
    if still_asked(question):
        follow_up_stop(patient=question.patient, by=question.patient.user)
    # POST, then redirect: a reload shows the page again rather than sending again.
    return redirect("follow_up_answer", token=token)


@login_required
@require_POST
def follow_up_stop_signed_in(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    follow_up_stop(patient=patient, by=request.user)
    return redirect("follow_up_current")


@login_required
@require_POST
def follow_up_restart_signed_in(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    follow_up_restart(patient=patient, by=request.user)
    return redirect("follow_up_current")


def _signed_in_as(request: HttpRequest, patient: Patient) -> bool:
    return request.user.is_authenticated and request.user.pk == patient.user_id


def _question_page(
    request: HttpRequest, question: FollowUpQuestion, *, token: str, asked: bool = False
):
    patient = question.patient
    today = patient.clinic.today()
    context = {
        "clinic": patient.clinic,
        "token": token,
        "question": question,
        "warning_signs": warning_signs(),
        "stopped": patient.follow_up_stopped_at,
    }
    if patient.follow_up_stopped_at is not None:
        context["can_restart"] = _signed_in_as(request, patient)
        return render(request, "patients/follow_up.html", context)
    # Its month passed, or the patient is back on a walking plan (or discharged again
    # since): nothing to answer, store or stop from this question.
    current = asked or still_asked(question)
    context["nothing_to_answer"] = not current
    context["asked_again"] = current and question.month < FOLLOW_UP_MONTHS
    if question.answered_at is not None or not current:
        return render(request, "patients/follow_up.html", context)
    form_args = {"today": today, "discharged_on": question.discharged_on, "month": question.month}
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
