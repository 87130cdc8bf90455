import pytest

from patients.rules import Baseline, Report, Severity, both_legs

BOTH_THIGHS = {"areas": frozenset({"thigh"}), "side": "both"}


@pytest.mark.parametrize("before", ["none", "left", "right"])
def test_leg_symptoms_now_in_both_legs_are_urgent(before):
    finding = both_legs(Report(pain=4, **BOTH_THIGHS), Baseline(usual_pain=3, leg_symptoms=before))

    assert finding.severity == Severity.URGENT
    assert finding.evidence["before"] == before


def test_saying_yes_to_the_both_legs_question_is_urgent():
    report = Report(pain=3, serious=frozenset({"both_legs"}))

    assert both_legs(report, Baseline(usual_pain=3)).severity == Severity.URGENT


def test_a_both_leg_pattern_recorded_at_enrolment_does_not_raise_this_alarm():
    baseline = Baseline(usual_pain=3, leg_symptoms="both")

    assert (
        both_legs(Report(pain=4, serious=frozenset({"both_legs"}), **BOTH_THIGHS), baseline) is None
    )


def test_one_leg_or_back_pain_on_both_sides_is_not_both_legs():
    baseline = Baseline(usual_pain=3, leg_symptoms="left")

    assert both_legs(Report(pain=5, areas=frozenset({"thigh"}), side="left"), baseline) is None
    assert both_legs(Report(pain=5, areas=frozenset({"lower_back"}), side="both"), baseline) is None
