"""Figures for the reviewer's red-flag report, computed from plain values.

Percentiles and shares are computed here rather than in SQL so they mean the same on
PostgreSQL and SQLite; the inputs are one narrow query of durations.
"""

import datetime
import math
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from patients.choices import ALERT_SEVERITIES

# The clinic's acknowledgement window (Clinic.escalation_minutes) holds for these flags.
WINDOW_SEVERITIES = ALERT_SEVERITIES


def percentile(values: list[float], fraction: float) -> float | None:
    """The value below which `fraction` of the values fall (linear interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class AcknowledgeTimes:
    acknowledged: int
    waiting: int
    median_minutes: float | None
    p90_minutes: float | None
    urgent_total: int
    urgent_within_window: int

    @property
    def urgent_share(self) -> float | None:
        return self.urgent_within_window / self.urgent_total if self.urgent_total else None


def acknowledge_times(rows, now: datetime.datetime) -> AcknowledgeTimes:
    """rows: (severity, opened_at, acknowledged_at or None, clinic's window in minutes).

    An urgent flag counts towards the share acknowledged in time once its window is
    decided: acknowledged, or the window has passed. One still inside its window is
    neither in time nor late yet.
    """
    minutes, waiting, urgent_total, urgent_in_time = [], 0, 0, 0
    for severity, opened_at, acknowledged_at, window in rows:
        if acknowledged_at is None:
            waiting += 1
        else:
            minutes.append((acknowledged_at - opened_at) / datetime.timedelta(minutes=1))
        if severity == "urgent":
            outcome, _late = window_outcome(severity, opened_at, acknowledged_at, window, now)
            urgent_total += outcome != Window.OPEN
            urgent_in_time += outcome == Window.WITHIN
    return AcknowledgeTimes(
        acknowledged=len(minutes),
        waiting=waiting,
        median_minutes=percentile(minutes, 0.5),
        p90_minutes=percentile(minutes, 0.9),
        urgent_total=urgent_total,
        urgent_within_window=urgent_in_time,
    )


def duration_words(taken: datetime.timedelta) -> str:
    """A time taken as people say it: "45 min", "1 h 25 min", "2 d 3 h" (rounded down)."""
    minutes = max(int(taken / datetime.timedelta(minutes=1)), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


class Window(StrEnum):
    """How an urgent or same-day flag's acknowledgement stands against the clinic's window."""

    WITHIN = "within"
    LATE = "late"  # acknowledged, after the window
    MISSED = "missed"  # not acknowledged, and the window has passed
    OPEN = "open"  # not acknowledged yet, and the window has not passed


def window_outcome(
    severity: str,
    opened_at: datetime.datetime,
    acknowledged_at: datetime.datetime | None,
    window_minutes: int,
    now: datetime.datetime,
) -> tuple[Window | None, datetime.timedelta]:
    """Where the flag stands against its clinic's window, and by how much it was late.
    Review and info flags have no window: (None, 0)."""
    if severity not in WINDOW_SEVERITIES:
        return None, datetime.timedelta(0)
    deadline = opened_at + datetime.timedelta(minutes=window_minutes)
    if acknowledged_at is not None:
        if acknowledged_at <= deadline:
            return Window.WITHIN, datetime.timedelta(0)
        return Window.LATE, acknowledged_at - deadline
    if now > deadline:
        return Window.MISSED, now - deadline
    return Window.OPEN, datetime.timedelta(0)
