import pytest

from patients.choices import Rule, Severity
from patients.safety.rules import Baseline, Report, spreading


def test_pain_newly_below_the_knee_is_for_review():
    report = Report(pain=4, areas=frozenset({"below_knee"}), side="left")

    finding = spreading(report, Baseline(usual_pain=3, leg_symptoms="left"))

    assert (finding.rule, finding.severity) == (Rule.SPREADING, Severity.REVIEW)
    assert finding.summary == "Pain has spread below the knee."
    assert not finding.ask_cauda_equina


def test_pain_below_the_knee_already_known_does_not_flag():
    baseline = Baseline(usual_pain=3, leg_symptoms="left", below_knee=True)

    assert spreading(Report(pain=4, areas=frozenset({"below_knee"}), side="left"), baseline) is None


@pytest.mark.parametrize("before", ["left", "right"])
def test_pain_spreading_from_one_leg_to_both_asks_the_cauda_equina_questions(before):
    report = Report(pain=4, areas=frozenset({"thigh"}), side="both")

    finding = spreading(report, Baseline(usual_pain=3, leg_symptoms=before))

    assert (finding.rule, finding.severity) == (Rule.SPREADING, Severity.REVIEW)
    assert finding.summary == "Pain has spread from one leg to both."
    assert finding.ask_cauda_equina


@pytest.mark.parametrize("before", ["none", "both"])
def test_both_legs_is_not_spreading_unless_it_was_one_leg_before(before):
    report = Report(pain=4, areas=frozenset({"thigh"}), side="both")

    assert spreading(report, Baseline(usual_pain=3, leg_symptoms=before)) is None
