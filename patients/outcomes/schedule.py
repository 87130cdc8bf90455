"""Which outcome questionnaire is due for a patient on a day: pure, over plain dates.

- START is due on the plan's first day. Change needs a baseline, so while none has been
  answered START stays the questionnaire asked, however late.
- REVIEW falls due every `review_weeks` weeks from the plan's start while the plan is
  current (due on start + k weeks x review_weeks). A review not answered before the next
  one falls due is simply replaced by the next: a patient is never asked to catch up.
- DISCHARGE is due on the day the plan ended and stays open for `DISCHARGE_OPEN_DAYS`;
  once the plan has ended no review is asked.

A questionnaire is overdue more than `OVERDUE_DAYS` after it fell due (said kindly on the
patient's page; it never blocks anything). docs/outcomes.md.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from patients.choices import Occasion

DISCHARGE_OPEN_DAYS = 28
OVERDUE_DAYS = 7


@dataclass(frozen=True)
class Due:
    occasion: str
    due_on: datetime.date
    overdue: bool


def _due(occasion: str, due_on: datetime.date, today: datetime.date) -> Due:
    return Due(occasion, due_on, overdue=(today - due_on).days > OVERDUE_DAYS)


def latest_review_on(
    start: datetime.date, review_weeks: int, today: datetime.date
) -> datetime.date | None:
    """The most recent review day on or before today; None before the first one."""
    every = datetime.timedelta(weeks=review_weeks)
    reviews = (today - start) // every
    return start + reviews * every if reviews >= 1 else None


def questionnaire_due(
    *,
    start: datetime.date,
    ended_on: datetime.date | None,
    review_weeks: int,
    answered: Collection[tuple[str, datetime.date]],
    today: datetime.date,
) -> Due | None:
    """The questionnaire due today for a plan that started on `start` (and ended on
    `ended_on`, None while it is current), given the (occasion, due_on) pairs already
    answered; None when nothing is due."""
    answered = set(answered)
    if ended_on is not None:
        if (Occasion.DISCHARGE, ended_on) in answered or (today - ended_on).days > (
            DISCHARGE_OPEN_DAYS
        ):
            return None
        return _due(Occasion.DISCHARGE, ended_on, today) if today >= ended_on else None
    if today < start:
        return None
    if (Occasion.START, start) not in answered:
        return _due(Occasion.START, start, today)
    review_on = latest_review_on(start, review_weeks, today)
    if review_on is None or (Occasion.REVIEW, review_on) in answered:
        return None
    return _due(Occasion.REVIEW, review_on, today)
