"""Alert burden: what the red-flag rules would raise over a clinic's stored reports.

Replays every patient's walks, next-morning answers and check-ins in the order they were
typed, through the same rules the app runs on every save, and counts the flags a clinic
would have seen: one open flag per patient and rule, new evidence joining it, and a flag
taken as resolved `resolve_after` days after it was raised (so a rule that keeps firing
counts again once the clinic has dealt with it). Nothing is written.

The figure a clinic tunes against is flags per 100 patient-weeks, by rule and severity,
and the rows those flags make in the queue (a patient's review and info flags share one).
"""

import bisect
import datetime
from collections import Counter
from dataclasses import dataclass, field

from patients.choices import ALERT_SEVERITIES, SEVERITY_RANK, Severity
from patients.safety.rules import Baseline, Finding, Report, Thresholds, evaluate, is_flagged
from patients.safety.trends import (
    FLARE_DAYS,
    MEDIAN_DAYS,
    Entry,
    Recent,
    flare,
    no_activity,
    walk_provoked_next_morning,
)


@dataclass(frozen=True)
class Typed:
    """One report as it arrived: when it was typed, and what it says."""

    at: datetime.datetime
    report: Report | None = None  # a walk or a check-in
    morning_of: datetime.date | None = None  # a next-morning answer about that day's walk
    pain_before_walk: int | None = None
    morning_pain: int | None = None
    settled: bool = True
    # Symptoms from an unfinished walk log: acted on, but the walk itself carries the pain.
    from_walk_form: bool = False


@dataclass
class History:
    """What the rules could see at the moment a report was saved."""

    pains: list[Entry] = field(default_factory=list)  # kept sorted by day
    unsettled: list[datetime.date] = field(default_factory=list)

    def recent(self, day: datetime.date) -> Recent:
        first = _shifted(day, -MEDIAN_DAYS)
        last = _shifted(day, FLARE_DAYS)
        low = bisect.bisect_left(self.pains, Entry(first, -1))
        high = bisect.bisect_right(self.pains, Entry(last, 11))
        week = datetime.timedelta(days=FLARE_DAYS)
        unsettled = tuple(when for when in self.unsettled if abs(when - day) <= week)
        return Recent(pains=tuple(self.pains[low:high]), unsettled_days=unsettled)


@dataclass
class Tally:
    patients: int = 0
    patient_weeks: float = 0.0
    flags: Counter = field(default_factory=Counter)  # (rule, severity) -> raised
    flare_causes: Counter = field(default_factory=Counter)  # what set each flare flag off
    queue_rows: int = 0

    def per_100_weeks(self, count: int) -> float:
        return 100 * count / self.patient_weeks if self.patient_weeks else 0.0


def _shifted(day: datetime.date, days: int) -> datetime.date:
    """`day` moved by `days`, held within the calendar Python knows."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.min if days < 0 else datetime.date.max


def findings_for(typed: Typed, baseline: Baseline, history: History) -> list[Finding]:
    if typed.report is not None:
        findings = evaluate(typed.report, baseline)
        sustained = flare(typed.report, baseline, history.recent(typed.report.day))
        return [*findings, sustained] if sustained else findings
    provoked = walk_provoked_next_morning(
        typed.pain_before_walk, typed.morning_pain, baseline.limits
    )
    sustained = flare(
        Report(pain=None, day=typed.morning_of), baseline, history.recent(typed.morning_of)
    )
    return [finding for finding in (provoked, sustained) if finding]


def flare_cause(finding: Finding) -> str:
    if "other_day" in finding.evidence:
        return "pain up on two days"
    if "unsettled_days" in finding.evidence:
        return "two unsettled mornings"
    return "the patient said so"


def remember(typed: Typed, history: History) -> None:
    if typed.from_walk_form:
        return
    if typed.report is not None and typed.report.pain is not None:
        bisect.insort(history.pains, Entry(typed.report.day, typed.report.pain))
    elif typed.report is None and not typed.settled:
        history.unsettled.append(typed.morning_of)


def replay_patient(
    baseline: Baseline,
    reports: list[Typed],
    *,
    resolve_after: datetime.timedelta,
    walk_days: list[datetime.date],
    plan_started: datetime.date | None,
    last_day: datetime.date,
    zone,
    tally: Tally,
) -> None:
    """Count the flags one patient's reports would have raised."""
    history = History()
    opened: dict[str, tuple[datetime.datetime, str]] = {}  # rule -> (when, severity)
    row_days: set[datetime.date] = set()
    for typed in sorted(reports, key=lambda typed: typed.at):
        for finding in findings_for(typed, baseline, history):
            if not is_flagged(finding):
                continue  # advice only, as in the app
            current = opened.get(finding.rule)
            if current is not None and typed.at - current[0] < resolve_after:
                if SEVERITY_RANK[finding.severity] > SEVERITY_RANK[current[1]]:
                    opened[finding.rule] = (current[0], finding.severity)
                continue
            opened[finding.rule] = (typed.at, finding.severity)
            tally.flags[finding.rule, finding.severity] += 1
            if finding.rule == "flare":
                tally.flare_causes[flare_cause(finding)] += 1
            if finding.severity in ALERT_SEVERITIES:
                tally.queue_rows += 1
            else:
                row_days.add(typed.at.astimezone(zone).date())  # the queue's rows, by clinic day
        remember(typed, history)
    tally.queue_rows += len(row_days)
    if plan_started is not None:
        tally_quiet_weeks(baseline, walk_days, plan_started, last_day, tally)


def tally_quiet_weeks(baseline, walk_days, plan_started, last_day, tally: Tally) -> None:
    """The daily no-activity check: once per quiet spell of 7 days or more."""
    days = sorted({day for day in walk_days if day >= plan_started})
    since = plan_started
    for day in [*days, last_day]:
        if no_activity(None, since, day - datetime.timedelta(days=1), baseline.limits):
            tally.flags["no_activity", Severity.INFO] += 1
            tally.queue_rows += 1
        since = day


def thresholds_with(clinic, overrides: dict[str, int]) -> Thresholds:
    limits = Thresholds.of(clinic)
    return Thresholds(**{**limits.__dict__, **overrides})
