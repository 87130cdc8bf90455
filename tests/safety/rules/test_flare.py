"""Flare not settling: pain up on two days within a week, two unsettled mornings, or "a flare"."""

import datetime

import pytest

from patients.choices import Rule, Severity
from patients.safety.rules import Baseline, Report, Thresholds
from patients.safety.trends import Entry, Recent, flare, median_before

DAY = datetime.date(2026, 11, 23)
USUAL = Baseline(usual_pain=3)
ONE_DAY = datetime.timedelta(days=1)


def days_ago(days: int) -> datetime.date:
    return DAY - datetime.timedelta(days=days)


def pains(*entries) -> Recent:
    return Recent(pains=tuple(Entry(days_ago(back), pain) for back, pain in entries))


@pytest.mark.parametrize(
    ("earlier", "now_pain", "fires"),
    [
        ([(1, 5)], 5, True),  # 5 is usual 3 + 2, on two days
        ([(1, 5)], 4, False),  # today only 1 above usual
        ([(0, 6)], 6, False),  # the same day twice is one bad day
        ([(6, 6)], 6, True),  # six days apart: within one week
        ([(7, 6)], 6, False),  # seven days apart: not within a week
        ([(1, 4)], 6, False),  # the other day was not up enough
        ([], 9, False),  # one noisy reading is not a flare
    ],
)
def test_a_flare_needs_raised_pain_on_two_days_within_a_week(earlier, now_pain, fires):
    finding = flare(Report(pain=now_pain, day=DAY), USUAL, pains(*earlier))

    assert (finding is not None) == fires
    if fires:
        assert finding.rule == Rule.FLARE
        assert finding.severity == Severity.REVIEW


def test_the_other_bad_day_may_come_after_this_one():
    """Yesterday's walk logged after today's: the days are what count, not the order."""
    later = Recent(pains=(Entry(DAY + datetime.timedelta(days=1), 6),))

    finding = flare(Report(pain=6, day=DAY), USUAL, later)

    assert finding.evidence["other_day"] == (DAY + datetime.timedelta(days=1)).isoformat()


def test_high_usual_pain_can_still_flare_without_the_old_thirty_percent_condition():
    high = Baseline(usual_pain=8)

    assert flare(Report(pain=10, day=DAY), high, pains((1, 10))) is not None


def test_a_rise_against_the_14_day_median_counts_when_the_patient_had_improved():
    # Usual 6 at enrolment, but 2 for the last two weeks: 4 on two days is a rise of 2.
    improved = Baseline(usual_pain=6)
    recent = pains(*[(back, 2) for back in range(2, 14)], (1, 4))

    finding = flare(Report(pain=4, day=DAY), improved, recent)

    assert finding is not None
    assert finding.evidence["median_14_days"] == 2
    assert finding.evidence["threshold"] == 4


def test_the_median_is_over_the_14_days_before_the_report():
    recent = pains((15, 9), (14, 1), (3, 3), (1, 5), (0, 9))

    assert median_before(recent, DAY) == 3  # 1, 3, 5: day 15 and today are outside


def test_usual_pain_decides_when_it_is_below_the_median():
    finding = flare(Report(pain=5, day=DAY), USUAL, pains((1, 5)))

    assert finding.evidence["median_14_days"] == 5
    assert finding.evidence["threshold"] == 5
    assert "usual 3" in finding.summary


def test_without_earlier_entries_the_median_is_unknown():
    assert median_before(Recent(), DAY) is None


def test_a_clinics_own_rise_is_used():
    strict = Baseline(usual_pain=3, limits=Thresholds(flare_rise=3))

    assert flare(Report(pain=5, day=DAY), strict, pains((1, 5))) is None
    assert flare(Report(pain=6, day=DAY), strict, pains((1, 6))) is not None


def test_not_settled_by_the_morning_twice_in_a_week_is_a_flare():
    recent = Recent(unsettled_days=(days_ago(3), days_ago(1)))

    finding = flare(Report(pain=None, day=DAY), USUAL, recent)

    assert finding.severity == Severity.REVIEW
    assert finding.evidence["unsettled_days"] == [days_ago(3).isoformat(), days_ago(1).isoformat()]


@pytest.mark.parametrize(
    "unsettled",
    [
        (1,),  # once
        (1, 1),  # two walks on the same day: one day
        (8, 1),  # more than a week apart
        (7, 0),  # seven days apart: not within a week
        (7, 1),  # the earlier one is more than six days before this report
    ],
)
def test_unsettled_mornings_must_be_two_days_within_a_week(unsettled):
    recent = Recent(unsettled_days=tuple(days_ago(back) for back in unsettled))

    assert flare(Report(pain=3, day=DAY), USUAL, recent) is None


@pytest.mark.parametrize("unsettled", [(6, 0), (6, 1)])
def test_unsettled_mornings_at_the_edge_of_the_week_still_count(unsettled):
    """Six days apart, the earlier one six days before this report: still one week."""
    recent = Recent(unsettled_days=tuple(days_ago(back) for back in unsettled))

    assert flare(Report(pain=3, day=DAY), USUAL, recent) is not None


def test_the_patient_saying_it_is_a_flare_is_a_flare():
    finding = flare(Report(pain=4, day=DAY, says_flare=True), USUAL, Recent())

    assert finding.severity == Severity.REVIEW
    assert finding.evidence["says_flare"] is True


def test_an_unanswered_pain_score_never_counts_as_raised():
    assert flare(Report(pain=None, day=DAY), USUAL, pains((1, 9))) is None


def test_a_clinician_reads_both_bad_days_with_usual_and_median():
    """The summary and evidence are what the clinician sees on the flag: both days, both
    scores, against what."""
    finding = flare(Report(pain=6, day=DAY), USUAL, pains((8, 3), (2, 5)))

    assert finding.summary == (
        "Pain 6/10 on 23 Nov and 5/10 on 21 Nov: up on two days (usual 3, 14-day median 4)."
    )
    assert finding.evidence == {
        "usual": 3,
        "median_14_days": 4,
        "threshold": 5,
        "now": 6,
        "day": "2026-11-23",
        "says_flare": False,
        "other_day": "2026-11-21",
        "other_pain": 5,
        "other_source_id": "",
    }


def test_without_a_median_yet_the_summary_says_so():
    finding = flare(Report(pain=5, day=DAY), USUAL, Recent(pains=(Entry(DAY + ONE_DAY, 5),)))

    assert finding.summary.endswith("(usual 3, 14-day median not known yet).")


def test_two_unsettled_mornings_are_named_in_order():
    recent = Recent(unsettled_days=(days_ago(1), days_ago(4)))

    finding = flare(Report(pain=None, day=DAY), USUAL, recent)

    assert finding.summary == (
        "Not back to usual the morning after a walk, twice in a week (19 Nov and 22 Nov)."
    )


def test_saying_it_is_a_flare_is_summarised_in_the_patients_terms():
    finding = flare(Report(pain=4, day=DAY, says_flare=True), USUAL, Recent())

    assert finding.summary == "Says this is a flare-up: worse pain that is hard to cope with."
