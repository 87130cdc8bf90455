"""The governance figures of the reviewer's report: what each rule leads to, the weeks'
trends, each clinician's workload, and the safety events that need a look.

Plain functions over plain data: one row per flag (`FlagRow`), read by one narrow query,
so the page costs the same queries for 50 flags or 50,000 and every figure can be checked
by hand. Medians and shares are worked out here, not in SQL, so they mean the same on
PostgreSQL and SQLite.
"""

import datetime
import itertools
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from patients.safety.response_times import Window, percentile, window_outcome

ALERT_SEVERITIES = ("urgent", "same_day")
SEVERITY_ORDER = ("urgent", "same_day", "review", "info")
# Resolving with one of these changed the patient's care: the flag led to an action.
# "Continue" changes nothing, and "advance" after a flag is carrying on, not acting on it.
ACTIONS = frozenset({"hold", "step_back", "refer"})
CARRY_ON = frozenset({"continue", "advance"})
REOPEN_DAYS = 7
EVENTS_SHOWN = 20
# With no dates chosen and no flags, the period is the last twelve weeks.
DEFAULT_WEEKS = 12
CHART_WEEKS = 52

MINUTE = datetime.timedelta(minutes=1)
WEEK = datetime.timedelta(weeks=1)

REASONS = {
    "late": _("Acknowledged after the clinic's window"),
    "unacknowledged": _("Not acknowledged and the clinic's window has passed"),
    "escalated": _("Escalated"),
    "undelivered": _("An alert email was not delivered"),
    "carried_on": _("Resolved with continue or advance after a second confirmation"),
}


@dataclass(frozen=True, slots=True)
class FlagRow:
    """One flag as the figures need it; times are aware, the window is the clinic's."""

    pk: object
    rule: str
    severity: str
    status: str
    opened_at: datetime.datetime
    acknowledged_at: datetime.datetime | None
    acknowledged_by: int | None
    resolved_at: datetime.datetime | None
    resolved_by: int | None
    resolution_action: str
    resolved_against_warning: bool
    escalated_at: datetime.datetime | None
    window_minutes: int
    zone: str
    patient: object
    clinician: int | None
    undelivered: bool = False
    reviewed: bool = False

    @property
    def minutes_to_acknowledge(self) -> float | None:
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.opened_at) / MINUTE

    def window(self, now: datetime.datetime) -> Window | None:
        """How an urgent or same-day flag stands against its clinic's window (else None)."""
        outcome, _late = window_outcome(
            self.severity, self.opened_at, self.acknowledged_at, self.window_minutes, now
        )
        return outcome

    def opened_on(self) -> datetime.date:
        """The day the flag was raised, in its clinic's calendar."""
        return self.opened_at.astimezone(zoneinfo.ZoneInfo(self.zone)).date()


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


# The period -----------------------------------------------------------------------------


def weeks_back(day: datetime.date, weeks: int) -> datetime.date:
    """The first of the `weeks` weeks of days ending on `day` (never before the first day)."""
    span = datetime.timedelta(weeks=weeks) - datetime.timedelta(days=1)
    return day - span if day - datetime.date.min >= span else datetime.date.min


def report_period(
    rows: list[FlagRow],
    *,
    date_from: datetime.date | None,
    date_to: datetime.date | None,
    today: datetime.date,
) -> tuple[datetime.date, datetime.date]:
    """The days the figures are about: from the chosen start, else the first flag chosen
    (or twelve weeks back when there is none); up to the chosen end, never after today."""
    last = min(date_to or today, today)
    if date_from:
        first = date_from
    elif rows:
        first = min(row.opened_on() for row in rows)
    else:
        first = weeks_back(last, DEFAULT_WEEKS)
    return first, max(first, last)


def plan_weeks(
    plans: Iterable[tuple[datetime.date, datetime.date | None]],
    first: datetime.date,
    last: datetime.date,
) -> float:
    """Patient-weeks on a plan in the period: the days from `first` to `last` (both
    included) that each plan covered, from its start to its end (None: not ended, so up to
    `last`), summed and divided by seven. A paused plan still counts: the patient is still
    on the clinic's programme and their reports still raise flags."""
    days = 0
    for start, end in plans:
        begin, stop = max(start, first), min(end or last, last)
        if stop >= begin:
            days += (stop - begin).days + 1
    return days / 7


# What each rule leads to ----------------------------------------------------------------


@dataclass(frozen=True)
class RuleFigures:
    rule: str
    flags: int
    per_100_weeks: float | None
    resolved: int
    acted: int
    reopened_or_escalated: int
    acknowledged: int
    median_minutes: float | None

    @property
    def action_share(self) -> float | None:
        """Of the resolved flags, the share resolved with hold, step back or refer."""
        return share(self.acted, self.resolved)

    @property
    def reopened_share(self) -> float | None:
        """Of all the rule's flags, the share escalated or raised again within a week."""
        return share(self.reopened_or_escalated, self.flags)


def reopened(rows: list[FlagRow]) -> set:
    """Flags whose rule was raised again for the same patient within seven days after the
    flag was resolved (among the chosen flags).

    A patient has at most one unresolved flag per rule, so the next flag of the same rule
    for the same patient, in the order they were raised, is the only one that can re-open
    it. One sort, then one pass: the page does this for 50,000 flags.
    """
    ordered = sorted(rows, key=lambda row: (str(row.patient), row.rule, row.opened_at))
    window = datetime.timedelta(days=REOPEN_DAYS)
    return {
        flag.pk
        for flag, following in itertools.pairwise(ordered)
        if flag.resolved_at is not None
        and (flag.patient, flag.rule) == (following.patient, following.rule)
        and flag.resolved_at < following.opened_at <= flag.resolved_at + window
    }


def rule_figures(rows: list[FlagRow], patient_weeks: float) -> list[RuleFigures]:
    """Per rule that fired: flags per 100 patient-weeks on a plan; of the resolved flags,
    how many led to an action (hold, step back or refer; continue and advance do not);
    of all its flags, how many were escalated or raised again within seven days of being
    resolved; and the median minutes to acknowledge, over the acknowledged ones."""
    again = reopened(rows)
    by_rule = defaultdict(list)
    for row in rows:
        by_rule[row.rule].append(row)
    figures = []
    for rule, flags in by_rule.items():
        minutes = [row.minutes_to_acknowledge for row in flags if row.acknowledged_at]
        figures.append(
            RuleFigures(
                rule=rule,
                flags=len(flags),
                per_100_weeks=100 * len(flags) / patient_weeks if patient_weeks else None,
                resolved=sum(row.resolved_at is not None for row in flags),
                acted=sum(
                    row.resolved_at is not None and row.resolution_action in ACTIONS
                    for row in flags
                ),
                reopened_or_escalated=sum(
                    row.escalated_at is not None or row.pk in again for row in flags
                ),
                acknowledged=len(minutes),
                median_minutes=percentile(minutes, 0.5),
            )
        )
    return figures


# Trends ---------------------------------------------------------------------------------


@dataclass
class WeekFigures:
    start: datetime.date
    by_severity: dict = field(default_factory=lambda: dict.fromkeys(SEVERITY_ORDER, 0))
    urgent: int = 0
    urgent_in_window: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())

    @property
    def counts(self) -> list[int]:
        return [self.by_severity[severity] for severity in SEVERITY_ORDER]

    @property
    def urgent_share(self) -> float | None:
        return share(self.urgent_in_window, self.urgent)


def weekly(
    rows: list[FlagRow], first: datetime.date, last: datetime.date, now: datetime.datetime
) -> list[WeekFigures]:
    """Every week (Monday to Sunday, the clinic's calendar) of the period, oldest first,
    from the week of the first flag chosen (twelve weeks back when there is none): flags
    raised by severity, and of the urgent ones whose window is decided (acknowledged, or
    the window passed), those acknowledged within it."""
    days = [row.opened_on() for row in rows]
    begin = max(first, min(days) if days else weeks_back(last, DEFAULT_WEEKS))
    weeks = {}
    start = monday(begin)
    while start <= last:
        weeks[start] = WeekFigures(start)
        if last - start < WEEK:
            break
        start += WEEK
    for row, day in zip(rows, days, strict=True):
        week = weeks.get(monday(day))
        if week is None:
            continue
        week.by_severity[row.severity] = week.by_severity.get(row.severity, 0) + 1
        if row.severity != "urgent":
            continue
        outcome = row.window(now)
        if outcome != Window.OPEN:
            week.urgent += 1
            week.urgent_in_window += outcome == Window.WITHIN
    return list(weeks.values())


# Per clinician --------------------------------------------------------------------------


@dataclass(frozen=True)
class ClinicianFigures:
    user: int
    name: str
    open: int
    handled: int
    median_minutes: float | None


def clinician_figures(rows: list[FlagRow], names: dict) -> list[ClinicianFigures]:
    """For each clinician: the open flags of the patients they are responsible for; the
    flags they acknowledged or resolved; the median minutes to acknowledge of the ones they
    acknowledged. In order of name: this is workload and cover, never a ranking."""
    open_flags, handled, minutes = defaultdict(int), defaultdict(int), defaultdict(list)
    for row in rows:
        if row.status == "open" and row.clinician is not None:
            open_flags[row.clinician] += 1
        for person in {row.acknowledged_by, row.resolved_by} - {None}:
            handled[person] += 1
        if row.acknowledged_by is not None and row.acknowledged_at is not None:
            minutes[row.acknowledged_by].append(row.minutes_to_acknowledge)
    people = set(open_flags) | set(handled)
    figures = [
        ClinicianFigures(
            user=person,
            name=names.get(person, ""),
            open=open_flags[person],
            handled=handled[person],
            median_minutes=percentile(minutes[person], 0.5),
        )
        for person in people
    ]
    return sorted(figures, key=lambda figure: (figure.name.casefold(), figure.user))


# Safety events --------------------------------------------------------------------------


def breached(row: FlagRow, now: datetime.datetime) -> bool:
    """An urgent or same-day flag acknowledged later than its clinic's window after it
    was raised, or not acknowledged and the window has passed."""
    return row.window(now) in (Window.LATE, Window.MISSED)


def event_reasons(row: FlagRow, now: datetime.datetime) -> list[str]:
    """Why an urgent or same-day flag needs a governance look (keys of REASONS), if it does."""
    if row.severity not in ALERT_SEVERITIES:
        return []
    reasons = []
    if breached(row, now):
        reasons.append("late" if row.acknowledged_at else "unacknowledged")
    if row.escalated_at is not None:
        reasons.append("escalated")
    if row.undelivered:
        reasons.append("undelivered")
    if row.resolved_against_warning and row.resolution_action in CARRY_ON:
        reasons.append("carried_on")
    return reasons


@dataclass(frozen=True)
class SafetyEvent:
    row: FlagRow
    reasons: list[str]

    @property
    def reason_labels(self) -> list:
        return [REASONS[reason] for reason in self.reasons]


@dataclass(frozen=True)
class SafetyEvents:
    shown: list[SafetyEvent]
    total: int  # every event, reviewed or not
    reviewed: int
    hidden_reviewed: bool

    @property
    def rest(self) -> int:
        listed = self.total - self.reviewed if self.hidden_reviewed else self.total
        return listed - len(self.shown)


def safety_events(
    rows: list[FlagRow], now: datetime.datetime, *, hide_reviewed: bool = False
) -> SafetyEvents:
    """The events for review, those not reviewed yet first, then the newest: at most
    EVENTS_SHOWN of them, with how many more there are."""
    events = [SafetyEvent(row, reasons) for row in rows if (reasons := event_reasons(row, now))]
    reviewed = sum(event.row.reviewed for event in events)
    listed = [event for event in events if not (hide_reviewed and event.row.reviewed)]
    listed.sort(key=lambda event: event.row.opened_at, reverse=True)
    listed.sort(key=lambda event: event.row.reviewed)
    return SafetyEvents(
        shown=listed[:EVENTS_SHOWN],
        total=len(events),
        reviewed=reviewed,
        hidden_reviewed=hide_reviewed,
    )
