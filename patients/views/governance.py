"""The reads behind the report's governance figures, and the figures as the page shows them.

A fixed number of queries whatever the data: one narrow scan of the chosen flags (with
their clinic's window and whether an alert email did not get out), the plans in scope,
the shown safety events' patients and latest reviews, and the staff's names. Everything
else is worked out from the scan in patients/safety/oversight.py.
"""

import datetime
import uuid
import zoneinfo

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.charts import share_bars, stacked_bars
from patients.choices import Rule, Severity
from patients.models import (
    DeliveryState,
    Flag,
    FlagReview,
    Notification,
    Patient,
    StaffMembership,
)
from patients.models.deliveries import STALE_PENDING
from patients.safety import oversight
from patients.safety.oversight import FlagRow
from programs.models import PlanAssignment, PlanStatus, StageChange, StageChangeKind

User = get_user_model()

# A flag id that is never a real one: the events' query runs even when there is no event,
# so the page costs the same queries with or without them.
NO_FLAG = uuid.UUID(int=0)


def since_opened(moment: str):
    """How long after the flag was raised `moment` came, as a duration. The database sends
    a duration far more cheaply than a date-time: Django reads every aware date-time from
    PostgreSQL in Python, which for 50,000 flags was most of the page's time."""
    return ExpressionWrapper(F(moment) - F("opened_at"), output_field=DurationField())


def flag_rows(flags, now: datetime.datetime, *, events: bool = True) -> list[FlagRow]:
    """The chosen flags as plain rows, in one query; with `events`, whether an alert email
    about each did not get out and whether it was reviewed (else both False)."""
    undelivered = (
        Notification.objects.undelivered()
        .filter(flag=OuterRef("pk"))
        .filter(Q(state=DeliveryState.FAILED) | Q(created_at__lte=now - STALE_PENDING))
    )
    reviewed = FlagReview.objects.filter(flag=OuterRef("pk"))
    values = (
        flags.annotate(
            undelivered=Exists(undelivered) if events else Value(False),
            reviewed=Exists(reviewed) if events else Value(False),
            to_acknowledge=since_opened("acknowledged_at"),
            to_resolve=since_opened("resolved_at"),
            to_escalate=since_opened("escalated_at"),
        )
        .values_list(
            "pk",
            "rule",
            "severity",
            "status",
            "opened_at",
            "to_acknowledge",
            "acknowledged_by_id",
            "to_resolve",
            "resolved_by_id",
            "resolution_action",
            "resolved_against_warning",
            "to_escalate",
            "patient__clinic__escalation_minutes",
            "patient__clinic__timezone",
            "patient_id",
            "patient__clinician_id",
            "undelivered",
            "reviewed",
        )
        .order_by()
    )
    return [_flag_row(*row) for row in values]


def _flag_row(pk, rule, severity, status, opened, to_ack, acked_by, to_resolve, *rest):
    resolved_by, action, against_warning, to_escalate, *more = rest
    return FlagRow(
        pk,
        rule,
        severity,
        status,
        opened,
        _after(opened, to_ack),
        acked_by,
        _after(opened, to_resolve),
        resolved_by,
        action,
        against_warning,
        _after(opened, to_escalate),
        *more,
    )


def _after(opened: datetime.datetime, delta: datetime.timedelta | None):
    return None if delta is None else opened + delta


def plans_in_scope(clinic_ids, chosen: dict) -> list[tuple[datetime.date, datetime.date | None]]:
    """Each plan of the chosen clinics' (and clinician's) patients, whatever its status:
    its start and, once ended, the day it was ended (in its clinic's calendar)."""
    plans = PlanAssignment.objects.in_clinics(clinic_ids)
    if chosen.get("clinic"):
        plans = plans.filter(patient__clinic=chosen["clinic"])
    if chosen.get("clinician"):
        plans = plans.filter(patient__clinician=chosen["clinician"])
    ended = StageChange.objects.filter(assignment=OuterRef("pk"), kind=StageChangeKind.END)
    # Only an ended plan's end is read: a date-time read for every plan cost more than the
    # rest of the query.
    ended_at = Case(
        When(
            status=PlanStatus.ENDED,
            then=Coalesce(
                Subquery(ended.order_by("-changed_at").values("changed_at")[:1]), "updated_at"
            ),
        ),
        default=None,
        output_field=DateTimeField(),
    )
    rows = (
        plans.annotate(ended_at=ended_at)
        .values_list("start_date", "ended_at", "patient__clinic__timezone")
        .order_by()
    )
    return [
        (start, ended_at.astimezone(zoneinfo.ZoneInfo(zone)).date() if ended_at else None)
        for start, ended_at, zone in rows
    ]


def shown_events(events: oversight.SafetyEvents) -> list[dict]:
    """The listed safety events with their patient and latest review, in one query."""
    latest = FlagReview.objects.filter(flag=OuterRef("pk")).order_by("-reviewed_at", "-pk")
    ids = [event.row.pk for event in events.shown] or [NO_FLAG]
    flags = Flag.objects.filter(pk__in=ids).select_related("patient__user")
    flags = flags.annotate(
        **{
            name: Subquery(latest.values(path)[:1])
            for name, path in [
                ("reviewed_on", "reviewed_at"),
                ("reviewer_first", "reviewed_by__first_name"),
                ("reviewer_last", "reviewed_by__last_name"),
                ("reviewer_username", "reviewed_by__username"),
            ]
        }
    )
    found = {flag.pk: flag for flag in flags}
    listed = []
    for event in events.shown:
        flag = found[event.row.pk]
        reviewer = f"{flag.reviewer_first or ''} {flag.reviewer_last or ''}".strip()
        listed.append(
            {
                "flag": flag,
                "reasons": event.reason_labels,
                "reviewed_on": flag.reviewed_on,
                "reviewer": reviewer or flag.reviewer_username or _("a former member of staff"),
            }
        )
    return listed


def staff_names(clinic_ids) -> dict[int, str]:
    """The names of everyone who works in these clinics or is responsible for a patient
    there, in one query."""
    people = User.objects.filter(
        Q(pk__in=StaffMembership.objects.filter(clinic_id__in=clinic_ids).values("user_id"))
        | Q(pk__in=Patient.objects.filter(clinic_id__in=clinic_ids).values("clinician_id"))
    ).values_list("pk", "first_name", "last_name", "username")
    return {pk: f"{first} {last}".strip() or username for pk, first, last, username in people}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)}%"


def rule_table(rows: list[FlagRow], patient_weeks: float) -> list[dict]:
    """The per-rule figures in the order of the rules' table, with their names on screen."""
    figures = {figure.rule: figure for figure in oversight.rule_figures(rows, patient_weeks)}
    return [
        {
            "rule": rule,
            "label": rule.label,
            "figures": figures[rule.value],
            "action_percent": percent(figures[rule.value].action_share),
            "reopened_percent": percent(figures[rule.value].reopened_share),
        }
        for rule in Rule
        if rule.value in figures
    ]


def period_of(rows: list[FlagRow], chosen: dict, now: datetime.datetime):
    # "Today" is the latest day it is in the flags' clinics, never the session's zone: a
    # flag raised this morning in Sydney is in the figures while it is still Sunday in UTC.
    zones = {row.zone for row in rows}
    today = max(
        (timezone.localdate(now, zoneinfo.ZoneInfo(zone)) for zone in zones),
        default=timezone.localdate(now),
    )
    return oversight.report_period(
        rows,
        date_from=chosen.get("date_from"),
        date_to=chosen.get("date_to"),
        today=today,
    )


def patient_weeks(rows: list[FlagRow], clinic_ids, chosen: dict, now: datetime.datetime) -> float:
    first, last = period_of(rows, chosen, now)
    return oversight.plan_weeks(plans_in_scope(clinic_ids, chosen), first, last)


def governance_figures(
    *,
    rows: list[FlagRow],
    clinic_ids,
    chosen: dict,
    now: datetime.datetime,
    link,
    hide_reviewed: bool = False,
) -> dict:
    """Rules, trends, clinicians and safety events for the report page. `link(**filters)`
    is the address of the flags behind a figure (the chosen filters narrowed further)."""
    first, last = period_of(rows, chosen, now)
    weeks_on_plans = oversight.plan_weeks(plans_in_scope(clinic_ids, chosen), first, last)
    rules = rule_table(rows, weeks_on_plans)
    for row in rules:
        row["link"] = link(rule=row["rule"].value)
    severities = [Severity(value) for value in oversight.SEVERITY_ORDER]
    weeks = oversight.weekly(rows, first, last, now)
    for week in weeks:
        week.cells = week_cells(week, severities, first, last, link)
    charted = weeks[-oversight.CHART_WEEKS :]
    events = oversight.safety_events(rows, now, hide_reviewed=hide_reviewed)
    return {
        "period": (first, last),
        "patient_weeks": weeks_on_plans,
        "rules": rules,
        "rules_chart": share_bars(
            [
                (row["label"], row["figures"].action_share, percent(row["figures"].action_share))
                for row in rules
            ]
        ),
        "weeks": weeks,
        "weeks_cut": len(weeks) > len(charted),
        "severities": severities,
        "weeks_chart": weeks_chart(charted, severities),
        "urgent_chart": urgent_chart(charted),
        "clinicians": clinician_rows(rows, staff_names(clinic_ids), link),
        "events": events,
        "event_rows": shown_events(events),
    }


def week_cells(week, severities, first: datetime.date, last: datetime.date, link) -> list:
    """A week's count of each severity, with the address of those flags."""
    # Up to the week's Sunday, or the period's end: the last week of 9999 has no Sunday.
    end = week.start + min(datetime.timedelta(days=6), last - week.start)
    links = [
        link(
            severity=severity.value,
            date_from=max(week.start, first).isoformat(),
            date_to=end.isoformat(),
        )
        for severity in severities
    ]
    return list(zip(week.counts, links, strict=True))


def clinician_rows(rows: list[FlagRow], names: dict, link) -> list[dict]:
    """Each clinician's workload, linked to their patients' open flags where they are staff
    of these clinics (someone who has left cannot be chosen as a filter)."""
    return [
        {
            "figures": figure,
            "name": figure.name or _("Someone outside these clinics"),
            "open_link": link(clinician=figure.user, status="open")
            if figure.open and figure.user in names
            else "",
        }
        for figure in oversight.clinician_figures(rows, names)
    ]


def weeks_chart(weeks, severities) -> dict:
    return stacked_bars(
        [week.counts for week in weeks],
        labels=[date_format(week.start, "j M") for week in weeks],
        classes=[f"bar-{severity.value}" for severity in severities],
        titles=[
            [
                _("Week of %(week)s: %(count)d %(severity)s")
                % {"week": date_format(week.start, "j M"), "count": n, "severity": s.label}
                for s, n in zip(severities, week.counts, strict=True)
            ]
            for week in weeks
        ],
    )


def urgent_chart(weeks) -> dict:
    """Each week with decided urgent flags as a full bar: in time at the bottom, late above,
    so a week where none was in time shows as all late rather than as no bar at all."""
    stacks, titles = [], []
    for week in weeks:
        in_time = round(100 * week.urgent_share) if week.urgent else 0
        stacks.append([in_time, 100 - in_time] if week.urgent else [0, 0])
        title = _("Week of %(week)s: %(in_time)d of %(urgent)d urgent flags in time") % {
            "week": date_format(week.start, "j M"),
            "in_time": week.urgent_in_window,
            "urgent": week.urgent,
        }
        titles.append([title, title])
    return stacked_bars(
        stacks,
        labels=[date_format(week.start, "j M") for week in weeks],
        classes=["bar-share", "bar-late"],
        titles=titles,
        top=100,
        percent=True,
    )


RULES_CSV_COLUMNS = [
    gettext_lazy("Rule"),
    gettext_lazy("Flags"),
    gettext_lazy("Flags per 100 patient-weeks on a plan"),
    gettext_lazy("Resolved"),
    gettext_lazy("Led to an action (hold, step back, refer)"),
    gettext_lazy("Share that led to an action (%)"),
    gettext_lazy("Re-opened within 7 days or escalated"),
    gettext_lazy("Share re-opened or escalated (%)"),
    gettext_lazy("Acknowledged"),
    gettext_lazy("Median minutes to acknowledge"),
]


def rules_csv_row(row: dict) -> list:
    figures = row["figures"]

    def rounded(value, digits=1):
        return "" if value is None else round(value, digits)

    return [
        row["label"],
        figures.flags,
        rounded(figures.per_100_weeks, 2),
        figures.resolved,
        figures.acted,
        rounded(figures.action_share and 100 * figures.action_share),
        figures.reopened_or_escalated,
        rounded(figures.reopened_share and 100 * figures.reopened_share),
        figures.acknowledged,
        rounded(figures.median_minutes),
    ]
