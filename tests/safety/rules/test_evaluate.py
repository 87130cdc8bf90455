"""All rules together: the patient's story from the design, and severity ordering."""

from patients.choices import Rule
from patients.safety.rules import REPORT_RULES, Baseline, Report, evaluate


def test_the_design_story_new_electric_shock_in_the_thigh_after_a_walk():
    report = Report(
        pain=6,
        characters=frozenset({"aching", "electric_shock"}),
        areas=frozenset({"lower_back", "thigh"}),
        side="left",
        after_walk=True,
    )

    findings = evaluate(report, Baseline(usual_pain=3))

    assert [f.rule for f in findings] == [Rule.NEW_NERVE, Rule.WALK_PROVOKED]


def test_most_severe_first():
    report = Report(pain=9, serious=frozenset({"saddle", "fever"}))

    findings = evaluate(report, Baseline(usual_pain=3))

    assert [f.severity for f in findings] == ["urgent", "same_day", "review"]


def test_a_quiet_walk_raises_nothing():
    report = Report(
        pain=3, characters=frozenset({"aching"}), areas=frozenset({"lower_back"}), after_walk=True
    )

    assert evaluate(report, Baseline(usual_pain=3)) == []


def test_every_rule_of_the_design_table_is_evaluated_on_a_report():
    """A rule dropped from the list would never fire, whatever its own tests say."""
    names = [rule.__name__ for rule in REPORT_RULES]

    assert names == [
        "cauda_equina",
        "both_legs",
        "weakness",
        "chest",
        "weakness_or_fall",
        "systemic",
        "known_pattern",
        "severe_pain",
        "walk_provoked",
        "new_nerve",
        "spreading",
        "overuse",
    ]


def test_new_knee_pain_on_a_walk_reaches_the_overuse_rule_through_evaluate():
    report = Report(pain=3, areas=frozenset({"knee"}), side="left", after_walk=True)

    findings = evaluate(report, Baseline(usual_pain=3))

    assert [f.rule for f in findings] == [Rule.OVERUSE]
