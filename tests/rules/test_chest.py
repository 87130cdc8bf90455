from patients.rules import Baseline, Report, Severity, chest


def test_chest_symptoms_are_urgent():
    finding = chest(Report(pain=0, serious=frozenset({"chest"})), Baseline(usual_pain=3))

    assert finding.severity == Severity.URGENT


def test_no_chest_symptoms_no_finding():
    assert chest(Report(pain=0), Baseline(usual_pain=3)) is None
