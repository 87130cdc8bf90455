"""The clinician's dashboard: flags to work through, and the clinic's patients at a glance.

Lists start from the user's own clinics; a flag elsewhere is a 404. The page costs the same
number of queries however many patients, walks or flags there are.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from patients import access
from patients.flags import flag_acknowledge, flag_resolve
from patients.forms import ResolveFlagForm
from patients.models import (
    DeliveryState,
    Flag,
    FlagAction,
    Notification,
    Patient,
    WalkLog,
)
from patients.notifications import STALE_PENDING
from patients.progress import LIGHT_LOOKBACK, plan_progress, week_bounds
from programs import services as plan_services
from programs.models import PlanAssignment, PlanStatus

TREND_LENGTH = 6
QUEUE_LIMIT = 200

# Resolving a flag with one of these actions also changes the patient's plan.
PLAN_CHANGES = {
    FlagAction.HOLD: plan_services.plan_hold,
    FlagAction.STEP_BACK: plan_services.plan_step_back,
    FlagAction.ADVANCE: plan_services.plan_advance,
}


def scoped_flag(request: HttpRequest, flag_id) -> Flag:
    """A flag in one of the clinics the user looks after, or a 404."""
    flags = Flag.objects.in_clinics(access.care_clinic_ids(request.user))
    return get_object_or_404(flags.select_related("patient__user", "patient__clinic"), pk=flag_id)


def dashboard_patients(clinic_ids, today: datetime.date, search: str, flagged_only: bool):
    monday, sunday = week_bounds(today)
    live = Q(walk_logs__deleted_at__isnull=True)
    this_week = live & Q(walk_logs__walked_on__range=(monday, sunday))
    patients = (
        Patient.objects.in_clinics(clinic_ids)
        .select_related("user", "clinician")
        .annotate(
            last_walk=Max("walk_logs__walked_on", filter=live),
            week_walks=Count("walk_logs", filter=this_week, distinct=True),
            week_minutes=Sum("walk_logs__minutes", filter=this_week),
            open_flags=Count(
                "flags", filter=Q(flags__status__in=["open", "acknowledged"]), distinct=True
            ),
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=PlanAssignment.objects.current().prefetch_related("stages"),
                to_attr="current_assignments",
            ),
            Prefetch(
                "walk_logs",
                queryset=WalkLog.objects.live().order_by("-walked_on", "-created_at")[
                    :TREND_LENGTH
                ],
                to_attr="recent_walks",
            ),
            # For the traffic light: walks within the longest possible stage, with their
            # next-morning answers, and the severities of unresolved flags.
            Prefetch(
                "walk_logs",
                queryset=WalkLog.objects.live()
                .filter(walked_on__gte=today - LIGHT_LOOKBACK)
                .select_related("morning_check")
                .only("patient_id", "walked_on", "pain_after", "morning_check__feeling"),
                to_attr="light_walks",
            ),
            Prefetch(
                "flags",
                queryset=Flag.objects.unresolved().only("patient_id", "severity"),
                to_attr="unresolved_flags",
            ),
        )
        .order_by("-open_flags", "user__last_name", "user__first_name")
    )
    if search:
        patients = patients.filter(
            Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    if flagged_only:
        patients = patients.filter(open_flags__gt=0)
    return patients


def patient_row(patient: Patient, today: datetime.date) -> dict:
    plan = patient.current_assignments[0] if patient.current_assignments else None
    stage = plan.current_stage if plan else None
    return {
        "patient": patient,
        "plan": plan,
        "stage": stage,
        "paused": plan is not None and plan.status == PlanStatus.PAUSED,
        "week_walks": patient.week_walks,
        "week_minutes": patient.week_minutes or 0,
        "target_walks": stage.sessions_per_week if stage else None,
        "target_minutes": stage.sessions_per_week * stage.minutes_per_session if stage else None,
        # Oldest first, so the trend reads left to right.
        "trend": [walk.pain_after for walk in reversed(patient.recent_walks)],
        "progress": plan_progress(
            plan,
            patient.light_walks,
            [flag.severity for flag in patient.unresolved_flags],
            patient.usual_pain,
            today,
        ),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    clinic_ids = access.clinic_ids(request.user)
    if not clinic_ids:
        raise Http404
    today = timezone.localdate()
    # PostgreSQL cannot compare text with a NUL character in it; no name has one anyway.
    search = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    flagged_only = request.GET.get("flagged") == "1"
    queue = (
        Flag.objects.in_clinics(clinic_ids)
        .unresolved()
        .select_related("patient__user")
        .queue_order()[:QUEUE_LIMIT]
    )
    patients = dashboard_patients(clinic_ids, today, search, flagged_only)
    # Alerts that did not get out: the clinic must not rely on email arriving.
    undelivered = (
        Notification.objects.undelivered()
        .filter(flag__patient__clinic_id__in=clinic_ids)
        .filter(Q(state=DeliveryState.FAILED) | Q(created_at__lte=timezone.now() - STALE_PENDING))
        .select_related("flag__patient__user")[:50]
    )
    context = {
        "undelivered": undelivered,
        "queue": queue,
        "rows": [patient_row(patient, today) for patient in patients],
        "search": search,
        "flagged_only": flagged_only,
        "can_act": bool(access.care_clinic_ids(request.user)),
        "can_report": bool(access.clinic_ids(request.user, access.REPORT_ROLES)),
        "now": timezone.now(),
    }
    return render(request, "patients/dashboard.html", context)


@login_required
@require_POST
def flag_acknowledge_view(request: HttpRequest, flag_id) -> HttpResponse:
    flag = scoped_flag(request, flag_id)
    flag_acknowledge(flag=flag, by=request.user)
    messages.success(
        request,
        _("Acknowledged: %(patient)s, %(summary)s")
        % {"patient": flag.patient, "summary": flag.summary},
    )
    return redirect("staff_home")


@login_required
@require_http_methods(["GET", "POST"])
def flag_resolve_view(request: HttpRequest, flag_id) -> HttpResponse:
    flag = scoped_flag(request, flag_id)
    if flag.is_resolved:
        messages.info(request, _("That flag is already resolved."))
        return redirect("staff_home")
    form = ResolveFlagForm(request.POST if request.method == "POST" else None)
    plan = PlanAssignment.objects.current().filter(patient=flag.patient).first()
    if request.method == "POST" and form.is_valid():
        action, note = form.cleaned_data["action"], form.cleaned_data["note"]
        change = PLAN_CHANGES.get(action)
        try:
            # The plan change and the resolution stand or fall together.
            with transaction.atomic():
                if change and plan is not None and plan.status == PlanStatus.ACTIVE:
                    change(
                        assignment=plan, by=request.user, reason=note, today=timezone.localdate()
                    )
                flag_resolve(flag=flag, by=request.user, action=action, note=note)
        except ValidationError as error:
            form.add_error("action", error)
        else:
            messages.success(request, _("Resolved: %(patient)s.") % {"patient": flag.patient})
            return redirect("staff_home")
    context = {"flag": flag, "form": form, "plan": plan, "events": flag.events.select_related("by")}
    return render(request, "patients/flag_resolve.html", context)


@login_required
@require_POST
def plan_advance_view(request: HttpRequest, plan_id) -> HttpResponse:
    """One click to advance a patient whose stage is complete on green."""
    plans = PlanAssignment.objects.in_clinics(access.care_clinic_ids(request.user))
    plan = get_object_or_404(plans.select_related("patient__user"), pk=plan_id)
    try:
        updated = plan_services.plan_advance(
            assignment=plan,
            by=request.user,
            reason=_("Stage complete on green."),
            today=timezone.localdate(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(patient)s advanced. Now: %(stage)s")
            % {"patient": plan.patient, "stage": updated.describe_current(timezone.localdate())},
        )
    return redirect("staff_home")
