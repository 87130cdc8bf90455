import pytest

from patients.choices import Severity
from patients.safety.rules import Baseline, Report, systemic


@pytest.mark.parametrize("symptom", ["fever", "weight_loss", "night_pain", "lump"])
def test_systemic_symptoms_are_same_day(symptom):
    finding = systemic(Report(pain=3, serious=frozenset({symptom})), Baseline(usual_pain=3))

    assert finding.severity == Severity.SAME_DAY


def test_no_systemic_symptoms_no_finding():
    assert systemic(Report(pain=3, serious=frozenset({"fall"})), Baseline(usual_pain=3)) is None
