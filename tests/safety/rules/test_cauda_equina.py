import pytest

from patients.choices import Severity
from patients.safety.rules import Baseline, Report, cauda_equina


@pytest.mark.parametrize("symptom", ["saddle", "bladder", "bowel", "sexual"])
def test_any_cauda_equina_symptom_is_urgent(symptom):
    finding = cauda_equina(Report(pain=2, serious=frozenset({symptom})), Baseline(usual_pain=3))

    assert finding.severity == Severity.URGENT
    assert finding.evidence == {"answered_yes": [symptom]}


def test_no_cauda_equina_symptoms_no_finding():
    other = frozenset({"fever", "chest"})

    assert cauda_equina(Report(pain=9, serious=other), Baseline(usual_pain=3)) is None
