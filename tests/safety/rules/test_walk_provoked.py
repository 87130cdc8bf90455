import pytest

from patients.choices import Severity
from patients.safety.rules import Baseline, Report, walk_provoked


@pytest.mark.parametrize(
    ("usual", "after", "fires"),
    [(3, 6, True), (3, 5, False), (6, 6, False), (6, 7, True), (0, 10, True)],
)
def test_advice_when_pain_after_a_walk_is_above_five_and_above_usual(usual, after, fires):
    finding = walk_provoked(Report(pain=after, after_walk=True), Baseline(usual_pain=usual))

    assert (finding is not None) == fires
    if fires:
        assert finding.severity == Severity.INFO


def test_a_check_in_is_not_a_walk():
    assert walk_provoked(Report(pain=8, after_walk=False), Baseline(usual_pain=2)) is None
