"""The Kaplan-Meier estimator against the textbook's worked example, worked again here.

The Freireich et al. (Blood 1963) 6-MP arm: remission times in weeks, * censored. Its
Kaplan-Meier table is in most survival textbooks (e.g. Kleinbaum and Klein, Survival
Analysis, chapter 2): S(6)=0.857, S(7)=0.807, S(10)=0.753, S(13)=0.690, S(16)=0.627,
S(22)=0.538, S(23)=0.448, median 23. The expected values below are worked from each
time's n at risk and d events, so a reader can follow the arithmetic.
"""

import math

import pytest

from patients.outcomes.survival import Median, at_risk_at, kaplan_meier, median
from patients.survival_chart import survival_chart

# (time, event): False marks the censored times (6*, 9*, 10*, 11*, 17*, ...).
SIX_MP = [
    (6, True), (6, True), (6, True), (6, False), (7, True), (9, False), (10, True),
    (10, False), (11, False), (13, True), (16, True), (17, False), (19, False),
    (20, False), (22, True), (23, True), (25, False), (32, False), (32, False),
    (34, False), (35, False),
]  # fmt: skip

# At each event time: (n at risk just before, d events). Censorings at 6 and 10 come after
# the events there, so those people are still at risk for them.
EVENT_TIMES = {
    6: (21, 3),
    7: (17, 1),
    10: (15, 1),
    13: (12, 1),
    16: (11, 1),
    22: (7, 1),
    23: (6, 1),
}


def by_hand():
    """S(t) and Greenwood's sum at each event time, multiplied out step by step."""
    survival, greenwood, table = 1.0, 0.0, {}
    for time, (n, d) in EVENT_TIMES.items():
        survival *= (n - d) / n  # 18/21, then x 16/17, x 14/15, x 11/12, x 10/11, x 6/7, x 5/6
        greenwood += d / (n * (n - d))  # 3/(21*18), 1/(17*16), 1/(15*14), ...
        table[time] = (survival, survival * math.sqrt(greenwood))
    return table


def test_the_curve_matches_the_published_table():
    curve = kaplan_meier(SIX_MP)
    published = {6: 0.857, 7: 0.807, 10: 0.753, 13: 0.690, 16: 0.627, 22: 0.538, 23: 0.448}
    worked = by_hand()
    steps = {step.days: step for step in curve.steps}
    for time, value in published.items():
        assert steps[time].survival == pytest.approx(worked[time][0])
        assert round(steps[time].survival, 3) == value
        assert (steps[time].at_risk, steps[time].events) == EVENT_TIMES[time]
    assert curve.patients == 21 and curve.events == 9
    # Between times the curve holds its value; the censored times do not move it.
    assert curve.survival_at(9) == pytest.approx(worked[7][0])
    assert curve.survival_at(35) == pytest.approx(worked[23][0])
    assert curve.survival_at(5) == 1.0


def test_greenwood_standard_errors():
    curve = kaplan_meier(SIX_MP)
    steps = {step.days: step for step in curve.steps}
    worked = by_hand()
    # 0.857 * sqrt(3/378) = 0.0764; the textbook's 0.0764, 0.0869, 0.1068, 0.1346.
    for time, published in {6: 0.0764, 7: 0.0869, 13: 0.1068, 23: 0.1346}.items():
        assert steps[time].std_error == pytest.approx(worked[time][1])
        assert round(steps[time].std_error, 4) == published


def test_the_log_log_band_at_13_weeks_worked_by_hand():
    step = {step.days: step for step in kaplan_meier(SIX_MP).steps}[13]
    s = 0.857142857 * 16 / 17 * 14 / 15 * 11 / 12
    v = 3 / (21 * 18) + 1 / (17 * 16) + 1 / (15 * 14) + 1 / (12 * 11)
    spread = 1.959964 * math.sqrt(v) / abs(math.log(s))  # se of log(-log S), times z
    assert step.lower == pytest.approx(s ** math.exp(spread), rel=1e-5)  # 0.431
    assert step.upper == pytest.approx(s ** math.exp(-spread), rel=1e-5)  # 0.849
    assert 0 <= step.lower < step.survival < step.upper <= 1


def test_the_median_and_its_interval():
    # The median is 23 (the first S <= 0.5: 0.448). The band's lower edge first drops to
    # 0.5 at 13 (0.431; at 10 it is 0.503); its upper edge never does (0.680 at 23), so
    # the upper limit is not reached, as R's survfit(conf.type = "log-log") reports.
    result = median(kaplan_meier(SIX_MP))
    assert (result.days, result.lower, result.upper) == (23, 13, None)


def test_numbers_at_risk_at_given_times():
    # At 0 all 21; at 10 the 15 followed for 10 weeks or more; at 30 the four of 32, 32,
    # 34 and 35; past 35 nobody.
    assert at_risk_at(SIX_MP, [0, 10, 20, 30, 36]) == [21, 15, 8, 4, 0]


def test_no_data():
    curve = kaplan_meier([])
    assert curve.steps == [] and curve.patients == 0
    assert median(curve).days is None
    assert at_risk_at([], [0, 60]) == [0, 0]


def test_all_censored_never_reaches_the_median():
    curve = kaplan_meier([(30, False), (60, False), (90, False)])
    assert [step.survival for step in curve.steps] == [1.0, 1.0, 1.0]
    assert all(step.std_error is None for step in curve.steps)
    assert median(curve) == median(curve).__class__(None, None, None)


def test_all_events_at_one_time():
    curve = kaplan_meier([(40, True)] * 5)
    (step,) = curve.steps
    assert (step.at_risk, step.events, step.survival) == (5, 5, 0.0)
    # Nobody is left: no standard error and no band (never a zero-width "0 - 0").
    assert step.std_error is None and (step.lower, step.upper) == (None, None)
    result = median(curve)
    assert result.days == 40 and not result.interval_known


def test_no_band_before_the_first_recurrence():
    # At S = 1 log(-log S) is not finite: the band is undefined, not "100% - 100%".
    first, second = kaplan_meier([(10, False), (20, True), (30, False)]).steps[:2]
    assert (first.survival, first.lower, first.upper) == (1.0, None, None)
    assert second.lower is not None and second.lower < second.survival < second.upper


def test_a_median_interval_of_no_width_cannot_be_worked_out():
    # Both edges first cross a half on one day: the interval says nothing.
    assert not Median(days=25, lower=25, upper=25).interval_known
    assert Median(days=23, lower=13, upper=None).interval_known
    assert Median(days=None, lower=None, upper=None).interval_known


def test_the_chart_stops_on_the_last_day_followed_and_labels_the_trial():
    # Followed to day 100 at most: the line ends there, not at the axis' 365 days.
    curve = kaplan_meier([(20, True), (50, False), (60, True), (80, False), (100, True)])
    chart = survival_chart(curve, [(0, 5)])
    end_x = float(chart["curve"].split(" L ")[-1].split()[0])
    assert end_x == round(60 + 316 * 100 / 365, 1)  # day 100, not 365
    # The last person's drop to 0% is drawn (y of 0% is the plot's bottom) and nothing after.
    assert chart["curve"].endswith(f"{end_x} {float(chart['bottom'])}")
    # The band ends where the share falls to 0: no band at S = 0.
    band_xs = {float(point.split()[0]) for point in chart["band"][2:-2].split(" L ")}
    assert max(band_xs) == end_x and min(band_xs) == round(60 + 316 * 20 / 365, 1)
    assert [mark["arm"] for mark in chart["trial"]] == ["walking", "usual_care"]


def test_the_chart_of_a_curve_that_never_drops_has_no_band():
    chart = survival_chart(kaplan_meier([(30, False), (90, False)]), [(0, 2)])
    assert chart["band"] == "" and chart["curve"].endswith(f"{round(60 + 316 * 90 / 365, 1)} 30.0")


def test_an_event_and_a_censoring_on_one_day():
    # The censored person counts at risk for the event: S = 1 - 1/4, not 1 - 1/3.
    curve = kaplan_meier([(10, True), (10, False), (20, True), (30, False)])
    first, second, third = curve.steps
    assert (first.at_risk, first.events, first.censored) == (4, 1, 1)
    assert first.survival == pytest.approx(3 / 4)
    assert second.at_risk == 2 and second.survival == pytest.approx(3 / 4 * 1 / 2)
    assert third.at_risk == 1 and third.survival == second.survival
    assert median(curve).days == 20
