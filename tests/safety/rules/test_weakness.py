from patients.choices import Severity
from patients.safety.rules import Baseline, Report, weakness


def test_weakness_in_both_legs_or_getting_worse_is_urgent():
    finding = weakness(Report(pain=3, serious=frozenset({"weakness"})), Baseline(usual_pain=3))

    assert finding.severity == Severity.URGENT


def test_no_weakness_no_finding():
    assert (
        weakness(Report(pain=3, serious=frozenset({"foot_drop"})), Baseline(usual_pain=3)) is None
    )
