"""The patient's walks: logging one, correcting or deleting it, and the next-morning check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from patients.choices import BodyArea, PainCharacter
from patients.forms.reports import MorningCheckForm, WalkLogForm
from patients.models import MorningCheck, Patient, SymptomCheckIn
from patients.safety.advice import advice_for, emergency_lines, standing_advice, worst
from patients.safety.inputs import answer_findings, check_in_report, morning_findings, walk_findings
from patients.safety.rules import is_flagged
from patients.security.access import current_patient, patient_walk
from patients.selectors import is_morning, plan_context
from patients.services.reports import (
    check_in_advice_shown,
    morning_check_create,
    symptom_check_in_save,
    walk_just_saved,
    walk_log_correct,
    walk_log_create,
    walk_log_delete,
)
from patients.views.check_ins import PARTLY_SAVED


def unsaved_walk_symptoms(patient: Patient, form: WalkLogForm) -> dict:
    """Symptoms on a walk form that has a mistake in it: acted on now, not after the fix.

    Anything that would raise a flag is saved at once as a symptom report (the walk itself
    is saved when the patient corrects the form); the advice is shown above the form.
    """
    answers = form.symptom_answers()
    if answers["pain_now"] is None and not answers["pain_areas"]:
        return {}
    unsaved = SymptomCheckIn(
        patient=patient, reported_on=patient.clinic.today(), from_walk_form=True, **answers
    )
    findings = answer_findings(check_in_report(unsaved), patient)
    advice = worst(advice_for(findings, patient.clinic), standing_advice(patient))
    saved = any(is_flagged(finding) for finding in findings)
    if saved:
        check_in, _created = symptom_check_in_save(
            patient=patient,
            submission_key=form.submission_key(),
            from_walk_form=True,
            **answers,
        )
        check_in_advice_shown(check_in=check_in, now=timezone.now())
    return {
        "advice": advice,
        "symptoms_saved": saved,
        "emergency_lines": emergency_lines(unsaved) if advice and advice.is_urgent else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def walk_new(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    today = patient.clinic.today()
    form = WalkLogForm(request.POST if request.method == "POST" else None, today=today)
    context = {"form": form, "patient": patient, "editing": None}
    if request.method == "POST" and not form.is_valid():
        context.update(unsaved_walk_symptoms(patient, form))
    elif request.method == "POST":
        key = form.cleaned_data["submission"]
        repeat = not form.cleaned_data["another_walk"] and walk_just_saved(
            patient, form.values(), submission_key=key
        )
        if not repeat:
            log, _created = walk_log_create(
                patient=patient, submission_key=key, by=request.user, **form.values()
            )
            messages.success(request, _("Your walk is saved. Thank you."))
            return redirect("walk_detail", walk_id=log.pk)
        context["repeat_of"] = repeat
    response = render(request, "patients/walk_form.html", context)
    if context.get("symptoms_saved"):
        response[PARTLY_SAVED] = "yes"
    return response


@login_required
def walk_detail(request: HttpRequest, walk_id) -> HttpResponse:
    patient = current_patient(request)
    log = patient_walk(patient, walk_id)
    today = patient.clinic.today()
    context = {
        "patient": patient,
        "log": log,
        "character": [PainCharacter(code).label for code in log.pain_character],
        "areas": [BodyArea(code).label for code in log.pain_areas],
        "advice": worst(advice_for(walk_findings(log), patient.clinic), standing_advice(patient)),
        "can_change": log.can_be_changed(timezone.now()),
        **plan_context(patient, today),
    }
    return render(request, "patients/walk_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def walk_edit(request: HttpRequest, walk_id) -> HttpResponse:
    patient = current_patient(request)
    log = patient_walk(patient, walk_id)
    if not log.can_be_changed(timezone.now()):
        messages.info(request, _("A walk can be corrected for 24 hours after it was logged."))
        return redirect("walk_detail", walk_id=log.pk)
    initial = {
        **log.snapshot(),
        "walked_on": log.walked_on,
        "stopped_early": ("yes" if log.stopped_early else "no"),
    }
    form = WalkLogForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        today=patient.clinic.today(),
    )
    context = {"form": form, "patient": patient, "editing": log}
    if request.method == "POST" and form.is_valid():
        try:
            walk_log_correct(
                log=log,
                by=request.user,
                now=timezone.now(),
                submission_key=form.cleaned_data["submission"],
                **form.values(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your walk has been corrected."))
            return redirect("walk_detail", walk_id=log.pk)
    elif request.method == "POST":
        context.update(unsaved_walk_symptoms(patient, form))
    return render(request, "patients/walk_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def walk_delete(request: HttpRequest, walk_id) -> HttpResponse:
    patient = current_patient(request)
    log = patient_walk(patient, walk_id)
    if not log.can_be_changed(timezone.now()):
        messages.info(request, _("A walk can be deleted for 24 hours after it was logged."))
        return redirect("walk_detail", walk_id=log.pk)
    if request.method == "POST":
        walk_log_delete(log=log, by=request.user, now=timezone.now())
        messages.success(request, _("The walk has been deleted."))
        return redirect("history")
    return render(request, "patients/walk_delete.html", {"patient": patient, "log": log})


@login_required
@require_http_methods(["GET", "POST"])
def morning_check(request: HttpRequest, walk_id) -> HttpResponse:
    """The next-morning answer. When it is worrying, the advice follows at once; answered
    already, the page shows that answer's advice (or goes back to the week)."""
    patient = current_patient(request)
    log = patient_walk(patient, walk_id)
    if MorningCheck.objects.filter(walk_log=log).exists():
        if request.method == "POST":
            # Sent again (a double tap, a phone sending what it kept): the first answer
            # stands, and the page that shows it follows, as after the first.
            return redirect("morning_check", walk_id=log.pk)
        advice = advice_for(morning_findings(log), patient.clinic)
        if advice is not None:
            advice = worst(advice, standing_advice(patient))
            context = {"patient": patient, "log": log, "advice": advice}
            return render(request, "patients/morning_check_done.html", context)
        if request.method == "GET":
            messages.info(request, _("Thank you, you have already answered for this walk."))
        return redirect("patient_week")
    form = MorningCheckForm(
        request.POST if request.method == "POST" else None, morning=is_morning(patient)
    )
    if request.method == "POST" and form.is_valid():
        log.morning_check, _created = morning_check_create(
            log=log, feeling=form.cleaned_data["feeling"], pain_now=form.cleaned_data["pain_now"]
        )
        if morning_findings(log):
            return redirect("morning_check", walk_id=log.pk)  # shows the advice
        messages.success(
            request, _("Thank you. Your answer helps your clinic plan your next step.")
        )
        return redirect("patient_week")
    return render(
        request, "patients/morning_check.html", {"form": form, "patient": patient, "log": log}
    )
