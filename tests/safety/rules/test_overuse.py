from patients.choices import Severity
from patients.safety.rules import Baseline, Report, overuse


def test_new_hip_knee_or_foot_pain_is_info():
    finding = overuse(
        Report(pain=3, areas=frozenset({"knee", "lower_back"})), Baseline(usual_pain=3)
    )

    assert finding.severity == Severity.INFO
    assert finding.evidence == {"before": [], "new": ["knee"]}


def test_joint_pain_known_at_enrolment_is_not_new():
    baseline = Baseline(usual_pain=3, joint_pain=frozenset({"knee"}))

    assert overuse(Report(pain=3, areas=frozenset({"knee"})), baseline) is None


def test_the_new_places_are_named_in_plain_words_in_a_fixed_order():
    finding = overuse(Report(pain=3, areas=frozenset({"knee", "hip"})), Baseline(usual_pain=3))

    assert finding.summary == "New pain in: hip, knee."


def test_new_foot_pain_counts_as_overuse():
    assert overuse(Report(pain=3, areas=frozenset({"foot"})), Baseline(usual_pain=3)) is not None
