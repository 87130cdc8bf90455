"""When a patient's reminders are due: plain functions over a plain snapshot, no database.

The command `send_reminders` runs every minute or few and asks which moments fall in the
window (now - LOOKBACK, now]. It keeps no record of its last run: the Reminder row's
unique (patient, kind, channel, due_at) is what stops a moment being sent twice, so
overlapping windows are harmless.

Choices made here, each for the patient's sake:

- Lookback. A moment missed by more than LOOKBACK (the command was not running) is
  dropped, not sent late: "time for your walk" two hours after the walk time, or a burst
  of old reminders when a stopped scheduler restarts, helps nobody.
- Quiet hours. A moment inside the patient's quiet hours is moved to the moment they end,
  never dropped: the patient asked for it. Quiet hours from 22:00 until 07:00 move 06:30
  to 07:00 the same morning, and 23:00 to 07:00 the next morning (the end of that night's
  quiet hours). A walk reminder keeps the day it was for, so a walk logged that day still
  cancels it.
- Daylight saving. Wall-clock times become moments through `local_moment`: 07:30 is sent
  at 07:30 on the clock whatever the offset, once a day.
- Plans. Walk reminders and the nudge need an active plan: none while it is paused, ended
  or not yet set. The next-morning reminder follows a walk the patient logged, so it comes
  whatever the plan.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from patients.models import ReminderKind, local_moment

# Well beyond the gap between two runs of the command (production's timer runs it every
# minute; a slow run, a reboot or a cron every 5 minutes stretches that).
LOOKBACK = datetime.timedelta(minutes=30)
# The nudge goes at the walk time when the patient has one, otherwise mid-morning.
NUDGE_TIME_WITHOUT_WALK_TIME = datetime.time(10, 0)


@dataclass(frozen=True)
class Snapshot:
    """What deciding needs about one patient, read from the database by the caller."""

    zone: zoneinfo.ZoneInfo
    walk_days: frozenset[int] = frozenset()  # ISO weekdays, Monday is 1
    walk_time: datetime.time | None = None
    nudge_after_days: int | None = None
    morning_check_time: datetime.time | None = None
    quiet_from: datetime.time | None = None
    quiet_until: datetime.time | None = None
    plan_active: bool = False
    # The day the current quiet spell began: the last walk, or the day the current stage
    # started (or the plan resumed) if that is later. None: no plan and no walk.
    quiet_since: datetime.date | None = None
    # The clinic flags a patient after this many days without a walk; a nudge is only
    # worth sending before that.
    no_activity_days: int = 7
    # Days (recent ones are enough) with a walk logged, and those of them whose walk has
    # no next-morning check yet.
    walk_dates: frozenset[datetime.date] = frozenset()
    unchecked_walk_dates: frozenset[datetime.date] = frozenset()


@dataclass(frozen=True, order=True)
class Due:
    at: datetime.datetime  # UTC
    kind: str


def due_reminders(
    snapshot: Snapshot, since: datetime.datetime, now: datetime.datetime
) -> list[Due]:
    """The reminders whose moment falls in (since, now], at most LOOKBACK before now."""
    since = max(since, now - LOOKBACK)
    found = set()
    for day in _days_to_consider(snapshot.zone, since, now):
        for kind, moment in _moments_for_day(snapshot, day):
            at = _after_quiet_hours(snapshot, moment)
            if since < at <= now:
                found.add(Due(at, kind))
    return sorted(found)


def _days_to_consider(zone, since, now) -> list[datetime.date]:
    """The local days the window touches, and the day before: a moment in the evening of
    the day before can be moved past midnight by quiet hours."""
    first = since.astimezone(zone).date() - datetime.timedelta(days=1)
    last = now.astimezone(zone).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _moments_for_day(snapshot: Snapshot, day: datetime.date):
    """Each (kind, UTC moment) the patient asked for on a local day, before quiet hours."""
    if _walk_reminder_on(snapshot, day):
        yield ReminderKind.WALK, local_moment(day, snapshot.walk_time, snapshot.zone)
    if _nudge_on(snapshot, day):
        time = snapshot.walk_time or NUDGE_TIME_WITHOUT_WALK_TIME
        yield ReminderKind.NUDGE, local_moment(day, time, snapshot.zone)
    if _morning_check_on(snapshot, day):
        yield (
            ReminderKind.MORNING_CHECK,
            local_moment(day, snapshot.morning_check_time, snapshot.zone),
        )


def _walk_reminder_on(snapshot: Snapshot, day: datetime.date) -> bool:
    return (
        snapshot.plan_active
        and snapshot.walk_time is not None
        and day.isoweekday() in snapshot.walk_days
        and day not in snapshot.walk_dates  # already walked today: nothing to remind of
    )


def _nudge_on(snapshot: Snapshot, day: datetime.date) -> bool:
    """Once per quiet spell: on the day the patient reaches N days without a walk, and only
    when that comes before the clinic's own no-activity flag."""
    days = snapshot.nudge_after_days
    return (
        snapshot.plan_active
        and days is not None
        and days < snapshot.no_activity_days
        and snapshot.quiet_since is not None
        and day == snapshot.quiet_since + datetime.timedelta(days=days)
    )


def _morning_check_on(snapshot: Snapshot, day: datetime.date) -> bool:
    """The morning after a walk whose next-morning check is not done yet."""
    return (
        snapshot.morning_check_time is not None
        and day - datetime.timedelta(days=1) in snapshot.unchecked_walk_dates
    )


def is_quiet(time: datetime.time, start: datetime.time | None, end: datetime.time | None) -> bool:
    """Whether a time falls in quiet hours (none when either end is unset); they may run
    over midnight. The settings form asks the same of a reminder time the patient chose."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= time < end
    return time >= start or time < end  # over midnight


def _after_quiet_hours(snapshot: Snapshot, moment: datetime.datetime) -> datetime.datetime:
    """The moment itself, or the end of the quiet hours it falls in (see the module's
    docstring)."""
    local = moment.astimezone(snapshot.zone)
    if not is_quiet(local.time(), snapshot.quiet_from, snapshot.quiet_until):
        return moment
    day = local.date()
    if local.time() >= snapshot.quiet_until:  # the evening part of quiet hours over midnight
        day += datetime.timedelta(days=1)
    return local_moment(day, snapshot.quiet_until, snapshot.zone)
