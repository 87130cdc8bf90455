"""What a patient does: this week, logging walks and symptoms, the morning check, history.

Every view starts from the signed-in patient; another patient's walk or check-in is a 404.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patients import access, audit, export, services
from patients.advice import advice_for, advice_for_severity, emergency_line, worst
from patients.charts import minutes_chart, pain_chart
from patients.choices import BodyArea, PainCharacter
from patients.flags import is_flagged
from patients.forms import FollowUpForm, MorningCheckForm, SymptomCheckInForm, WalkLogForm
from patients.models import AuditAction, Flag, MorningCheck, Patient, SymptomCheckIn, WalkLog
from patients.progress import stage_readiness, week_progress
from patients.rules import Severity
from patients.safety import (
    answer_findings,
    check_in_findings,
    check_in_report,
    morning_findings,
    walk_findings,
)
from patients.tips import tip_for
from programs.actions import Expected, MovedOn, apply_plan_action
from programs.models import PlanAssignment, PlanStatus, StageChangeKind

HISTORY_PAGE_SIZE = 20
CHART_WEEKS = 8


def current_patient(request: HttpRequest) -> Patient:
    if not access.is_patient(request.user):
        raise Http404
    return Patient.objects.select_related("clinic", "user").get(user=request.user)


def patient_walk(patient: Patient, walk_id) -> WalkLog:
    walk = get_object_or_404(WalkLog.objects.live(), pk=walk_id, patient=patient)
    walk.patient = patient  # already loaded, with the clinic
    return walk


def current_plan(patient: Patient) -> PlanAssignment | None:
    return (
        PlanAssignment.objects.current().filter(patient=patient).prefetch_related("stages").first()
    )


def walk_awaiting_morning_check(patient: Patient, today: datetime.date) -> WalkLog | None:
    """Yesterday's walk, if the patient has not yet said how their back is this morning.

    Asked once a morning: after an answer about one of yesterday's walks, not again.
    """
    yesterday = list(
        WalkLog.objects.live()
        .filter(patient=patient, walked_on=today - datetime.timedelta(days=1))
        .select_related("morning_check")
        .order_by("-created_at")
    )
    if any(getattr(walk, "morning_check", None) for walk in yesterday):
        return None
    return yesterday[0] if yesterday else None


def plan_context(patient: Patient, today: datetime.date) -> dict:
    plan = current_plan(patient)
    active = plan is not None and plan.status == PlanStatus.ACTIVE
    stage = plan.current_stage if active else None
    return {
        "plan": plan,
        "paused": plan is not None and plan.status == PlanStatus.PAUSED,
        "stage": stage,
        "description": plan.describe_current(today) if active else "",
        "progress": week_progress(patient, stage, today),
    }


def latest_advised_check_in(patient: Patient) -> SymptomCheckIn | None:
    return (
        SymptomCheckIn.objects.filter(patient=patient, advice_shown_at__isnull=False)
        .order_by("-created_at")
        .first()
    )


def is_morning(patient: Patient) -> bool:
    return patient.clinic.local_time(timezone.now()).hour < 12


def standing_advice(patient: Patient):
    """While an urgent or same-day flag is unresolved, its advice stays on the home page."""
    severities = set(
        Flag.objects.unresolved()
        .filter(patient=patient, severity__in=[Severity.URGENT, Severity.SAME_DAY])
        .values_list("severity", flat=True)
    )
    if not severities:
        return None
    worst = Severity.URGENT if Severity.URGENT in severities else Severity.SAME_DAY
    return advice_for_severity(worst, patient.clinic)


# What a patient is told about their clinic's latest change to the plan, for two weeks.
CHANGE_NEWS = {
    StageChangeKind.HOLD: gettext_lazy(
        "Your clinic has asked you to repeat this stage, starting again this week."
    ),
    StageChangeKind.STEP_BACK: gettext_lazy(
        "Your clinic has moved you back a stage, to let things settle."
    ),
    StageChangeKind.ADVANCE: gettext_lazy("You have moved up to a new stage. Well done."),
    StageChangeKind.RESUME: gettext_lazy("Your plan has started again."),
}
CHANGE_NEWS_DAYS = 14


def recent_change(plan, clinic) -> str:
    if plan is None:
        return ""
    change = plan.changes.order_by("-changed_at", "-pk").first()
    if change is None:
        return ""
    if (clinic.today() - clinic.local_date(change.changed_at)).days > CHANGE_NEWS_DAYS:
        return ""
    return CHANGE_NEWS.get(change.kind, "")


def next_stage(plan):
    later = [stage for stage in plan.ordered_stages() if stage.position > plan.current_position]
    return later[0] if later else None


@login_required
def patient_week(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    today = patient.clinic.today()
    advice = standing_advice(patient)
    # Under "get medical help" advice the next step is not a question about walking.
    morning_walk = None if advice else walk_awaiting_morning_check(patient, today)
    # On the way to the emergency department, the words to say are one tap away.
    reported = latest_advised_check_in(patient) if advice and advice.is_urgent else None
    morning = is_morning(patient)
    context = {
        "patient": patient,
        "tip": tip_for(today),
        "morning_walk": morning_walk,
        "morning_form": MorningCheckForm(morning=morning) if morning_walk else None,
        "standing_advice": advice,
        "advised_check_in": reported,
        "emergency_line": emergency_line(reported) if reported else "",
        **plan_context(patient, today),
    }
    context["recent_change"] = recent_change(context["plan"], patient.clinic)
    plan = context["plan"]
    readiness = stage_readiness(patient, plan, today) if context["stage"] else None
    context["ready"] = readiness is not None and readiness.ready
    context["next_stage"] = next_stage(plan) if context["ready"] else None
    return render(request, "patients/week.html", context)


@login_required
@require_POST
def step_up(request: HttpRequest) -> HttpResponse:
    """Where the clinician chose automatic progression, the patient confirms or stays."""
    patient = current_patient(request)
    today = patient.clinic.today()
    plan = current_plan(patient)
    readiness = stage_readiness(patient, plan, today) if plan else None
    choice = request.POST.get("choice")
    seen = Expected.posted(request.POST)
    unchanged = _("Your plan has not changed. Keep going with this stage.")
    if (
        choice not in ("up", "stay")
        or plan is None
        or seen is None
        or not plan.automatic_progression
        or readiness is None
        or not readiness.ready
    ):
        messages.info(request, unchanged)
        return redirect("patient_week")
    kind, reason, done = STEP_UP_CHOICES[choice]
    try:
        # From the stage the page showed: a second tap, or a second tab, changes nothing.
        apply_plan_action(
            kind, assignment=plan, by=request.user, reason=reason, today=today, expected=seen
        )
    except MovedOn:
        messages.info(request, unchanged)
    else:
        messages.success(request, done)
    return redirect("patient_week")


STEP_UP_CHOICES = {
    "up": (
        StageChangeKind.ADVANCE,
        gettext_lazy("The patient stepped up."),
        gettext_lazy("You have stepped up. Well done."),
    ),
    "stay": (
        StageChangeKind.HOLD,
        gettext_lazy("The patient chose to stay at this stage."),
        gettext_lazy("You are staying at this stage. That is fine: go at your pace."),
    ),
}


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
        check_in, _created = services.symptom_check_in_save(
            patient=patient,
            submission_key=form.submission_key(),
            from_walk_form=True,
            **answers,
        )
        services.check_in_advice_shown(check_in=check_in, now=timezone.now())
    return {
        "advice": advice,
        "symptoms_saved": saved,
        "emergency_line": emergency_line(unsaved) if advice and advice.is_urgent else "",
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
        repeat = not form.cleaned_data["another_walk"] and services.walk_just_saved(
            patient, form.values(), submission_key=key
        )
        if not repeat:
            log, _created = services.walk_log_create(
                patient=patient, submission_key=key, by=request.user, **form.values()
            )
            messages.success(request, _("Your walk is saved. Thank you."))
            return redirect("walk_detail", walk_id=log.pk)
        context["repeat_of"] = repeat
    return render(request, "patients/walk_form.html", context)


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
            services.walk_log_correct(
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
        services.walk_log_delete(log=log, by=request.user, now=timezone.now())
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
        log.morning_check, _created = services.morning_check_create(
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
        services.check_in_advice_shown(check_in=check_in, now=timezone.now())
    return advice


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
    context = {"form": form, "patient": patient}
    if request.method == "POST":
        valid = form.is_valid()
        if valid or worrying(patient, form):
            yes, no = form.serious_answers()
            check_in, _created = services.symptom_check_in_save(
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
                emergency_line=emergency_line(check_in) if advice and advice.is_urgent else "",
            )
    return render(request, "patients/check_in_form.html", context)


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
        services.symptom_check_in_complete(
            check_in=check_in, serious_yes=yes, serious_no=no, **others
        )
        messages.success(request, _("Thank you. Your answers are saved."))
        return redirect("check_in_detail", check_in_id=check_in.pk)
    context = {
        "patient": patient,
        "check_in": check_in,
        "advice": advice,
        "emergency_line": emergency_line(check_in) if ask_onset else "",
        "follow_up": form,
    }
    return render(request, "patients/check_in_detail.html", context)


@login_required
def history(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    today = patient.clinic.today()
    logs = WalkLog.objects.live().filter(patient=patient).order_by("-walked_on", "-created_at")
    page = Paginator(logs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    since = today - datetime.timedelta(weeks=CHART_WEEKS)
    recent = list(logs.filter(walked_on__gt=since).order_by("walked_on", "created_at"))
    plan = current_plan(patient)
    context = {
        "patient": patient,
        "page": page,
        "pain": pain_chart(recent),
        "minutes": minutes_chart(recent, plan, today, CHART_WEEKS, since=patient.enrolled_on),
        "now": timezone.now(),
    }
    return render(request, "patients/history.html", context)


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    """Everything held about the signed-in patient, as a file to keep."""
    patient = current_patient(request)
    audit.record(by=request.user, action=AuditAction.EXPORTED, subject="own data", patient=patient)
    response = HttpResponse(export.as_json(patient), content_type="application/json")
    stamp = patient.clinic.today().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="my-stepwise-data-{stamp}.json"'
    return response
