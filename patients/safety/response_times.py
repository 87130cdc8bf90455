"""Figures for the reviewer's red-flag report, computed from plain values.

Percentiles and shares are computed here rather than in SQL so they mean the same on
PostgreSQL and SQLite; the inputs are one narrow query of durations.
"""

import datetime
import math
from dataclasses import dataclass


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


def acknowledge_times(rows) -> AcknowledgeTimes:
    """rows: (severity, opened_at, acknowledged_at or None, clinic's window in minutes)."""
    minutes, waiting, urgent_total, urgent_in_time = [], 0, 0, 0
    for severity, opened_at, acknowledged_at, window in rows:
        taken = None
        if acknowledged_at is None:
            waiting += 1
        else:
            taken = (acknowledged_at - opened_at) / datetime.timedelta(minutes=1)
            minutes.append(taken)
        if severity == "urgent":
            urgent_total += 1
            urgent_in_time += taken is not None and taken <= window
    return AcknowledgeTimes(
        acknowledged=len(minutes),
        waiting=waiting,
        median_minutes=percentile(minutes, 0.5),
        p90_minutes=percentile(minutes, 0.9),
        urgent_total=urgent_total,
        urgent_within_window=urgent_in_time,
    )
