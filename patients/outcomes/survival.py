"""The Kaplan-Meier estimator of recurrence-free days, with its confidence band and median.

Pure: plain (days, event) pairs in, plain numbers out, so each step can be checked by hand
against a textbook example (tests/outcomes/test_survival.py works the Freireich 6-MP
data through). docs/outcomes.md says why each choice was made:

- S(t) is the product over event times up to t of (1 - d/n): d events among the n still
  at risk just before t.
- Ties: at one time, events come before censorings, so a person censored on the day of an
  event still counts as at risk for it (the usual convention).
- Greenwood's variance: Var S(t) = S(t)^2 * sum d / (n (n - d)).
- The 95% band by the log-log transform (Kalbfleisch and Prentice), which stays inside
  [0, 1] where the plain band would not. Where S is 1 (nothing has happened yet) or 0
  (nobody is left) the transform has no standard error: the band is undefined there
  (None), never a zero-width interval.
- The median: the first time S(t) <= 0.5; its 95% interval runs from the first time the
  band's lower edge reaches 0.5 to the first time its upper edge does (Brookmeyer and
  Crowley, by the same band). A time the curve never reaches is "not reached" (None).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # the two-sided 95% point of the standard normal


@dataclass(frozen=True)
class Step:
    """The curve at one distinct time in the data (an event, a censoring, or both)."""

    days: int
    at_risk: int
    events: int
    censored: int
    survival: float
    std_error: float | None  # Greenwood's; None once S is 0 (or nothing happened yet)
    lower: float | None  # None: the band cannot be worked out (S is 1 or 0)
    upper: float | None


@dataclass(frozen=True)
class Median:
    days: int | None  # None: not reached
    lower: int | None
    upper: int | None  # None: not reached

    @property
    def interval_known(self) -> bool:
        """False when the median is reached but its interval cannot be worked out: the band
        is undefined where the curve crosses a half (it fell to 0 there), or both edges
        cross on one day (a zero-width interval says nothing)."""
        if self.days is None:
            return True
        return self.lower is not None and self.lower != self.upper


@dataclass(frozen=True)
class Curve:
    steps: list[Step]
    patients: int
    events: int

    def survival_at(self, days: float) -> float:
        """S(days): the curve is a step function, constant between times."""
        value = 1.0
        for step in self.steps:
            if step.days > days:
                break
            value = step.survival
        return value


def _log_log_band(survival: float, greenwood_sum: float) -> tuple[float | None, float | None]:
    """The 95% band at one time by the log-log transform, bounded in [0, 1].

    With v = sum d/(n(n-d)), the standard error of log(-log S) is
    sqrt(v) / |log S|, and the band is S ** exp(-/+ z * that). At S = 1 or S = 0 log(-log S)
    is not finite: no band (None, None).
    """
    if survival >= 1.0 or survival <= 0.0:
        return None, None
    log_s = math.log(survival)
    spread = Z_95 * math.sqrt(greenwood_sum) / abs(log_s)
    return survival ** math.exp(spread), survival ** math.exp(-spread)


def kaplan_meier(observations: Iterable[tuple[int, bool]]) -> Curve:
    """The curve over (days, event) pairs: event True for a recurrence on that day, False
    for a person last seen free of one on that day (censored)."""
    pairs = sorted((int(days), bool(event)) for days, event in observations)
    at_risk = len(pairs)
    survival, greenwood_sum = 1.0, 0.0
    steps: list[Step] = []
    index = 0
    while index < len(pairs):
        days = pairs[index][0]
        events = censored = 0
        while index < len(pairs) and pairs[index][0] == days:
            events += pairs[index][1]
            censored += not pairs[index][1]
            index += 1
        # Events first: everyone censored on this day was still at risk for them.
        if events:
            survival *= 1 - events / at_risk
            if at_risk > events:
                greenwood_sum += events / (at_risk * (at_risk - events))
        if survival > 0 and greenwood_sum > 0:
            std_error = survival * math.sqrt(greenwood_sum)
        else:
            std_error = None
        lower, upper = _log_log_band(survival, greenwood_sum)
        steps.append(Step(days, at_risk, events, censored, survival, std_error, lower, upper))
        at_risk -= events + censored
    return Curve(steps=steps, patients=len(pairs), events=sum(event for _, event in pairs))


def _first_at_or_below(curve: Curve, value_of, threshold: float = 0.5) -> int | None:
    """The first event day whose value is at or below the threshold; a day with no value
    (the band undefined) is skipped."""
    for step in curve.steps:
        value = value_of(step)
        if step.events and value is not None and value <= threshold:
            return step.days
    return None


def median(curve: Curve) -> Median:
    """The median recurrence-free days and its 95% interval (None where not reached)."""
    return Median(
        days=_first_at_or_below(curve, lambda step: step.survival),
        lower=_first_at_or_below(curve, lambda step: step.lower),
        upper=_first_at_or_below(curve, lambda step: step.upper),
    )


def at_risk_at(observations: Iterable[tuple[int, bool]], days: Sequence[int]) -> list[int]:
    """How many were still followed (neither recurred nor censored before) at each day."""
    times = [int(time) for time, _event in observations]
    return [sum(1 for time in times if time >= day) for day in days]
