"""The red-flag rules over time: a flare that does not settle, walk-provoked pain confirmed
the next morning, no activity. They take the patient's recent reports as plain data."""

import datetime
import itertools
import statistics
from dataclasses import dataclass

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _

from patients.choices import (
    Rule,
    Severity,
)
from patients.safety.rules import DEFAULT_THRESHOLDS, Baseline, Finding, Report, Thresholds


def walk_provoked_next_morning(
    pain_before_walk: int, pain_next_morning: int | None, limits: Thresholds = DEFAULT_THRESHOLDS
) -> Finding | None:
    """Walk-provoked pain that has not settled: next morning still 2+ above the pre-walk score."""
    if pain_next_morning is None or pain_next_morning < pain_before_walk + limits.next_morning_rise:
        return None
    return Finding(
        Rule.WALK_PROVOKED,
        Severity.REVIEW,
        _("Pain %(now)d/10 the morning after a walk, against %(before)d before it.")
        % {"now": pain_next_morning, "before": pain_before_walk},
        {"before_walk": pain_before_walk, "next_morning": pain_next_morning},
    )


def unsettled_morning(settled: bool) -> Finding | None:
    """Not back to usual the morning after a walk: advice now (amber: walk shorter or
    slower, repeat the stage); a flag only on the second time in a week (see `flare`)."""
    if settled:
        return None
    return Finding(
        Rule.WALK_PROVOKED,
        Severity.INFO,
        _("Not back to usual the morning after a walk."),
        advice="morning",
    )


# A flare: pain up on two entries on different days at most this many days apart (within
# one week), or not back to usual the morning after a walk on two such days.
FLARE_DAYS = 6
# The median of the patient's own recent reports: a slow creep is caught against it.
MEDIAN_DAYS = 14


@dataclass(frozen=True, order=True)
class Entry:
    """One earlier pain score: the day it describes, the score, and which report it was."""

    day: datetime.date
    pain: int
    ref: str = ""  # the report's id, kept in a flag's evidence


@dataclass(frozen=True)
class Recent:
    """A patient's other reports near the day in question, as plain data: the look-back.

    Every entry is dated by the clinic-local day it describes (a walk's date, the day of a
    check-in), never by when it was typed: two bad days logged in one sitting are two days.
    """

    pains: tuple[Entry, ...] = ()  # the report itself excluded
    unsettled_days: tuple[datetime.date, ...] = ()  # walks not back to usual the next morning


def median_before(recent: Recent, day: datetime.date) -> float | None:
    """The median pain over the 14 days before `day`, or None without entries."""
    first = day - datetime.timedelta(days=MEDIAN_DAYS)
    window = [entry.pain for entry in recent.pains if first <= entry.day < day]
    return statistics.median(window) if window else None


def flare_threshold(usual: int, median: float | None, limits: Thresholds) -> float:
    """Pain at or above this is "up": 2 points above usual, or above the 14-day median."""
    reference = usual if median is None else min(usual, median)
    return reference + limits.flare_rise


def _days_apart(first: datetime.date, second: datetime.date) -> int:
    return abs((first - second).days)


def _pair_within_a_week(days) -> tuple[datetime.date, datetime.date] | None:
    ordered = sorted(set(days))
    for earlier, later in itertools.pairwise(ordered):
        if _days_apart(earlier, later) <= FLARE_DAYS:
            return earlier, later
    return None


def flare(report: Report, baseline: Baseline, recent: Recent) -> Finding | None:
    """Pain up on two different days within a week, not settling twice, or "it's a flare".

    The design drops the earlier 30% condition: on a 0-10 whole-number scale it left a
    patient with usual pain of 8 or more unable to flare at all.
    """
    day = report.day
    median = median_before(recent, day)
    threshold = flare_threshold(baseline.usual_pain, median, baseline.limits)
    partners = []
    if report.pain is not None and report.pain >= threshold:
        partners = sorted(
            (_days_apart(entry.day, day), entry)
            for entry in recent.pains
            if 0 < _days_apart(entry.day, day) <= FLARE_DAYS and entry.pain >= threshold
        )
    unsettled = _pair_within_a_week(
        when for when in recent.unsettled_days if _days_apart(when, day) <= FLARE_DAYS
    )
    if not (partners or unsettled or report.says_flare):
        return None
    evidence = {
        "usual": baseline.usual_pain,
        "median_14_days": median,
        "threshold": threshold,
        "now": report.pain,
        "day": day.isoformat(),
        "says_flare": report.says_flare,
    }
    if partners:
        _gap, other = partners[0]
        other_day, other_pain = other.day, other.pain
        evidence.update(
            other_day=other_day.isoformat(), other_pain=other_pain, other_source_id=other.ref
        )
        summary = _(
            "Pain %(now)d/10 on %(day)s and %(other)d/10 on %(other_day)s: up on two days "
            "(usual %(usual)d, 14-day median %(median)s)."
        ) % {
            "now": report.pain,
            "day": _short_date(day),
            "other": other_pain,
            "other_day": _short_date(other_day),
            "usual": baseline.usual_pain,
            "median": _median_text(median),
        }
    elif unsettled:
        evidence["unsettled_days"] = [when.isoformat() for when in unsettled]
        summary = _("Not back to usual the morning after a walk, twice in a week (%(days)s).") % {
            "days": _("%(first)s and %(second)s")
            % {"first": _short_date(unsettled[0]), "second": _short_date(unsettled[1])}
        }
    else:
        summary = _("Says this is a flare-up: worse pain that is hard to cope with.")
    return Finding(Rule.FLARE, Severity.REVIEW, summary, evidence)


def _short_date(day: datetime.date) -> str:
    return date_format(day, "j M")


def _median_text(median: float | None) -> str:
    if median is None:
        return _("not known yet")
    return f"{median:g}"


def no_activity(
    last_walk: datetime.date | None,
    plan_started: datetime.date,
    today: datetime.date,
    limits: Thresholds = DEFAULT_THRESHOLDS,
) -> Finding | None:
    """No walk for 7 days on an active plan (the caller skips paused plans).

    Counted from the later of the last walk and the plan's (re)start.
    """
    since = max(last_walk, plan_started) if last_walk else plan_started
    idle = (today - since).days
    if idle < limits.no_activity_days:
        return None
    return Finding(
        Rule.NO_ACTIVITY,
        Severity.INFO,
        _("No walk logged for %(days)d days.") % {"days": idle},
        {"last_walk": last_walk.isoformat() if last_walk else None, "days": idle},
    )
