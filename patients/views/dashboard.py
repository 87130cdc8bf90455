"""The clinician's dashboard: flags to work through, and the clinic's patients at a glance.

Lists start from the user's own clinics; a flag elsewhere is a 404. The page costs the same
number of queries however many patients, walks or flags there are.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from patients.choices import ALERT_SEVERITIES
from patients.forms.clinic import ResolveFlagForm
from patients.forms.common import OUT_OF_DATE
from patients.models import (
    UNRESOLVED_FLAG_STATUSES,
    DeliveryState,
    Flag,
    Notification,
    Patient,
    StaffRole,
)
from patients.safety import watch
from patients.safety.engine import FlagMovedOn, flag_acknowledge, flag_resolve
from patients.safety.notifications import STALE_PENDING
from patients.safety.plan_checks import resolution_warnings
from patients.security import access, audit
from patients.selectors import stage_readiness
from patients.summaries import missing_summaries, summary_refresh
from programs.actions import Expected, MovedOn, apply_plan_action
from programs.models import PlanAssignment, PlanStatus, StageChangeKind

# The queue shows the most urgent, longest-waiting flags first; more rows than a clinician
# can work through at once only slow the page (200 rows took half its time).
QUEUE_LIMIT = 50
# Flags read to fill those rows: a patient's review and info flags share one row.
QUEUE_FLAGS_READ = 4 * QUEUE_LIMIT
# Patients with open flags come first, so the first page is the one that matters; a clinic
# of a thousand patients is twenty pages, not one page of a thousand rows.
PATIENTS_PER_PAGE = 50


def back_to(request: HttpRequest, flag: Flag) -> HttpResponse:
    """Back where the clinician acted: the patient's record, or the dashboard."""
    if request.GET.get("back") == "record":
        return redirect("patient_record", patient_id=flag.patient_id)
    return redirect("staff_home")


@dataclass
class QueueRow:
    """One row of the queue: an urgent or same-day flag on its own, or all of one patient's
    review and info flags together (one bad day can satisfy several review rules)."""

    patient: Patient
    flags: list[Flag] = field(default_factory=list)

    @property
    def worst(self) -> Flag:
        return self.flags[0]  # flags arrive most severe first, then longest waiting

    @property
    def severity(self) -> str:
        return self.worst.severity

    @property
    def opened_at(self):
        return min(flag.opened_at for flag in self.flags)

    @property
    def is_alert(self) -> bool:
        return self.severity in ALERT_SEVERITIES


def queue_rows(flags: list[Flag], limit: int) -> list[QueueRow]:
    """Flags in queue order made into rows, keeping that order."""
    rows: list[QueueRow] = []
    grouped: dict = {}
    for flag in flags:
        if flag.severity in ALERT_SEVERITIES:
            rows.append(QueueRow(flag.patient, [flag]))
        elif flag.patient_id in grouped:
            grouped[flag.patient_id].flags.append(flag)
        else:
            grouped[flag.patient_id] = QueueRow(flag.patient, [flag])
            rows.append(grouped[flag.patient_id])
    return rows[:limit]


@dataclass(frozen=True)
class QueuePlace:
    """A flag's place in the queue, before the flag itself is loaded."""

    pk: object
    patient_id: object
    severity: str
    patient: None = None


def queue_for(unresolved) -> list[QueueRow]:
    """The queue's rows. The flags that fill them are chosen from their places first, so
    only those are loaded with their patients (loading every flag read cost a quarter of
    the page)."""
    places = [
        QueuePlace(*place)
        for place in unresolved.queue_order().values_list("pk", "patient_id", "severity")[
            :QUEUE_FLAGS_READ
        ]
    ]
    shown = [flag.pk for row in queue_rows(places, QUEUE_LIMIT) for flag in row.flags]
    flags = Flag.objects.select_related("patient__user").in_bulk(shown)
    return queue_rows([flags[place.pk] for place in places if place.pk in flags], QUEUE_LIMIT)


def dashboard_patients(clinic_ids, search: str, flagged_only: bool):
    """The clinic's patients with their summaries (patients/summaries.py): one row each, so
    a page costs the same whatever their history. Open flags first."""
    patients = (
        Patient.objects.in_clinics(clinic_ids)
        .select_related("user", "clinic", "summary__plan")
        # A patient without a summary yet (added in bulk, or before summaries existed) comes
        # first and counts as flagged: not known to be quiet. Their row is worked out when
        # shown, and they sort where they belong from then on.
        .order_by(
            F("summary__open_flags").desc(nulls_first=True), "user__last_name", "user__first_name"
        )
    )
    if search:
        patients = patients.filter(
            Q(user__first_name__icontains=search)
            | Q(user__last_name__icontains=search)
            | Q(user__email__icontains=search)
        )
    if flagged_only:
        patients = patients.filter(Q(summary__open_flags__gt=0) | Q(summary__isnull=True))
    return patients


def patient_row(patient: Patient) -> dict:
    summary = patient.summary
    today = patient.clinic.today()
    week_walks, week_minutes = summary.this_week(today)
    return {
        "patient": patient,
        "summary": summary,
        "plan": summary.plan,
        "paused": summary.plan is not None and summary.plan.status == PlanStatus.PAUSED,
        "week_walks": week_walks,
        "week_minutes": week_minutes,
        "ready": summary.ready(today),
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    clinic_ids = access.clinic_ids(request.user)
    if not clinic_ids:
        raise Http404
    # A NUL character never gets here (config/requests.py refuses it).
    search = request.GET.get("q", "").strip()[:100]
    flagged_only = request.GET.get("flagged") == "1"
    unresolved = Flag.objects.in_clinics(clinic_ids).unresolved()
    queue = queue_for(unresolved)
    queue_total = unresolved.count()  # always counted: a page costs the same queries
    page = Paginator(
        dashboard_patients(clinic_ids, search, flagged_only), PATIENTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    patients = list(page)
    for patient in missing_summaries(patients):
        patient.summary = summary_refresh(patient)
    # Alerts that did not get out: the clinic must not rely on email arriving.
    # A resolved flag has been dealt with, whether or not its email got out.
    undelivered = list(
        Notification.objects.undelivered()
        .filter(flag__patient__clinic_id__in=clinic_ids, flag__status__in=UNRESOLVED_FLAG_STATUSES)
        .filter(Q(state=DeliveryState.FAILED) | Q(created_at__lte=timezone.now() - STALE_PENDING))
        .select_related("flag__patient__user")[:50]
    )
    late_processes = watch.problems()
    shown = {patient.pk: patient for patient in patients}
    shown.update((row.patient.pk, row.patient) for row in queue)
    shown.update((note.flag.patient_id, note.flag.patient) for note in undelivered)
    audit.record_views(by=request.user, subject="dashboard", patients=shown.values())
    context = {
        "undelivered": undelivered,
        "queue": queue,
        "queue_total": queue_total,
        "queue_shown": sum(len(row.flags) for row in queue),
        "rows": [patient_row(patient) for patient in patients],
        "page": page,
        "filters": urlencode({"q": search, "flagged": "1" if flagged_only else ""}),
        "search": search,
        "flagged_only": flagged_only,
        "can_act": bool(access.care_clinic_ids(request.user)),
        "can_report": bool(access.clinic_ids(request.user, access.REPORT_ROLES)),
        "late_processes": late_processes,
        "urgent_late": [state for state in late_processes if state.schedule.urgent],
        # Clinic admins are the ones who can get IT to restart a stopped process.
        "tells_it": request.user.is_superuser
        or bool(access.clinic_ids(request.user, (StaffRole.CLINIC_ADMIN,))),
        "undelivered_failed": any(note.state == DeliveryState.FAILED for note in undelivered),
        "now": timezone.now(),
    }
    return render(request, "patients/dashboard.html", context)


@login_required
@require_POST
def flag_acknowledge_view(request: HttpRequest, flag_id) -> HttpResponse:
    flag = access.scoped_flag(request, flag_id)
    seen = request.POST.get("flag_seen", "")
    try:
        if not seen:
            raise FlagMovedOn(OUT_OF_DATE)
        flag_acknowledge(flag=flag, by=request.user, expected=seen)
    except FlagMovedOn as moved_on:
        messages.info(request, " ".join(moved_on.messages))
    else:
        messages.success(
            request,
            _("Acknowledged: %(patient)s, %(summary)s")
            % {"patient": flag.patient, "summary": flag.summary},
        )
    return back_to(request, flag)


def resolving(flag: Flag, today, data=None, initial=None) -> dict:
    """The resolve page's plan, light and form for the flag as it is now."""
    plan = PlanAssignment.objects.prefetch_related("stages").current_for(flag.patient)
    progress = stage_readiness(flag.patient, plan, today, leaving_out_flag=flag) if plan else None
    form = ResolveFlagForm(
        data,
        initial=initial,
        flag=flag,
        plan=plan,
        warnings=resolution_warnings(flag, progress),
    )
    return {"flag": flag, "plan": plan, "progress": progress, "form": form}


@login_required
@require_http_methods(["GET", "POST"])
def flag_resolve_view(request: HttpRequest, flag_id) -> HttpResponse:
    """Resolve a flag from the state the clinician saw: if news re-opened it, someone else
    resolved it, or the plan changed meanwhile, nothing changes and the page says so."""
    flag = access.scoped_flag(request, flag_id)
    if flag.is_resolved:
        messages.info(request, _("That flag is already resolved."))
        return back_to(request, flag)
    today = flag.patient.clinic.today()
    context = resolving(flag, today, request.POST if request.method == "POST" else None)
    form = context["form"]
    if request.method == "POST" and form.is_valid():
        try:
            flag_resolve(
                flag=flag,
                by=request.user,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                today=today,
                against_warning=form.against_warning,
                expected_flag=form.cleaned_data["flag_seen"],
                expected_plan=form.seen_plan(),
            )
        except MovedOn as moved_on:
            messages.warning(request, " ".join(moved_on.messages))
            flag = access.scoped_flag(request, flag_id)
            if flag.is_resolved:
                return back_to(request, flag)
            # The page again as things are now, with what was typed kept.
            typed = {"action": form.cleaned_data["action"], "note": form.cleaned_data["note"]}
            context = resolving(flag, today, initial=typed)
        except ValidationError as error:
            form.add_error("action", error)
        else:
            messages.success(request, _("Resolved: %(patient)s.") % {"patient": flag.patient})
            return back_to(request, flag)
    context.update(events=flag.events.select_related("by"), back=request.GET.get("back", ""))
    return render(request, "patients/flag_resolve.html", context)


@login_required
@require_POST
def plan_advance_view(request: HttpRequest, plan_id) -> HttpResponse:
    """One click to advance a patient whose stage is complete on green.

    The readiness gate holds here, not only in the button: a page opened before the patient
    reported something new must not advance them on red.
    """
    plans = PlanAssignment.objects.in_clinics(access.care_clinic_ids(request.user))
    plan = get_object_or_404(
        plans.select_related("patient__user", "patient__clinic").prefetch_related("stages"),
        pk=plan_id,
    )
    today = plan.patient.clinic.today()
    seen = Expected.posted(request.POST)
    if seen is None:
        messages.error(request, OUT_OF_DATE)
        return redirect("staff_home")
    try:
        # Checked first, so a double click hears "it changed", not "not ready".
        seen.require(plan, today)
        progress = stage_readiness(plan.patient, plan, today)
        if progress is None or not progress.ready:
            raise ValidationError(
                _(
                    "%(patient)s is not ready to progress now. Open their record to see why, "
                    "and to change the plan with a reason."
                )
                % {"patient": plan.patient}
            )
        updated = apply_plan_action(
            StageChangeKind.ADVANCE,
            assignment=plan,
            by=request.user,
            reason=_("Stage complete on green."),
            today=today,
            expected=seen,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(patient)s advanced. Now: %(stage)s")
            % {"patient": plan.patient, "stage": updated.describe_current(today)},
        )
    return redirect("staff_home")
