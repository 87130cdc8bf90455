import pytest

from patients.choices import Severity
from patients.safety.rules import Baseline, Report, severe_pain


@pytest.mark.parametrize(
    ("usual", "now", "fires"),
    [
        (5, 8, True),  # 8 and 3 above usual
        (6, 8, True),  # 8 and exactly 2 above
        (7, 8, False),  # 8 but only 1 above: usual for this patient
        (3, 7, False),  # 4 above but below 8
        (2, 10, True),
    ],
)
def test_severe_pain_needs_eight_and_two_above_usual(usual, now, fires):
    finding = severe_pain(Report(pain=now), Baseline(usual_pain=usual))

    assert (finding is not None) == fires
    if fires:
        assert finding.severity == Severity.REVIEW
        assert finding.evidence["high_priority"] is True


def test_pain_too_bad_to_think_talk_sleep_or_move_fires_whatever_the_number():
    finding = severe_pain(Report(pain=4, hard_to_function=True), Baseline(usual_pain=4))

    assert finding.severity == Severity.REVIEW
