"""The monthly recurrence question after discharge: when each month is asked, which month
is open on a day, and one patient's answers as days to a recurrence (or to the last answer).

Pure: plain dates and plain answers in, plain numbers out (no models), so the follow-up's
sending (follow_ups.py), its pages and the clinic's Kaplan-Meier curve (survival.py) all
count months and days the same way. docs/outcomes.md.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from patients.choices import RECURRENCE_LIMITATIONS

FOLLOW_UP_MONTHS = 12
# A "month" is 30 days: every patient is asked at the same intervals, whatever the calendar.
MONTH_DAYS = 30


def due_on(discharged_on: datetime.date, month: int) -> datetime.date:
    """The day month `month` (1..12) is asked: 30 days a month after discharge."""
    if not 1 <= month <= FOLLOW_UP_MONTHS:
        raise ValueError(f"month {month} is outside 1..{FOLLOW_UP_MONTHS}")
    return discharged_on + datetime.timedelta(days=MONTH_DAYS * month)


def closes_on(discharged_on: datetime.date, month: int) -> datetime.date:
    """The first day month `month` is no longer open: the next month's due day (the last
    month stays open 30 days too)."""
    return due_on(discharged_on, month) + datetime.timedelta(days=MONTH_DAYS)


def open_month(discharged_on: datetime.date, today: datetime.date) -> int | None:
    """The month whose question is open today, or None (before month 1, or past the year)."""
    days = (today - discharged_on).days
    month = days // MONTH_DAYS
    if 1 <= month <= FOLLOW_UP_MONTHS:
        return month
    return None


@dataclass(frozen=True)
class Answer:
    """One month's answer, as the follow-up stored it."""

    month: int
    due_on: datetime.date
    answered_on: datetime.date
    back_pain_over_a_day: bool | None
    limitation: str = ""
    started_on: datetime.date | None = None

    @property
    def is_recurrence(self) -> bool:
        return bool(self.back_pain_over_a_day) and self.limitation in RECURRENCE_LIMITATIONS


def event_day(answer: Answer, earliest: datetime.date) -> datetime.date:
    """The day a recurrence began: the start date the patient gave, kept between `earliest`
    (the due day of the last question they answered before, or the discharge) and the day
    they answered (a date outside that window was reported before, or is a slip); without
    one, the answer's due day."""
    if answer.started_on is None:
        return answer.due_on
    latest = max(answer.answered_on, earliest)
    return min(max(answer.started_on, earliest), latest)


def days_to_recurrence(
    discharged_on: datetime.date, answers: Iterable[Answer]
) -> tuple[int, bool] | None:
    """(days from discharge, event): to the first recurrence (True), or to the last answer
    (False, censored there: the last day the patient was known free of one); None when the
    patient never answered. The clinic's recurrence-free curve counts every patient so."""
    answered = sorted(answers, key=lambda answer: answer.month)
    if not answered:
        return None
    earliest = discharged_on
    for answer in answered:
        if answer.is_recurrence:
            return max((event_day(answer, earliest) - discharged_on).days, 0), True
        earliest = max(answer.due_on, discharged_on)
    last = max(answer.answered_on for answer in answered)
    return max((last - discharged_on).days, 0), False
