from patients.choices import Severity
from patients.safety.rules import Baseline, Report, spreading


def test_pain_newly_below_the_knee_is_for_review():
    report = Report(pain=4, areas=frozenset({"below_knee"}), side="left")

    finding = spreading(report, Baseline(usual_pain=3, leg_symptoms="left"))

    assert finding.severity == Severity.REVIEW
    assert not finding.ask_cauda_equina


def test_pain_below_the_knee_already_known_does_not_flag():
    baseline = Baseline(usual_pain=3, leg_symptoms="left", below_knee=True)

    assert spreading(Report(pain=4, areas=frozenset({"below_knee"}), side="left"), baseline) is None


def test_pain_spreading_from_one_leg_to_both_asks_the_cauda_equina_questions():
    report = Report(pain=4, areas=frozenset({"thigh"}), side="both")

    finding = spreading(report, Baseline(usual_pain=3, leg_symptoms="right"))

    assert finding.ask_cauda_equina
