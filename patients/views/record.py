"""A patient's record as the clinic sees it: plan, timeline, charts and the actions.

Staff of the patient's clinic may look; clinicians and clinic admins may act. Anyone else
gets a 404. The page reads a bounded window of the record with a fixed number of queries.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.charts import CHART_WEEKS, minutes_chart, pain_chart
from patients.choices import ALERT_SEVERITIES, SEVERITY_RANK
from patients.forms.clinic import PlanChangeForm
from patients.models import (
    AuditAction,
    DeliveryState,
    Flag,
    Patient,
    Reminder,
    ReminderKind,
    ReminderSettings,
    SymptomCheckIn,
    WalkLog,
)
from patients.outcome_charts import outcome_charts
from patients.outcomes.follow_ups import follow_up_record
from patients.outcomes.progress import outcome_progress
from patients.safety.plan_checks import plan_change_warnings, plan_warnings_now
from patients.security import access, audit
from patients.summaries import summary_of
from programs.actions import PLAN_ACTIONS, MovedOn, apply_plan_action, plan_moved_on
from programs.models import PlanAssignment, StageChange

TIMELINE_DAYS = 60
# Walks are read for the timeline and the charts, whichever reaches further back.
SHOWN_DAYS = datetime.timedelta(days=max(TIMELINE_DAYS, CHART_WEEKS * 7))


def current_plan(patient: Patient) -> PlanAssignment | None:
    """The plan with its history of changes, which the record shows."""
    changes = StageChange.objects.select_related("changed_by")
    return PlanAssignment.objects.prefetch_related(
        "stages", Prefetch("changes", queryset=changes)
    ).current_for(patient)


def timeline(walks, check_ins, flags, changes) -> list[dict]:
    """Everything that happened, newest first, as one list."""
    entries = [{"at": walk.created_at, "kind": "walk", "walk": walk} for walk in walks]
    entries += [
        {"at": check.created_at, "kind": "check_in", "check_in": check} for check in check_ins
    ]
    entries += [{"at": flag.opened_at, "kind": "flag", "flag": flag} for flag in flags]
    entries += [{"at": change.changed_at, "kind": "change", "change": change} for change in changes]
    return sorted(entries, key=lambda entry: entry["at"], reverse=True)


def reminders_at_a_glance(patient: Patient) -> ReminderSettings | None:
    """Whether reminders are on, by which channels, and when one last got out, in one
    query: never what a reminder said or when the patient plans to walk. A test reminder
    the patient asked for says nothing about their routine, so it is left out."""
    last_sent = (
        Reminder.objects.filter(patient=OuterRef("patient"), state=DeliveryState.SENT)
        .exclude(kind=ReminderKind.TEST)
        .order_by("-sent_at")
        .values("sent_at")[:1]
    )
    return (
        ReminderSettings.objects.filter(patient=patient)
        .annotate(last_sent_at=Subquery(last_sent))
        .first()
    )


@login_required
def patient_record(request: HttpRequest, patient_id) -> HttpResponse:
    patient = access.scoped_patient(request, patient_id)
    audit.record(
        by=request.user, action=AuditAction.VIEWED, subject="patient record", patient=patient
    )
    return render_record(request, patient, current_plan(patient))


def render_record(request: HttpRequest, patient: Patient, plan, plan_form=None) -> HttpResponse:
    today = patient.clinic.today()
    since = timezone.now() - datetime.timedelta(days=TIMELINE_DAYS)
    walks = list(
        WalkLog.objects.live()
        .filter(patient=patient, walked_on__gte=today - SHOWN_DAYS)
        .select_related("morning_check")
        .order_by("-walked_on", "-created_at")
    )
    check_ins = list(SymptomCheckIn.objects.filter(patient=patient, created_at__gte=since))
    flags = list(Flag.objects.filter(patient=patient).order_by("-opened_at")[:50])
    # Most severe first, then the longest waiting: the order of the dashboard's queue.
    unresolved = sorted(
        (flag for flag in flags if not flag.is_resolved),
        key=lambda flag: (-SEVERITY_RANK[flag.severity], flag.opened_at),
    )
    chart_since = today - datetime.timedelta(weeks=CHART_WEEKS)
    chart_walks = sorted(
        (walk for walk in walks if walk.walked_on > chart_since),
        key=lambda walk: (walk.walked_on, walk.created_at),
    )
    changes = list(plan.changes.all()) if plan else []
    progress = summary_of(patient).progress(today)
    outcomes = outcome_progress(patient)
    if plan and plan_form is None:
        alert_open = any(flag.severity in ALERT_SEVERITIES for flag in unresolved)
        plan_form = PlanChangeForm(
            plan=plan, warnings=plan_change_warnings(progress, alert_flag_open=alert_open)
        )
    context = {
        "patient": patient,
        "plan": plan,
        "description": plan.describe_current(today) if plan else "",
        "progress": progress,
        "unresolved": unresolved,
        "timeline": timeline(
            [walk for walk in walks if walk.created_at >= since],
            check_ins,
            [flag for flag in flags if flag.opened_at >= since],
            [change for change in changes if change.changed_at >= since],
        ),
        "changes": changes,
        "pain": pain_chart(chart_walks),
        "minutes": minutes_chart(chart_walks, plan, today, CHART_WEEKS, since=patient.enrolled_on),
        "can_act": patient.clinic_id in access.care_clinic_ids(request.user),
        "plan_form": plan_form,
        "reminders": reminders_at_a_glance(patient),
        "outcome_rows": outcomes,
        "outcome_charts": outcome_charts(outcomes),
        "follow_up": follow_up_record(patient, on_a_plan=plan is not None),
    }
    return render(
        request,
        "patients/record.html",
        context,
        status=400 if plan_form is not None and plan_form.is_bound else 200,
    )


@login_required
def patient_plan_change(request: HttpRequest, patient_id) -> HttpResponse:
    if request.method != "POST":
        return redirect("patient_record", patient_id=patient_id)
    patients = Patient.objects.in_clinics(access.care_clinic_ids(request.user))
    patient = get_object_or_404(patients.select_related("clinic"), pk=patient_id)
    plan = current_plan(patient)
    if plan is None:
        messages.error(request, _("This patient has no current plan."))
        return redirect("patient_record", patient_id=patient.pk)
    today = patient.clinic.today()
    warnings = plan_warnings_now(patient, plan, today)
    form = PlanChangeForm(request.POST, plan=plan, warnings=warnings)
    try:
        # Checked first, so an out-of-date page says so rather than "not a valid choice".
        if request.POST.get("plan_seen") != plan.seen:
            raise plan_moved_on(plan, today)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            updated = apply_plan_action(
                kind,
                assignment=plan,
                by=request.user,
                reason=form.cleaned_data["reason"],
                today=today,
                against_warning=form.against_warning,
                expected=form.seen_plan(),
            )
            stage = updated.describe_current(today)
            messages.success(request, PLAN_ACTIONS[kind].done % {"stage": stage})
            return redirect("patient_record", patient_id=patient.pk)
    except MovedOn as moved_on:
        # The record again as it is now, the reason as typed, nothing changed.
        messages.warning(request, " ".join(moved_on.messages))
        plan = current_plan(patient)
        if plan is None:  # ended meanwhile: the record says so
            return redirect("patient_record", patient_id=patient.pk)
        form = PlanChangeForm(
            plan=plan,
            warnings=plan_warnings_now(patient, plan, today),
            initial={"reason": request.POST.get("reason", "")},
        )
        return render_record(request, patient, plan, plan_form=form)
    except ValidationError as error:
        form.add_error("kind", error)
    # Shown again with the reason as typed and the problem beside it.
    return render_record(request, patient, plan, plan_form=form)
