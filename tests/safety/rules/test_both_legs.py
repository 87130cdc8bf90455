import pytest

from patients.choices import Rule, Severity
from patients.safety.rules import Baseline, Report, both_legs

BOTH_THIGHS = {"areas": frozenset({"thigh"}), "side": "both"}
KNOWN_BOTH = Baseline(usual_pain=3, leg_symptoms="both")


@pytest.mark.parametrize("before", ["none", "left", "right"])
def test_leg_symptoms_now_in_both_legs_are_urgent(before):
    finding = both_legs(Report(pain=4, **BOTH_THIGHS), Baseline(usual_pain=3, leg_symptoms=before))

    assert finding.rule == Rule.BOTH_LEGS
    assert finding.severity == Severity.URGENT
    assert finding.evidence["before"] == before


@pytest.mark.parametrize("question", ["both_legs", "both_legs_numb"])
def test_saying_yes_to_a_both_legs_question_is_urgent(question):
    report = Report(pain=3, serious=frozenset({question}))

    assert both_legs(report, Baseline(usual_pain=3)).severity == Severity.URGENT


def test_known_both_leg_pattern_with_worse_pain_or_tingling_is_same_day_and_asks_the_questions():
    finding = both_legs(Report(pain=4, serious=frozenset({"both_legs"})), KNOWN_BOTH)

    assert finding.rule == Rule.BOTH_LEGS
    assert finding.severity == Severity.SAME_DAY
    assert finding.ask_cauda_equina


def test_known_both_leg_pattern_with_new_or_worse_numbness_stays_urgent():
    finding = both_legs(Report(pain=4, serious=frozenset({"both_legs_numb"})), KNOWN_BOTH)

    assert finding.severity == Severity.URGENT


def test_new_numbness_in_both_legs_on_a_walk_is_urgent_even_with_a_known_pattern():
    report = Report(pain=4, characters=frozenset({"numbness"}), after_walk=True, **BOTH_THIGHS)

    assert both_legs(report, KNOWN_BOTH).severity == Severity.URGENT


def test_numbness_already_known_at_enrolment_is_not_new():
    known_numb = Baseline(usual_pain=3, leg_symptoms="both", nerve_symptoms=frozenset({"numbness"}))
    report = Report(pain=4, characters=frozenset({"numbness"}), **BOTH_THIGHS)

    assert both_legs(report, known_numb) is None


def test_a_known_both_leg_pattern_unchanged_raises_nothing():
    assert both_legs(Report(pain=4, **BOTH_THIGHS), KNOWN_BOTH) is None


def test_one_leg_or_back_pain_on_both_sides_is_not_both_legs():
    baseline = Baseline(usual_pain=3, leg_symptoms="left")

    assert both_legs(Report(pain=5, areas=frozenset({"thigh"}), side="left"), baseline) is None
    assert both_legs(Report(pain=5, areas=frozenset({"lower_back"}), side="both"), baseline) is None
