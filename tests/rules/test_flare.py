import datetime

import pytest

from patients.rules import Baseline, Recent, Report, Severity, flare

NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
USUAL = Baseline(usual_pain=3)


def ago(hours: float) -> datetime.datetime:
    return NOW - datetime.timedelta(hours=hours)


@pytest.mark.parametrize(
    ("earlier", "now_pain", "fires"),
    [
        ([(ago(30), 5)], 5, True),  # 5 is 3 + 2 and 167% of 3, twice, a day apart
        ([(ago(30), 5)], 4, False),  # now only 1 above usual
        ([(ago(12), 6)], 6, False),  # the earlier entry is less than 24 h before
        ([(ago(200), 6)], 6, False),  # more than a week ago
        ([(ago(30), 4)], 6, False),  # the earlier entry was not up enough
        ([], 9, False),  # one noisy reading is not a flare
    ],
)
def test_a_flare_needs_two_raised_entries_a_day_or_more_apart(earlier, now_pain, fires):
    finding = flare(Report(pain=now_pain), USUAL, Recent(pains=tuple(earlier)), NOW)

    assert (finding is not None) == fires
    if fires:
        assert finding.severity == Severity.REVIEW


def test_the_thirty_percent_threshold_matters_when_usual_pain_is_high():
    high = Baseline(usual_pain=7)
    recent = Recent(pains=((ago(30), 9),))

    # 9 is 2 above 7 but only 129% of it.
    assert flare(Report(pain=9), high, recent, NOW) is None


def test_not_settled_by_the_morning_twice_in_a_week_is_a_flare():
    finding = flare(Report(pain=3), USUAL, Recent(unsettled_mornings=2), NOW)

    assert finding.severity == Severity.REVIEW
    assert finding.evidence["unsettled_mornings"] == 2


def test_once_unsettled_is_not_a_flare():
    assert flare(Report(pain=3), USUAL, Recent(unsettled_mornings=1), NOW) is None
