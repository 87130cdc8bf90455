"""Walk-provoked pain that has not settled by the next morning: 2 or more above the score
before the walk, with the design's defaults and a clinic's own limit."""

import pytest

from patients.choices import Rule, Severity
from patients.models import Clinic
from patients.safety.rules import DEFAULT_THRESHOLDS, Thresholds
from patients.safety.trends import unsettled_morning, walk_provoked_next_morning


@pytest.mark.parametrize(("morning", "flags"), [(4, False), (5, True), (9, True)])
def test_two_above_the_score_before_the_walk_is_for_review(morning, flags):
    finding = walk_provoked_next_morning(3, morning)

    assert (finding is not None) == flags
    if flags:
        assert (finding.rule, finding.severity) == (Rule.WALK_PROVOKED, Severity.REVIEW)
        assert finding.evidence == {"before_walk": 3, "next_morning": morning}


def test_the_clinician_reads_both_scores():
    finding = walk_provoked_next_morning(3, 6)

    assert finding.summary == "Pain 6/10 the morning after a walk, against 3 before it."


def test_not_back_to_usual_once_is_advice_not_a_flag():
    finding = unsettled_morning(settled=False)

    assert (finding.rule, finding.severity) == (Rule.WALK_PROVOKED, Severity.INFO)
    assert finding.summary == "Not back to usual the morning after a walk."
    assert finding.advice == "morning"
    assert unsettled_morning(settled=True) is None


def test_no_morning_score_is_no_finding():
    assert walk_provoked_next_morning(3, None) is None


def test_a_clinics_own_rise_is_used():
    three = Thresholds(next_morning_rise=3)

    assert walk_provoked_next_morning(3, 5, three) is None
    assert walk_provoked_next_morning(3, 6, three) is not None


def test_the_rules_defaults_are_a_new_clinics_settings():
    """One set of defaults: the design's, whether a clinic's settings are read or not."""
    assert Thresholds.of(Clinic()) == DEFAULT_THRESHOLDS
