"""The clinic's outcomes page and its CSV: recurrence-free days since discharge (Kaplan-
Meier) beside the WalkBack trial's medians, adherence by week, the share improved.

For reviewers and clinic admins, over the clinics they oversee; anyone else gets a 404.
The page names no patient, so its audit event names none: one event per clinic counted.
A figure resting on fewer than MIN_SHOWN patients is not shown, here or in the CSV
(figures.shown): narrowed filters must not describe one person.
"""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from patients.charts import share_bars
from patients.choices import Instrument
from patients.forms.outcome_report import OutcomeReportForm
from patients.models import Clinic, StaffMembership
from patients.outcomes.figures import (
    FEW_PATIENTS,
    Figures,
    Scope,
    outcome_figures,
)
from patients.security import access, audit
from patients.spreadsheets import csv_lines
from patients.survival_chart import survival_chart
from patients.views import outcome_csv
from patients.views.outcome_csv import cannot_be_worked_out, not_shown
from patients.views.reports import download, export_filters

User = get_user_model()


def _clinicians(clinic_ids: list[int]):
    clinicians = (
        User.objects.filter(responsible_for__clinic_id__in=clinic_ids)
        .distinct()
        .order_by("last_name", "first_name")
    )
    if len(clinic_ids) < 2:
        return clinicians
    # Over several clinics, each name carries its clinic (one more query, only then).
    memberships = StaffMembership.objects.filter(clinic_id__in=clinic_ids).select_related("clinic")
    return clinicians.prefetch_related(
        Prefetch(
            "memberships",
            queryset=memberships.order_by("clinic__name"),
            to_attr="overseen_memberships",
        )
    )


def outcome_scope(request: HttpRequest):
    """The filters and whose figures they choose, or a 404 for anyone who oversees no
    clinic. Filters that do not make sense give (form, None): the page shows what is
    wrong, never figures that ignore them."""
    clinic_ids = access.clinic_ids(request.user, access.REPORT_ROLES)
    if not clinic_ids:
        raise Http404
    form = OutcomeReportForm(
        request.GET or None,
        clinics=Clinic.objects.filter(pk__in=clinic_ids).order_by("name"),
        clinicians=_clinicians(clinic_ids),
    )
    if not form.is_bound:
        return form, Scope(clinic_ids)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, Scope(
        clinic_ids=[data["clinic"].pk] if data.get("clinic") else clinic_ids,
        clinician_id=data["clinician"].pk if data.get("clinician") else None,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


def band_words(lower: float | None, upper: float | None) -> str:
    """A step's 95% interval, or plain words where the band is undefined (S is 1 or 0)."""
    if lower is None or upper is None:
        return cannot_be_worked_out()
    return f"{percent(lower)} – {percent(upper)}"


def median_words(figures: Figures) -> tuple[str, str]:
    """The median and its interval in words: a day, "not reached", or, for an interval
    with no width or no band, "cannot be worked out"."""
    median = figures.median
    days = _("Not reached") if median.days is None else str(median.days)
    if not median.interval_known:
        return days, cannot_be_worked_out()
    if median.lower is None and median.upper is None:
        return days, _("not reached")
    ends = [_("not reached") if end is None else str(end) for end in (median.lower, median.upper)]
    return days, " – ".join(ends)


def no_discharges(form, figures: Figures) -> str:
    """What to say when nobody in the filters was discharged; "" when someone was."""
    if figures.discharged:
        return ""
    data = form.cleaned_data if form.is_bound else {}
    if data.get("date_from") or data.get("date_to"):
        return _("No patients were discharged between these dates.")
    return _("No discharged patients yet.")


def curve_rows(figures: Figures) -> list[dict]:
    return [
        {
            "days": step.days,
            "at_risk": step.at_risk,
            "events": step.events,
            "censored": step.censored,
            "survival": percent(step.survival),
            "interval": band_words(step.lower, step.upper),
        }
        for step in figures.curve.steps
    ]


def adherence_chart(figures: Figures) -> dict | None:
    rows = [
        (
            _("Week %(week)d") % {"week": week.week},
            week.share,
            f"{percent(week.share)} (n={week.patients})",
        )
        for week in figures.adherence
        if week.shown
    ]
    return share_bars(rows) if rows else None


def improvement_rows(figures: Figures) -> list[dict]:
    names = {Instrument.PSFS: _("Function (PSFS)"), Instrument.NPRS: _("Pain (0-10)")}
    return [
        {
            "name": names[row.instrument],
            "row": row,
            "percent": percent(row.share),
            "few": row.shown and row.patients < FEW_PATIENTS,
        }
        for row in figures.improvements
    ]


@login_required
def outcome_report(request: HttpRequest) -> HttpResponse:
    form, scope = outcome_scope(request)
    if scope is None:
        return render(request, "patients/outcome_report.html", {"form": form})
    figures = outcome_figures(scope)
    audit.record_report_view(
        by=request.user,
        subject="outcome report",
        clinic_ids=scope.clinic_ids,
        detail=export_filters(form),
    )
    shown_weeks = [week.patients for week in figures.adherence if week.shown]
    median, interval = median_words(figures)
    context = {
        "form": form,
        "query": request.GET.urlencode(),
        "figures": figures,
        "no_discharges": no_discharges(form, figures),
        "not_shown": not_shown(),
        "followed": len(figures.observations),
        "few_followed": figures.curve_shown and len(figures.observations) < FEW_PATIENTS,
        "median": median,
        "median_interval": interval,
        "chart": survival_chart(figures.curve, figures.at_risk),
        "curve_rows": curve_rows(figures),
        "adherence_rows": [
            {"week": week, "percent": percent(week.share)} for week in figures.adherence
        ],
        "any_adherence": any(week.patients for week in figures.adherence),
        "adherence_chart": adherence_chart(figures),
        "few_adherence": bool(shown_weeks) and max(shown_weeks) < FEW_PATIENTS,
        "improvements": improvement_rows(figures),
        "few_patients": FEW_PATIENTS,
    }
    return render(request, "patients/outcome_report.html", context)


@login_required
def outcome_report_csv(request: HttpRequest) -> HttpResponse:
    form, scope = outcome_scope(request)
    if scope is None:
        return redirect(f"{reverse('outcome_report')}?{request.GET.urlencode()}")
    audit.record_export(
        by=request.user,
        subject="outcome report CSV",
        clinic_ids=scope.clinic_ids,
        detail=export_filters(form),
    )
    figures = outcome_figures(scope)
    rows = outcome_csv.rows(figures, form.chosen())
    lines = itertools.chain(["\ufeff"], csv_lines(list(outcome_csv.COLUMNS), rows))
    return download(lines, "outcomes")
