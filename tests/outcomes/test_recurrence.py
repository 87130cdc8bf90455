"""The follow-up's months and a patient's days to a recurrence, over plain dates."""

import datetime

import pytest

from patients.choices import Limitation
from patients.outcomes.recurrence import (
    Answer,
    closes_on,
    days_to_recurrence,
    due_on,
    event_day,
    open_month,
)

DISCHARGED = datetime.date(2026, 1, 1)


def day(n: int) -> datetime.date:
    return DISCHARGED + datetime.timedelta(days=n)


def answer(month, *, answered=None, pain=False, limitation="", started=None) -> Answer:
    due = due_on(DISCHARGED, month)
    return Answer(
        month=month,
        due_on=due,
        answered_on=answered or due + datetime.timedelta(days=2),
        back_pain_over_a_day=pain,
        limitation=limitation,
        started_on=started,
    )


def test_month_n_is_due_30_days_a_month_after_discharge_and_open_until_the_next():
    assert due_on(DISCHARGED, 1) == day(30)
    assert due_on(DISCHARGED, 12) == day(360)
    assert closes_on(DISCHARGED, 1) == due_on(DISCHARGED, 2)
    assert closes_on(DISCHARGED, 12) == day(390)
    with pytest.raises(ValueError):
        due_on(DISCHARGED, 13)


@pytest.mark.parametrize(
    ("days", "month"),
    [
        (0, None),
        (29, None),
        (30, 1),
        (59, 1),
        (60, 2),
        (359, 11),
        (360, 12),
        (389, 12),
        (390, None),
    ],
)
def test_the_open_month_on_a_day(days, month):
    assert open_month(DISCHARGED, day(days)) == month


def test_never_answered_is_no_data():
    assert days_to_recurrence(DISCHARGED, []) is None


def test_answers_without_a_recurrence_are_censored_at_the_last_answer():
    answers = [answer(2, answered=day(65)), answer(1, answered=day(31))]
    assert days_to_recurrence(DISCHARGED, answers) == (65, False)


def test_a_little_limitation_is_not_a_recurrence():
    answers = [answer(1, answered=day(33), pain=True, limitation=Limitation.A_LITTLE)]
    assert days_to_recurrence(DISCHARGED, answers) == (33, False)


def test_a_recurrence_without_a_start_date_counts_from_the_months_due_day():
    answers = [
        answer(1, answered=day(31)),
        answer(2, answered=day(70), pain=True, limitation=Limitation.MODERATELY),
        answer(3, answered=day(95), pain=True, limitation=Limitation.A_LOT),
    ]
    assert days_to_recurrence(DISCHARGED, answers) == (60, True)


def test_a_recurrence_with_a_start_date_counts_from_it():
    answers = [answer(2, answered=day(70), pain=True, limitation=Limitation.A_LOT, started=day(45))]
    assert days_to_recurrence(DISCHARGED, answers) == (45, True)


def test_a_start_date_before_the_previous_question_is_kept_to_its_due_day():
    late = answer(3, answered=day(95), pain=True, limitation=Limitation.A_LOT, started=day(10))
    assert event_day(late, day(60)) == day(60)
    assert days_to_recurrence(DISCHARGED, [answer(2), late]) == (60, True)


def test_a_skipped_month_leaves_its_days_to_the_next_answer():
    # Month 2 was never answered: an episode that began in it (day 45) is reported in
    # month 3 and kept, bounded only by month 1, the last question answered.
    late = answer(3, answered=day(95), pain=True, limitation=Limitation.A_LOT, started=day(45))
    assert days_to_recurrence(DISCHARGED, [answer(1), late]) == (45, True)


def test_a_start_date_before_discharge_is_kept_to_discharge():
    first = answer(1, answered=day(35), pain=True, limitation=Limitation.A_LOT, started=day(-20))
    assert days_to_recurrence(DISCHARGED, [first]) == (0, True)


def test_a_start_date_after_the_answer_is_kept_to_the_answer_day():
    future = answer(1, answered=day(35), pain=True, limitation=Limitation.A_LOT, started=day(80))
    assert days_to_recurrence(DISCHARGED, [future]) == (35, True)
