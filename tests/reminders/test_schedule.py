"""Which reminder moments are due: the plain rules, run as the command runs them, every
few minutes over whole days, without a database."""

import datetime
import zoneinfo

import pytest

from patients.models import ReminderKind
from patients.reminders.schedule import LOOKBACK, Snapshot, due_reminders

LONDON = zoneinfo.ZoneInfo("Europe/London")
EVERY_DAY = frozenset(range(1, 8))
SPRING_CHANGE = datetime.date(2026, 3, 29)  # clocks go forward at 01:00 UTC
AUTUMN_CHANGE = datetime.date(2026, 10, 25)  # clocks go back at 01:00 UTC


def walker(**overrides) -> Snapshot:
    values = {
        "zone": LONDON,
        "walk_days": EVERY_DAY,
        "walk_time": datetime.time(7, 30),
        "plan_active": True,
    }
    return Snapshot(**{**values, **overrides})


def runs(first: datetime.date, last: datetime.date, every=datetime.timedelta(minutes=5)):
    """Each moment the command runs, from the start of `first` to the end of `last` (UTC)."""
    now = datetime.datetime.combine(first, datetime.time(), tzinfo=datetime.UTC)
    end = datetime.datetime.combine(last, datetime.time(23, 59), tzinfo=datetime.UTC)
    while now <= end:
        yield now
        now += every


def sent(snapshot: Snapshot, first: datetime.date, last: datetime.date, **kwargs) -> list:
    """Every distinct reminder the runs find (the database keeps one row per moment), each
    as (kind, local wall-clock time)."""
    found = set()
    for now in runs(first, last, **kwargs):
        found.update(due_reminders(snapshot, now - LOOKBACK, now))
    return sorted((due.at.astimezone(LONDON), due.kind) for due in found)


@pytest.mark.parametrize("change", [SPRING_CHANGE, AUTUMN_CHANGE], ids=["spring", "autumn"])
def test_seven_thirty_is_due_once_a_day_at_seven_thirty_across_a_clock_change(change):
    days = [change + datetime.timedelta(days=n) for n in (-1, 0, 1)]

    found = sent(walker(), days[0], days[-1])

    assert [(moment.date(), moment.time()) for moment, _kind in found] == [
        (day, datetime.time(7, 30)) for day in days
    ]
    assert {kind for _moment, kind in found} == {ReminderKind.WALK}


def test_running_every_minute_or_every_ten_finds_the_same_reminders():
    day = datetime.date(2026, 6, 3)

    every_minute = sent(walker(), day, day, every=datetime.timedelta(minutes=1))
    every_ten = sent(walker(), day, day, every=datetime.timedelta(minutes=10))

    assert every_minute == every_ten
    assert len(every_minute) == 1


def test_a_moment_missed_by_more_than_the_lookback_is_dropped():
    due_at = datetime.datetime(2026, 6, 3, 6, 30, tzinfo=datetime.UTC)  # 07:30 in London
    late = due_at + LOOKBACK + datetime.timedelta(minutes=1)

    assert due_reminders(walker(), due_at - datetime.timedelta(days=1), late) == []
    assert len(due_reminders(walker(), due_at - datetime.timedelta(days=1), due_at)) == 1


def test_walk_reminders_come_only_on_the_chosen_days():
    monday = datetime.date(2026, 6, 1)
    sunday = monday + datetime.timedelta(days=6)
    snapshot = walker(walk_days=frozenset({1, 3, 5}))

    found = sent(snapshot, monday, sunday)

    assert [moment.strftime("%a") for moment, _kind in found] == ["Mon", "Wed", "Fri"]


def test_no_walk_reminder_or_nudge_without_an_active_plan():
    """Paused, ended or no plan at all: the snapshot says only "not active"."""
    day = datetime.date(2026, 6, 3)
    snapshot = walker(
        plan_active=False, nudge_after_days=3, quiet_since=day - datetime.timedelta(days=3)
    )

    assert sent(snapshot, day, day) == []


def test_a_walk_logged_that_day_cancels_the_walk_reminder():
    day = datetime.date(2026, 6, 3)

    assert sent(walker(walk_dates=frozenset({day})), day, day) == []
    assert (
        len(sent(walker(walk_dates=frozenset({day - datetime.timedelta(days=1)})), day, day)) == 1
    )


def test_quiet_hours_move_a_reminder_to_their_end_the_same_morning():
    day = datetime.date(2026, 6, 3)
    snapshot = walker(
        walk_time=datetime.time(6, 30),
        quiet_from=datetime.time(22, 0),
        quiet_until=datetime.time(7, 0),
    )

    found = sent(snapshot, day, day)

    assert [moment.time() for moment, _kind in found] == [datetime.time(7, 0)]


def test_a_late_evening_reminder_in_quiet_hours_over_midnight_waits_for_the_next_morning():
    wednesday = datetime.date(2026, 6, 3)
    snapshot = walker(
        walk_days=frozenset({3}),
        walk_time=datetime.time(23, 0),
        quiet_from=datetime.time(22, 0),
        quiet_until=datetime.time(7, 0),
    )

    found = sent(snapshot, wednesday, wednesday + datetime.timedelta(days=1))

    assert [moment.replace(tzinfo=None) for moment, _kind in found] == [
        datetime.datetime(2026, 6, 4, 7, 0)
    ]


def test_quiet_hours_within_a_day_move_a_reminder_to_their_end():
    day = datetime.date(2026, 6, 3)
    snapshot = walker(
        walk_time=datetime.time(13, 15),
        quiet_from=datetime.time(13, 0),
        quiet_until=datetime.time(14, 0),
    )

    assert [moment.time() for moment, _kind in sent(snapshot, day, day)] == [datetime.time(14, 0)]


def test_the_nudge_comes_once_on_the_day_the_quiet_spell_reaches_its_length():
    last_walk = datetime.date(2026, 6, 1)
    snapshot = walker(
        walk_days=frozenset(), nudge_after_days=3, quiet_since=last_walk, no_activity_days=7
    )

    found = sent(snapshot, last_walk, last_walk + datetime.timedelta(days=10))

    assert [(moment.date(), moment.time(), kind) for moment, kind in found] == [
        (datetime.date(2026, 6, 4), datetime.time(7, 30), ReminderKind.NUDGE)
    ]


def test_the_nudge_without_a_walk_time_comes_at_ten():
    last_walk = datetime.date(2026, 6, 1)
    snapshot = walker(walk_time=None, nudge_after_days=2, quiet_since=last_walk)

    found = sent(snapshot, last_walk, last_walk + datetime.timedelta(days=4))

    assert [moment.time() for moment, _kind in found] == [datetime.time(10, 0)]


def test_no_nudge_when_the_clinic_flags_the_quiet_spell_first():
    last_walk = datetime.date(2026, 6, 1)
    snapshot = walker(
        walk_days=frozenset(), nudge_after_days=7, quiet_since=last_walk, no_activity_days=7
    )

    assert sent(snapshot, last_walk, last_walk + datetime.timedelta(days=10)) == []


def test_the_next_morning_reminder_follows_a_walk_not_yet_checked():
    walked = datetime.date(2026, 6, 1)
    snapshot = walker(
        walk_days=frozenset(),
        morning_check_time=datetime.time(9, 0),
        walk_dates=frozenset({walked}),
        unchecked_walk_dates=frozenset({walked}),
        plan_active=False,  # a paused plan still gets it: the walk was logged
    )

    found = sent(snapshot, walked, walked + datetime.timedelta(days=3))

    assert [(moment.date(), moment.time(), kind) for moment, kind in found] == [
        (datetime.date(2026, 6, 2), datetime.time(9, 0), ReminderKind.MORNING_CHECK)
    ]


def test_no_next_morning_reminder_once_the_check_is_done():
    walked = datetime.date(2026, 6, 1)
    snapshot = walker(
        walk_days=frozenset(),
        morning_check_time=datetime.time(9, 0),
        walk_dates=frozenset({walked}),
    )

    assert sent(snapshot, walked, walked + datetime.timedelta(days=3)) == []
