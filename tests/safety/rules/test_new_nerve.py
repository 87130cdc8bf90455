import pytest

from patients.choices import Severity
from patients.safety.rules import Baseline, Report, new_nerve


@pytest.mark.parametrize(
    "descriptor", ["burning", "electric_shock", "shooting", "pins_and_needles", "numbness"]
)
def test_a_new_nerve_type_word_in_the_leg_is_for_review(descriptor):
    report = Report(pain=4, characters=frozenset({descriptor}), areas=frozenset({"thigh"}))

    finding = new_nerve(report, Baseline(usual_pain=3))

    assert finding.severity == Severity.REVIEW
    assert finding.evidence == {"before": [], "new": [descriptor]}


def test_nerve_symptoms_recorded_at_enrolment_never_flag():
    baseline = Baseline(usual_pain=3, nerve_symptoms=frozenset({"pins_and_needles"}))
    report = Report(pain=4, characters=frozenset({"pins_and_needles"}), areas=frozenset({"foot"}))

    assert new_nerve(report, baseline) is None


@pytest.mark.parametrize("descriptor", ["aching", "stiff", "throbbing", "sharp"])
def test_changes_among_ordinary_pain_words_never_flag(descriptor):
    report = Report(pain=4, characters=frozenset({descriptor}), areas=frozenset({"thigh"}))

    assert new_nerve(report, Baseline(usual_pain=3)) is None


def test_nerve_words_in_the_back_only_are_not_leg_symptoms():
    report = Report(pain=4, characters=frozenset({"burning"}), areas=frozenset({"lower_back"}))

    assert new_nerve(report, Baseline(usual_pain=3)) is None


def test_the_foot_is_part_of_the_leg():
    report = Report(pain=3, characters=frozenset({"electric_shock"}), areas=frozenset({"foot"}))

    assert new_nerve(report, Baseline(usual_pain=3)) is not None
