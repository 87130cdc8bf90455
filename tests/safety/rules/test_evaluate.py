"""All rules together: the patient's story from the design, and severity ordering."""

from patients.choices import Rule
from patients.safety.rules import Baseline, Report, evaluate


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
