"""The report's governance figures, against values worked out by hand."""

import datetime

import pytest

from patients.safety import oversight
from patients.safety.oversight import FlagRow

T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)  # a Monday
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def minutes(value: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=value)


def row(pk, rule="severe_pain", severity="review", **fields) -> FlagRow:
    values = {
        "status": "open",
        "opened_at": T0,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "resolved_at": None,
        "resolved_by": None,
        "resolution_action": "",
        "resolved_against_warning": False,
        "escalated_at": None,
        "window_minutes": 60,
        "zone": "Europe/London",
        "patient": "p1",
        "clinician": 1,
    }
    values.update(fields)
    return FlagRow(pk, rule, severity, **values)


def resolved(pk, action, rule="severe_pain", **fields) -> FlagRow:
    fields.setdefault("acknowledged_at", T0 + minutes(10))
    fields.setdefault("resolved_at", T0 + HOUR)
    return row(pk, rule, status="resolved", resolution_action=action, **fields)


def test_plan_weeks_count_the_days_each_plan_overlaps_the_period():
    first, last = datetime.date(2026, 11, 1), datetime.date(2026, 11, 28)  # 28 days
    plans = [
        (datetime.date(2026, 10, 1), None),  # the whole period: 28 days
        (datetime.date(2026, 11, 15), None),  # from the 15th: 14 days
        (datetime.date(2026, 10, 1), datetime.date(2026, 11, 7)),  # ended on the 7th: 7 days
        (datetime.date(2026, 9, 1), datetime.date(2026, 10, 31)),  # ended before: 0
        (datetime.date(2026, 12, 1), None),  # starts after: 0
    ]

    assert oversight.plan_weeks(plans, first, last) == pytest.approx((28 + 14 + 7) / 7)


def test_rule_rates_per_100_patient_weeks_and_action_shares_by_hand():
    rows = [
        resolved(1, "hold", patient="a"),
        resolved(2, "step_back", patient="b"),
        resolved(3, "refer", patient="c"),
        resolved(4, "continue", patient="d"),
        resolved(5, "advance", patient="e"),  # advance after a flag is not an action
        row(6, patient="f"),  # open: not in the action share
        resolved(7, "continue", rule="flare"),
    ]

    figures = {figure.rule: figure for figure in oversight.rule_figures(rows, patient_weeks=40)}

    pain = figures["severe_pain"]
    assert (pain.flags, pain.resolved, pain.acted) == (6, 5, 3)
    assert pain.per_100_weeks == pytest.approx(100 * 6 / 40)  # 15 per 100 patient-weeks
    assert pain.action_share == pytest.approx(3 / 5)
    assert figures["flare"].per_100_weeks == pytest.approx(2.5)
    assert figures["flare"].action_share == 0


def test_no_patient_weeks_means_no_rate_rather_than_a_division_by_zero():
    (figure,) = oversight.rule_figures([row(1)], patient_weeks=0)

    assert figure.per_100_weeks is None
    assert figure.action_share is None


def test_reopened_means_the_same_rule_for_the_same_patient_within_seven_days_of_resolution():
    resolved_at = T0 + HOUR
    rows = [
        resolved(1, "continue", resolved_at=resolved_at),
        row(2, opened_at=resolved_at + 7 * DAY),  # on the seventh day: re-opened
        resolved(3, "continue", patient="q", resolved_at=resolved_at),
        row(4, patient="q", opened_at=resolved_at + 7 * DAY + minutes(1)),  # too late
        resolved(5, "continue", patient="r", resolved_at=resolved_at),
        row(6, "flare", patient="r", opened_at=resolved_at + DAY),  # another rule
        row(7, patient="s", escalated_at=T0 + HOUR),  # escalated
    ]

    assert oversight.reopened(rows) == {1}
    (figure,) = [f for f in oversight.rule_figures(rows, 10) if f.rule == "severe_pain"]
    assert figure.reopened_or_escalated == 2  # flags 1 and 7
    assert figure.reopened_share == pytest.approx(2 / 6)


def test_median_minutes_to_acknowledge_per_rule_over_acknowledged_flags_only():
    rows = [
        row(1, acknowledged_at=T0 + minutes(10)),
        row(2, acknowledged_at=T0 + minutes(30)),
        row(3, acknowledged_at=T0 + minutes(200)),
        row(4),
    ]

    (figure,) = oversight.rule_figures(rows, 10)

    assert (figure.acknowledged, figure.median_minutes) == (3, 30)


NOW = T0 + 3 * HOUR


@pytest.mark.parametrize(
    ("flag", "expected"),
    [
        (row(1, severity="urgent", acknowledged_at=T0 + minutes(60)), False),  # on the dot
        (row(2, severity="urgent", acknowledged_at=T0 + minutes(61)), True),
        (row(3, severity="same_day", window_minutes=240), False),  # waiting, window open
        (row(4, severity="same_day"), True),  # not acknowledged and the window has passed
        (row(5, severity="review"), False),  # review flags have no window
    ],
)
def test_breach_of_the_clinics_window(flag, expected):
    assert oversight.breached(flag, NOW) is expected


def test_safety_events_say_why_and_list_the_unreviewed_first_then_the_newest():
    rows = [
        row(1, severity="urgent", acknowledged_at=T0 + minutes(90)),
        row(2, severity="same_day", opened_at=T0 + HOUR, reviewed=True, escalated_at=NOW),
        row(3, severity="urgent", opened_at=NOW - minutes(5), undelivered=True),
        resolved(
            4,
            "advance",
            severity="same_day",
            opened_at=T0 + 2 * HOUR,
            acknowledged_at=T0 + 2 * HOUR,
            resolved_at=NOW,
            resolved_against_warning=True,
        ),
        resolved(5, "hold", severity="urgent", resolved_against_warning=True),  # acted
        row(6, severity="review", escalated_at=NOW, undelivered=True),  # not urgent/same day
    ]

    events = oversight.safety_events(rows, NOW)
    hidden = oversight.safety_events(rows, NOW, hide_reviewed=True)

    assert [(event.row.pk, event.reasons) for event in events.shown] == [
        (3, ["undelivered"]),
        (4, ["carried_on"]),
        (1, ["late"]),
        (2, ["unacknowledged", "escalated"]),
    ]
    assert (events.total, events.reviewed, events.rest) == (4, 1, 0)
    assert [event.row.pk for event in hidden.shown] == [3, 4, 1]
    assert hidden.rest == 0


def test_the_safety_list_is_kept_short_and_counts_the_rest():
    rows = [row(index, severity="urgent") for index in range(25)]

    events = oversight.safety_events(rows, NOW)

    assert (len(events.shown), events.rest) == (oversight.EVENTS_SHOWN, 5)


def test_weeks_start_on_monday_in_the_clinics_calendar():
    # Sunday 8 November at 23:30 UTC is already Monday 9 November in Sydney.
    late_sunday = datetime.datetime(2026, 11, 8, 23, 30, tzinfo=datetime.UTC)
    rows = [
        row(1, severity="urgent", acknowledged_at=T0 + minutes(20)),
        row(2, severity="urgent", acknowledged_at=T0 + minutes(80)),
        row(3, severity="review", opened_at=late_sunday),
        row(4, severity="info", opened_at=late_sunday, zone="Australia/Sydney"),
        # Raised ten minutes ago: counted, but neither in time nor late yet.
        row(5, severity="urgent", opened_at=NOW - minutes(10)),
    ]

    weeks = oversight.weekly(rows, datetime.date(2026, 11, 4), datetime.date(2026, 11, 18), NOW)

    assert [week.start for week in weeks] == [
        datetime.date(2026, 11, 2),
        datetime.date(2026, 11, 9),
        datetime.date(2026, 11, 16),
    ]
    # Columns: urgent, same day, review, info.
    assert [week.counts for week in weeks] == [[3, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
    assert (weeks[0].urgent_in_window, weeks[0].urgent) == (1, 2)
    assert weeks[1].urgent_share is None


def test_the_period_is_the_chosen_dates_else_from_the_first_flag_else_twelve_weeks_to_today():
    today = datetime.date(2026, 11, 30)
    rows = [row(1), row(2, opened_at=T0 - 10 * DAY)]

    chosen = oversight.report_period(
        rows, date_from=datetime.date(2026, 1, 1), date_to=None, today=today
    )
    from_flags = oversight.report_period(rows, date_from=None, date_to=None, today=today)
    empty = oversight.report_period([], date_from=None, date_to=None, today=today)

    assert chosen == (datetime.date(2026, 1, 1), today)
    assert from_flags == (datetime.date(2026, 10, 23), today)
    assert empty == (datetime.date(2026, 9, 8), today)
    assert (empty[1] - empty[0]).days + 1 == 12 * 7


def test_the_period_never_runs_past_today_nor_past_the_calendar():
    today = datetime.date(2026, 11, 30)

    far = oversight.report_period(
        [], date_from=datetime.date.min, date_to=datetime.date.max, today=today
    )
    early = oversight.report_period(
        [], date_from=None, date_to=datetime.date(1, 1, 20), today=today
    )

    assert far == (datetime.date.min, today)
    assert early == (datetime.date.min, datetime.date(1, 1, 20))


def test_the_weeks_start_at_the_first_flag_when_the_chosen_start_is_long_before():
    weeks = oversight.weekly([row(1)], datetime.date.min, datetime.date(2026, 11, 20), NOW)
    empty = oversight.weekly([], datetime.date.min, datetime.date(2026, 11, 29), NOW)

    assert [week.start for week in weeks] == [
        datetime.date(2026, 11, 2),
        datetime.date(2026, 11, 9),
        datetime.date(2026, 11, 16),
    ]
    assert len(empty) == 12


def test_per_clinician_open_flags_handled_flags_and_median_in_order_of_name():
    rows = [
        row(1, clinician=1),  # open, Zoe's patient
        row(2, clinician=1),
        row(3, clinician=2, status="acknowledged", acknowledged_by=1,
            acknowledged_at=T0 + minutes(10)),  # Zoe covers for Amy
        resolved(4, "hold", clinician=2, acknowledged_by=2, resolved_by=2,
                 acknowledged_at=T0 + minutes(40)),
        resolved(5, "hold", clinician=2, acknowledged_by=2, resolved_by=3,
                 acknowledged_at=T0 + minutes(20)),
    ]  # fmt: skip

    figures = oversight.clinician_figures(rows, {1: "Zoe Z", 2: "Amy A", 3: "Bob B"})

    assert [(f.name, f.open, f.handled, f.median_minutes) for f in figures] == [
        ("Amy A", 0, 2, 30),
        ("Bob B", 0, 1, None),
        ("Zoe Z", 2, 1, 10),
    ]
