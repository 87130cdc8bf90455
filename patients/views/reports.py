"""The reviewer's red-flag report over the clinics they oversee, and its CSV export."""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from patients.choices import Rule, Severity
from patients.forms.clinic import FlagReportForm
from patients.models import Clinic, Flag
from patients.safety.response_times import acknowledge_times
from patients.security import access, audit
from patients.spreadsheets import csv_lines
from patients.views import governance

User = get_user_model()

CSV_CHUNK = 2000


def report_scope(request: HttpRequest):
    """The flags and filter choices of the clinics this reviewer oversees, or a 404.

    With filters that do not make sense (an end before the start) there are no flags: the
    page shows the problem, never figures that ignore the filters.
    """
    clinic_ids = access.clinic_ids(request.user, access.REPORT_ROLES)
    if not clinic_ids:
        raise Http404
    clinics = Clinic.objects.filter(pk__in=clinic_ids)
    clinicians = User.objects.filter(responsible_for__clinic_id__in=clinic_ids).distinct()
    form = FlagReportForm(
        request.GET or None, clinics=clinics, clinicians=clinicians.order_by("last_name")
    )
    flags = Flag.objects.in_clinics(clinic_ids)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, form.filter(flags) if form.is_bound else flags


@login_required
def flag_report(request: HttpRequest) -> HttpResponse:
    form, flags = report_scope(request)
    if flags is None:
        return render(request, "patients/flag_report.html", {"form": form})
    now = timezone.now()
    rows = governance.flag_rows(flags, now)
    hide_reviewed = request.GET.get("events") == "unreviewed"
    context = {
        "form": form,
        "query": request.GET.urlencode(),
        **report_figures(flags, rows),
        **governance.governance_figures(
            rows=rows,
            clinic_ids=chosen_clinic_ids(request, form),
            chosen=form.cleaned_data if form.is_bound else {},
            now=now,
            query=request.GET,
            narrowed=narrowed,
            hide_reviewed=hide_reviewed,
        ),
        "hide_reviewed": hide_reviewed,
        "events_toggle": narrowed_events(request.GET, not hide_reviewed),
        **flags_behind_the_figures(request, flags),
    }
    return render(request, "patients/flag_report.html", context)


def chosen_clinic_ids(request: HttpRequest, form) -> list:
    """The clinic chosen in the filters, else every clinic the reviewer oversees."""
    chosen = form.is_bound and form.is_valid() and form.cleaned_data.get("clinic")
    return [chosen.pk] if chosen else access.clinic_ids(request.user, access.REPORT_ROLES)


def narrowed_events(query, hide_reviewed: bool) -> str:
    """The report's address showing, or hiding, the safety events already reviewed."""
    params = query.copy()
    params.pop("events", None)
    if hide_reviewed:
        params["events"] = "unreviewed"
    return f"{reverse('flag_report')}?{params.urlencode()}#safety-events-title"


def report_figures(flags, rows) -> dict:
    """The figures at the top of the report: counts by rule and severity, response times
    (from the rows of governance.flag_rows)."""
    counts = {
        (row["rule"], row["severity"]): row["n"]
        for row in flags.values("rule", "severity").annotate(n=Count("pk")).order_by()
    }
    severities = list(Severity)
    by_rule = [
        {
            "rule": rule,
            "counts": [counts.get((rule.value, severity.value), 0) for severity in severities],
            "total": sum(counts.get((rule.value, severity.value), 0) for severity in severities),
        }
        for rule in Rule
    ]
    times = acknowledge_times(
        (row.severity, row.opened_at, row.acknowledged_at, row.window_minutes) for row in rows
    )
    return {
        "severities": severities,
        "by_rule": [row for row in by_rule if row["total"]],
        "totals": [
            sum(row["counts"][index] for row in by_rule) for index in range(len(severities))
        ],
        "total": sum(counts.values()),
        "times": times,
    }


def narrowed(query, **choices) -> str:
    """The report's address with these filters added to the chosen ones, at its flag list:
    each figure links to the flags behind it."""
    params = query.copy()
    for name, value in choices.items():
        params[name] = value
    params.pop("page", None)
    return f"{reverse('flag_report')}?{params.urlencode()}#flags"


def flags_behind_the_figures(request: HttpRequest, flags) -> dict:
    """The matching flags as a paged list under the figures."""
    return {}


CSV_COLUMNS = [
    "flag",
    "opened_at",
    "clinic",
    "clinician",
    "patient",
    "rule",
    "severity",
    "status",
    "acknowledged_at",
    "minutes_to_acknowledge",
    "resolved_at",
    "resolution_action",
]


def csv_queryset(flags):
    return flags.values_list(
        "pk",
        "opened_at",
        "patient__clinic__name",
        "patient__clinician__username",
        "patient_id",
        "rule",
        "severity",
        "status",
        "acknowledged_at",
        "resolved_at",
        "resolution_action",
    ).order_by("opened_at", "pk")


def csv_rows(flags):
    """One row per flag, in constant memory, every text cell safe in a spreadsheet."""
    return csv_lines(CSV_COLUMNS, map(csv_row, csv_queryset(flags).iterator(chunk_size=CSV_CHUNK)))


def csv_row(values) -> list:
    pk, opened, clinic, clinician, patient, rule, severity, status, acked, resolved, action = values
    minutes = round((acked - opened).total_seconds() / 60, 1) if acked else ""
    return [
        pk,
        opened.isoformat(),
        clinic,
        clinician,
        patient,
        rule,
        severity,
        status,
        acked.isoformat() if acked else "",
        minutes,
        resolved.isoformat() if resolved else "",
        action,
    ]


@login_required
def flag_report_csv(request: HttpRequest) -> HttpResponse:
    form, flags = report_scope(request)
    if flags is None:
        return redirect(f"{reverse('flag_report')}?{request.GET.urlencode()}")
    clinic_ids = chosen_clinic_ids(request, form)
    # An export hands over many patients' flags at once: one audit event per clinic it
    # covers, with the filters, so the export can be reproduced if it is ever questioned.
    audit.record_export(
        by=request.user,
        subject="flag report CSV",
        clinic_ids=clinic_ids,
        detail=request.GET.urlencode(),
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(csv_rows(flags), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stepwise-flags-{stamp}.csv"'
    return response


@login_required
def rule_report_csv(request: HttpRequest) -> HttpResponse:
    """The report's per-rule table (what each rule leads to) as CSV, for the same flags."""
    form, flags = report_scope(request)
    if flags is None:
        return redirect(f"{reverse('flag_report')}?{request.GET.urlencode()}")
    clinic_ids = chosen_clinic_ids(request, form)
    audit.record_export(
        by=request.user,
        subject="rule report CSV",
        clinic_ids=clinic_ids,
        detail=request.GET.urlencode(),
    )
    now = timezone.now()
    rows = governance.flag_rows(flags, now, events=False)
    chosen = form.cleaned_data if form.is_bound else {}
    weeks = governance.patient_weeks(rows, clinic_ids, chosen, now)
    lines = csv_lines(
        [str(column) for column in governance.RULES_CSV_COLUMNS],
        map(governance.rules_csv_row, governance.rule_table(rows, weeks)),
    )
    stamp = now.strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stepwise-rules-{stamp}.csv"'
    return response
