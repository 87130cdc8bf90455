"""This week's walking against the plan's target, for the patient's home and confirmations."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Sum

from patients.models import WalkLog


def week_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday to Sunday around `today`."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


@dataclass(frozen=True)
class WeekProgress:
    first_day: datetime.date
    last_day: datetime.date
    walks: int
    minutes: int
    target_walks: int | None
    minutes_per_walk: int | None

    @property
    def target_minutes(self) -> int | None:
        if self.target_walks is None or self.minutes_per_walk is None:
            return None
        return self.target_walks * self.minutes_per_walk

    @property
    def walks_shown(self) -> int:
        """For the progress bar: never more than the target."""
        return min(self.walks, self.target_walks or self.walks)

    @property
    def target_met(self) -> bool:
        return self.target_walks is not None and self.walks >= self.target_walks


def week_progress(patient, stage, today: datetime.date) -> WeekProgress:
    first, last = week_bounds(today)
    totals = (
        WalkLog.objects.live()
        .filter(patient=patient)
        .between(first, last)
        .aggregate(walks=Count("pk"), minutes=Sum("minutes"))
    )
    return WeekProgress(
        first_day=first,
        last_day=last,
        walks=totals["walks"],
        minutes=totals["minutes"] or 0,
        target_walks=stage.sessions_per_week if stage else None,
        minutes_per_walk=stage.minutes_per_session if stage else None,
    )
