"""The reviewer's red-flag report over the clinics they oversee, and its CSV export."""

import functools
import itertools
from collections import Counter
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
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
from patients.views.report_flags import (
    FLAGS_PER_PAGE,
    csv_rows,
    figure_links,
    flag_row,
    list_order,
    listed,
)

User = get_user_model()


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
    figures = report_figures(rows, now)
    link = functools.partial(narrowed, request.GET)  # to the flags behind a figure
    context = {
        "form": form,
        "query": request.GET.urlencode(),
        **figures,
        **figure_links(figures, link),
        **governance.governance_figures(
            rows=rows,
            clinic_ids=chosen_clinic_ids(request, form),
            chosen=form.cleaned_data if form.is_bound else {},
            now=now,
            link=link,
            hide_reviewed=hide_reviewed,
        ),
        "hide_reviewed": hide_reviewed,
        "events_toggle": narrowed_events(request.GET, not hide_reviewed),
        **flags_behind_the_figures(request, flags),
    }
    # The names on the page, in the list and in the safety events, are an access to those
    # patients' records: recorded, one event per clinic.
    shown = [row.flag.patient for row in context["flag_rows"] if row.patient]
    shown += [event["flag"].patient for event in context["event_rows"]]
    audit.record_views(
        by=request.user,
        subject="flag report",
        patients={patient.pk: patient for patient in shown}.values(),
    )
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


def report_figures(rows, now) -> dict:
    """The figures at the top of the report: counts by rule and severity, response times
    (from the rows of governance.flag_rows)."""
    counts = Counter((row.rule, row.severity) for row in rows)
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
        ((row.severity, row.opened_at, row.acknowledged_at, row.window_minutes) for row in rows),
        now,
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
    """The matching flags as a paged list under the figures, 25 a page, in the chosen order.

    A page costs two queries (the count and the page) however many flags match.
    """
    sort = request.GET.get("sort", "")
    page = Paginator(listed(list_order(flags, sort)), FLAGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    rows = [flag_row(request.user, flag, now) for flag in page]
    filters = request.GET.copy()
    filters.pop("page", None)
    return {"flag_page": page, "flag_rows": rows, "flag_filters": filters.urlencode()}


def export_filters(form) -> str:
    """The filters an export was made with, for its audit event: only the report's own,
    valid by now and short, so nothing else in the address can push them out."""
    if not form.is_bound:
        return ""
    return urlencode([(name, form.data[name]) for name in form.fields if form.data.get(name)])


def download(lines, name: str) -> StreamingHttpResponse:
    """A CSV streamed as it is written, saved under `name` and the time."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stepwise-{name}-{stamp}.csv"'
    return response


def export_scope(request: HttpRequest, subject: str):
    """The flags an export covers, recorded in the audit trail before anything is sent:
    one event per clinic it covers, with the filters, so the export can be reproduced if it
    is ever questioned. With filters that do not make sense: (form, None, None)."""
    form, flags = report_scope(request)
    if flags is None:
        return form, None, None
    clinic_ids = chosen_clinic_ids(request, form)
    audit.record_export(
        by=request.user, subject=subject, clinic_ids=clinic_ids, detail=export_filters(form)
    )
    return form, flags, clinic_ids


def back_to_the_report(request: HttpRequest) -> HttpResponse:
    """To the report with the same filters, which shows what is wrong with them."""
    return redirect(f"{reverse('flag_report')}?{request.GET.urlencode()}")


@login_required
def flag_report_csv(request: HttpRequest) -> HttpResponse:
    _form, flags, _clinic_ids = export_scope(request, "flag report CSV")
    if flags is None:
        return back_to_the_report(request)
    return download(csv_rows(request.user, flags), "flags")


@login_required
def rule_report_csv(request: HttpRequest) -> HttpResponse:
    """The report's per-rule table (what each rule leads to) as CSV, for the same flags."""
    form, flags, clinic_ids = export_scope(request, "rule report CSV")
    if flags is None:
        return back_to_the_report(request)
    now = timezone.now()
    rows = governance.flag_rows(flags, now, events=False)
    chosen = form.cleaned_data if form.is_bound else {}
    weeks = governance.patient_weeks(rows, clinic_ids, chosen, now)
    # A byte order mark first, as in the flags CSV, so Excel reads translated rule names
    # as UTF-8.
    lines = itertools.chain(
        ["\ufeff"],
        csv_lines(
            [str(column) for column in governance.RULES_CSV_COLUMNS],
            map(governance.rules_csv_row, governance.rule_table(rows, weeks)),
        ),
    )
    return download(lines, "rules")
