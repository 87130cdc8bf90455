"""The patient's week against their plan, stepping up, their history and their own data."""

import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from patients.charts import CHART_WEEKS, minutes_chart, pain_chart
from patients.fhir import codes as fhir_codes
from patients.fhir.bundles import patient_bundle
from patients.forms.reports import MorningCheckForm
from patients.languages import records_language
from patients.models import AuditAction, WalkLog
from patients.outcomes.follow_ups import discharge_date, open_question
from patients.outcomes.progress import outcome_due, outcome_progress
from patients.safety.advice import emergency_lines, standing_advice
from patients.security import audit
from patients.security.access import current_patient
from patients.selectors import (
    is_morning,
    latest_advised_check_in,
    plan_context,
    stage_readiness,
    walk_awaiting_morning_check,
)
from patients.services import export
from patients.summaries import summary_of
from patients.tips import tip_for
from patients.views.fhir import base_url
from programs.actions import Expected, MovedOn, apply_plan_action
from programs.models import PlanAssignment, StageChangeKind

HISTORY_PAGE_SIZE = 20


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
        "emergency_lines": emergency_lines(reported) if reported else "",
        **plan_context(patient, today),
    }
    context["recent_change"] = recent_change(context["plan"], patient.clinic)
    plan = context["plan"]
    # Asked beside walking, never instead of it: under standing advice it waits.
    context["outcome_due"] = None if advice else outcome_due(patient, today, plan=plan)
    # Shown from the summary; stepping up checks the records again (step_up below).
    context["ready"] = context["stage"] is not None and summary_of(patient).ready(today)
    context["next_stage"] = next_stage(plan) if context["ready"] else None
    context["follow_up"] = None if plan else due_follow_up(patient, today)
    # With no plan, a patient whose plan ended is told it finished, not that one is coming.
    context["plan_ended"] = plan is None and discharge_date(patient) is not None
    return render(request, "patients/week.html", context)


def due_follow_up(patient, today: datetime.date):
    """This month's follow-up question after discharge, while unanswered (the week's card)."""
    question = open_question(patient, today)
    return question if question is not None and question.answered_at is None else None


@login_required
@require_POST
def step_up(request: HttpRequest) -> HttpResponse:
    """Where the clinician chose automatic progression, the patient confirms or stays."""
    patient = current_patient(request)
    today = patient.clinic.today()
    plan = PlanAssignment.objects.prefetch_related("stages").current_for(patient)
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


@login_required
def history(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    today = patient.clinic.today()
    logs = WalkLog.objects.live().filter(patient=patient).order_by("-walked_on", "-created_at")
    page = Paginator(logs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    since = today - datetime.timedelta(weeks=CHART_WEEKS)
    recent = list(logs.filter(walked_on__gt=since).order_by("walked_on", "created_at"))
    plan = PlanAssignment.objects.prefetch_related("stages").current_for(patient)
    context = {
        "patient": patient,
        "page": page,
        "pain": pain_chart(recent),
        "minutes": minutes_chart(recent, plan, today, CHART_WEEKS, since=patient.enrolled_on),
        "now": timezone.now(),
        "outcomes": outcome_progress(patient),
        # A discharged patient with no answers will not be asked any more questionnaires:
        # no promise that answers "will appear here".
        "on_a_plan": plan is not None,
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


@login_required
@require_GET
def my_fhir_data(request: HttpRequest) -> HttpResponse:
    """The same patient's data as a FHIR Bundle: for another health service's system to
    read, made exactly as the clinic's FHIR API writes each resource."""
    patient = current_patient(request)
    audit.record(
        by=request.user, action=AuditAction.EXPORTED, subject="own data (FHIR)", patient=patient
    )
    # In the site's language, as the API writes it: a record system must not get a mix.
    with records_language():
        bundle = patient_bundle(patient, base=base_url(request))
    response = HttpResponse(
        json.dumps(bundle, ensure_ascii=False, separators=(",", ":")),
        content_type=f"{fhir_codes.JSON}; charset=utf-8",
    )
    stamp = patient.clinic.today().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="my-stepwise-fhir-{stamp}.json"'
    response["Content-Language"] = settings.LANGUAGE_CODE
    return response
