from patients.choices import Rule, Severity
from patients.safety.rules import Baseline, Report, known_pattern

PATTERN = Baseline(usual_pain=4, leg_symptoms="both", walking_pattern=True)
BOTH_LEGS_ON_A_WALK = Report(pain=5, areas=frozenset({"thigh"}), side="both", after_walk=True)


def test_known_both_leg_walking_pattern_returning_asks_the_cauda_equina_questions():
    finding = known_pattern(BOTH_LEGS_ON_A_WALK, PATTERN)

    assert (finding.rule, finding.severity) == (Rule.KNOWN_PATTERN, Severity.REVIEW)
    assert finding.ask_cauda_equina


def test_without_the_recorded_pattern_this_rule_is_silent():
    baseline = Baseline(usual_pain=4, leg_symptoms="both", walking_pattern=False)

    assert known_pattern(BOTH_LEGS_ON_A_WALK, baseline) is None


def test_one_leg_on_a_walk_is_not_the_pattern():
    report = Report(pain=5, areas=frozenset({"thigh"}), side="left", after_walk=True)

    assert known_pattern(report, PATTERN) is None
