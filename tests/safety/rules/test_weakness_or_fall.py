import pytest

from patients.choices import Severity
from patients.safety.rules import Baseline, Report, weakness_or_fall


@pytest.mark.parametrize("symptom", ["foot_drop", "fall"])
def test_foot_drop_or_a_fall_is_same_day(symptom):
    finding = weakness_or_fall(Report(pain=3, serious=frozenset({symptom})), Baseline(usual_pain=3))

    assert finding.severity == Severity.SAME_DAY


def test_a_fall_with_fragile_bones_is_urgent():
    baseline = Baseline(usual_pain=3, fragile_bones=True)

    finding = weakness_or_fall(Report(pain=3, serious=frozenset({"fall"})), baseline)

    assert finding.severity == Severity.URGENT


def test_foot_drop_with_fragile_bones_stays_same_day():
    baseline = Baseline(usual_pain=3, fragile_bones=True)

    finding = weakness_or_fall(Report(pain=3, serious=frozenset({"foot_drop"})), baseline)

    assert finding.severity == Severity.SAME_DAY
