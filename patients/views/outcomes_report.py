"""The clinic's outcomes page and its CSV: recurrence-free days since discharge (Kaplan-
Meier) beside the WalkBack trial's medians, adherence by week, the share improved.

For reviewers and clinic admins, over the clinics they oversee; anyone else gets a 404.
The page names no patient, so its audit event names none: one event per clinic counted.
"""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from patients.charts import share_bars
from patients.choices import Instrument
from patients.forms.outcome_report import OutcomeReportForm
from patients.models import Clinic
from patients.outcomes.figures import FEW_PATIENTS, Figures, Scope, outcome_figures
from patients.security import access, audit
from patients.spreadsheets import csv_lines
from patients.survival_chart import survival_chart
from patients.views.reports import download, export_filters

User = get_user_model()


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
        clinicians=User.objects.filter(responsible_for__clinic_id__in=clinic_ids)
        .distinct()
        .order_by("last_name", "first_name"),
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


def curve_rows(figures: Figures) -> list[dict]:
    return [
        {
            "days": step.days,
            "at_risk": step.at_risk,
            "events": step.events,
            "censored": step.censored,
            "survival": percent(step.survival),
            "lower": percent(step.lower),
            "upper": percent(step.upper),
        }
        for step in figures.curve.steps
    ]


def adherence_chart(figures: Figures) -> dict:
    rows = [
        (
            _("Week %(week)d") % {"week": week.week},
            week.share,
            f"{percent(week.share)} (n={week.patients})",
        )
        for week in figures.adherence
    ]
    return share_bars(rows)


def improvement_rows(figures: Figures) -> list[dict]:
    names = {Instrument.PSFS: _("Function (PSFS)"), Instrument.NPRS: _("Pain (0-10)")}
    return [
        {
            "name": names[row.instrument],
            "row": row,
            "percent": percent(row.share),
            "few": row.patients < FEW_PATIENTS,
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
    weeks_counted = [week for week in figures.adherence if week.patients]
    context = {
        "form": form,
        "query": request.GET.urlencode(),
        "figures": figures,
        "followed": len(figures.observations),
        "few_followed": len(figures.observations) < FEW_PATIENTS,
        "chart": survival_chart(figures.curve, figures.at_risk),
        "curve_rows": curve_rows(figures),
        "adherence_rows": [
            {"week": week, "percent": percent(week.share)} for week in figures.adherence
        ],
        "adherence_chart": adherence_chart(figures) if weeks_counted else None,
        "few_adherence": max((week.patients for week in figures.adherence), default=0)
        < FEW_PATIENTS,
        "improvements": improvement_rows(figures),
        "few_patients": FEW_PATIENTS,
    }
    return render(request, "patients/outcome_report.html", context)


CSV_COLUMNS = ("figure", "day_or_week", "n", "count", "of", "value", "lower_95", "upper_95")


def csv_rows(figures: Figures):
    """One row per figure: the curve's steps, the median, each week's adherence, and the
    improved shares; each with the n behind it. Shares as fractions to three places."""
    for step in figures.curve.steps:
        yield (
            "survival",
            step.days,
            step.at_risk,
            step.events,
            step.censored,
            f"{step.survival:.3f}",
            f"{step.lower:.3f}",
            f"{step.upper:.3f}",
        )
    median = figures.median
    reached = (median.days, median.lower, median.upper)
    yield (
        "median_recurrence_free_days",
        "",
        figures.curve.patients,
        figures.curve.events,
        "",
        *("not reached" if value is None else value for value in reached),
    )
    yield (
        "discharged_never_answered",
        "",
        figures.discharged,
        figures.never_answered,
        "",
        "",
        "",
        "",
    )
    for week in figures.adherence:
        share = "" if week.share is None else f"{week.share:.3f}"
        yield ("adherence", week.week, week.patients, week.done, week.planned, share, "", "")
    for row in figures.improvements:
        for name, count in (
            ("improved", row.improved),
            ("no_change", row.no_change),
            ("worse", row.worse),
        ):
            share = f"{count / row.patients:.3f}" if row.patients else ""
            yield (f"{row.instrument}_{name}", "", row.patients, count, row.patients, share, "", "")


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
    lines = itertools.chain(["\ufeff"], csv_lines(list(CSV_COLUMNS), csv_rows(figures)))
    return download(lines, "outcomes")
