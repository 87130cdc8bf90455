"""Which questionnaire is due on a day: start, reviews every few weeks, discharge."""

import datetime

from patients.choices import Occasion
from patients.outcomes.schedule import Due, questionnaire_due

START = datetime.date(2026, 3, 2)


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


def due(today, *, answered=(), ended_on=None, weeks=4):
    return questionnaire_due(
        start=START, ended_on=ended_on, review_weeks=weeks, answered=answered, today=today
    )


BASELINE = {(Occasion.START, START)}


def test_the_start_questionnaire_is_due_on_the_plans_first_day():
    assert due(START) == Due(Occasion.START, START, overdue=False)


def test_nothing_is_due_before_the_plan_starts():
    assert due(day(-1)) is None


def test_the_start_stays_the_one_asked_until_answered_and_is_overdue_after_a_week():
    assert due(day(7)) == Due(Occasion.START, START, overdue=False)
    assert due(day(8)) == Due(Occasion.START, START, overdue=True)
    # Even past the first review: change needs a baseline.
    assert due(day(30)) == Due(Occasion.START, START, overdue=True)


def test_once_the_start_is_answered_nothing_is_due_until_the_first_review():
    assert due(day(1), answered=BASELINE) is None
    assert due(day(27), answered=BASELINE) is None


def test_a_review_falls_due_every_n_weeks_from_the_start():
    assert due(day(28), answered=BASELINE) == Due(Occasion.REVIEW, day(28), overdue=False)
    assert due(day(36), answered=BASELINE) == Due(Occasion.REVIEW, day(28), overdue=True)
    answered = BASELINE | {(Occasion.REVIEW, day(28))}
    assert due(day(40), answered=answered) is None
    assert due(day(56), answered=answered) == Due(Occasion.REVIEW, day(56), overdue=False)


def test_a_missed_review_is_replaced_by_the_next():
    assert due(day(57), answered=BASELINE) == Due(Occasion.REVIEW, day(56), overdue=False)


def test_the_clinics_interval_sets_the_reviews():
    assert due(day(14), answered=BASELINE, weeks=2) == Due(Occasion.REVIEW, day(14), False)
    assert due(day(14), answered=BASELINE, weeks=6) is None


def test_a_discharge_is_due_when_the_plan_ends_and_replaces_any_review():
    ended = day(60)
    assert due(ended, answered=BASELINE, ended_on=ended) == Due(Occasion.DISCHARGE, ended, False)
    # Asked without a baseline too: the rating of change and the pain need none.
    assert due(day(62), ended_on=ended) == Due(Occasion.DISCHARGE, ended, overdue=False)


def test_the_discharge_questionnaire_is_open_for_four_weeks():
    ended = day(60)
    assert due(ended + datetime.timedelta(days=8), ended_on=ended).overdue is True
    assert due(ended + datetime.timedelta(days=28), ended_on=ended) is not None
    assert due(ended + datetime.timedelta(days=29), ended_on=ended) is None


def test_an_answered_discharge_is_not_asked_again():
    ended = day(60)
    assert due(day(61), ended_on=ended, answered={(Occasion.DISCHARGE, ended)}) is None
