from patients.choices import Severity
from patients.safety.rules import Baseline, Report, chest


def test_chest_symptoms_are_urgent():
    finding = chest(Report(pain=0, serious=frozenset({"chest"})), Baseline(usual_pain=3))

    assert finding.severity == Severity.URGENT


def test_no_chest_symptoms_no_finding():
    assert chest(Report(pain=0), Baseline(usual_pain=3)) is None


def test_dizziness_that_settled_with_rest_is_same_day():
    finding = chest(Report(pain=0, serious=frozenset({"dizzy"})), Baseline(usual_pain=3))

    assert finding.severity == Severity.SAME_DAY


def test_fainting_with_dizziness_is_still_urgent():
    report = Report(pain=0, serious=frozenset({"chest", "dizzy"}))

    assert chest(report, Baseline(usual_pain=3)).severity == Severity.URGENT
