"""Each finding as the clinician reads it: rule, severity, the one-line summary, the
evidence kept on the flag, whether the cauda equina questions are asked, and the advice.

A mutation run showed the rule tests checked whether a rule fired but not what it said:
a summary or a piece of evidence could be lost without a test noticing."""

import pytest

from patients.choices import Rule, Severity
from patients.safety.rules import (
    Baseline,
    Finding,
    Report,
    both_legs,
    cauda_equina,
    chest,
    known_pattern,
    overuse,
    severe_pain,
    spreading,
    systemic,
    walk_provoked,
    weakness,
    weakness_or_fall,
)

USUAL = Baseline(usual_pain=3)
BOTH_LEGS_KNOWN = Baseline(usual_pain=3, leg_symptoms="both", walking_pattern=True)
LEFT_LEG = Baseline(usual_pain=3, leg_symptoms="left")


def report(**values) -> Report:
    values.setdefault("pain", 3)
    for name in ("areas", "serious", "characters"):
        if name in values:
            values[name] = frozenset(values[name])
    return Report(**values)


CASES = {
    "cauda equina": (
        cauda_equina,
        report(serious={"saddle", "bladder", "fever"}),
        USUAL,
        Finding(
            Rule.CAUDA_EQUINA,
            Severity.URGENT,
            "Reports possible cauda equina symptoms: bladder, saddle.",
            {"answered_yes": ["bladder", "saddle"]},
        ),
    ),
    "new symptoms in both legs": (
        both_legs,
        report(areas={"thigh"}, side="both"),
        LEFT_LEG,
        Finding(
            Rule.BOTH_LEGS,
            Severity.URGENT,
            "New symptoms in both legs (at enrolment: left).",
            {"before": "left", "answered_yes": [], "now": "both"},
            ask_cauda_equina=True,
        ),
    ),
    "known both legs, new numbness": (
        both_legs,
        report(areas={"thigh"}, side="both", characters={"numbness"}),
        BOTH_LEGS_KNOWN,
        Finding(
            Rule.BOTH_LEGS,
            Severity.URGENT,
            "Known both-leg symptoms, now with numbness in both legs that is new or worse.",
            {"before": "both", "answered_yes": [], "new_numbness": True},
            ask_cauda_equina=True,
        ),
    ),
    "known both legs, worse": (
        both_legs,
        report(serious={"both_legs"}),
        BOTH_LEGS_KNOWN,
        Finding(
            Rule.BOTH_LEGS,
            Severity.SAME_DAY,
            "Known both-leg symptoms: pain or tingling in both legs getting worse.",
            {"before": "both", "answered_yes": ["both_legs"]},
            ask_cauda_equina=True,
        ),
    ),
    "chest pain": (
        chest,
        report(serious={"chest", "fever"}),
        USUAL,
        Finding(
            Rule.CHEST,
            Severity.URGENT,
            "Reports chest pain or pressure, undue breathlessness, or fainting.",
            {"answered_yes": ["chest"]},
        ),
    ),
    "dizziness that settled": (
        chest,
        report(serious={"dizzy", "fever"}),
        USUAL,
        Finding(
            Rule.CHEST,
            Severity.SAME_DAY,
            "Reports dizziness or light-headedness on a walk that settled with rest.",
            {"answered_yes": ["dizzy"]},
        ),
    ),
    "severe pain by its score": (
        severe_pain,
        report(pain=9),
        USUAL,
        Finding(
            Rule.SEVERE_PAIN,
            Severity.REVIEW,
            "Pain 9/10 against usual 3.",
            {"usual": 3, "now": 9, "hard_to_function": False, "high_priority": True},
        ),
    ),
    "severe pain by what it stops": (
        severe_pain,
        report(pain=4, hard_to_function=True),
        USUAL,
        Finding(
            Rule.SEVERE_PAIN,
            Severity.REVIEW,
            "Says the pain makes it hard to think, talk, sleep or move.",
            {"usual": 3, "now": 4, "hard_to_function": True, "high_priority": True},
        ),
    ),
    "known both-leg pattern back on a walk": (
        known_pattern,
        report(areas={"thigh"}, side="both", after_walk=True),
        BOTH_LEGS_KNOWN,
        Finding(
            Rule.KNOWN_PATTERN,
            Severity.REVIEW,
            "Known both-leg walking pattern has come back on a walk.",
            {"areas": ["thigh"], "side": "both"},
            ask_cauda_equina=True,
        ),
    ),
    "new joint pain": (
        overuse,
        report(areas={"knee", "hip"}),
        Baseline(usual_pain=3, joint_pain=frozenset({"hip"})),
        Finding(
            Rule.OVERUSE,
            Severity.INFO,
            "New pain in: knee.",
            {"before": ["hip"], "new": ["knee"]},
            advice="joints",
        ),
    ),
    "spread from one leg to both": (
        spreading,
        report(areas={"thigh"}, side="both"),
        LEFT_LEG,
        Finding(
            Rule.SPREADING,
            Severity.REVIEW,
            "Pain has spread from one leg to both.",
            {"before": "left", "areas": ["thigh"], "side": "both"},
            ask_cauda_equina=True,
        ),
    ),
    "spread below the knee": (
        spreading,
        report(areas={"below_knee"}, side="left"),
        LEFT_LEG,
        Finding(
            Rule.SPREADING,
            Severity.REVIEW,
            "Pain has spread below the knee.",
            {"before": "left", "areas": ["below_knee"], "side": "left"},
        ),
    ),
    "systemic symptoms": (
        systemic,
        report(serious={"night_pain", "fever", "saddle"}),
        USUAL,
        Finding(
            Rule.SYSTEMIC,
            Severity.SAME_DAY,
            "Reports systemic symptoms: fever, night pain.",
            {"answered_yes": ["fever", "night_pain"]},
        ),
    ),
    "pain up after a walk": (
        walk_provoked,
        report(pain=7, after_walk=True),
        USUAL,
        Finding(
            Rule.WALK_PROVOKED,
            Severity.INFO,
            "Pain 7/10 after a walk against usual 3.",
            {"usual": 3, "after": 7},
            advice="walk",
        ),
    ),
    "weakness": (
        weakness,
        report(serious={"weakness"}),
        USUAL,
        Finding(
            Rule.WEAKNESS,
            Severity.URGENT,
            "Reports weakness in both legs or weakness getting worse.",
            {"answered_yes": ["weakness"]},
        ),
    ),
    "a fall with fragile bones": (
        weakness_or_fall,
        report(serious={"fall"}),
        Baseline(usual_pain=3, fragile_bones=True),
        Finding(
            Rule.WEAKNESS_OR_FALL,
            Severity.URGENT,
            "Reports a fall or injury; has osteoporosis or steroid use.",
            {"answered_yes": ["fall"], "fragile_bones": True},
        ),
    ),
    "foot drop and a fall": (
        weakness_or_fall,
        report(serious={"foot_drop", "fall"}),
        USUAL,
        Finding(
            Rule.WEAKNESS_OR_FALL,
            Severity.SAME_DAY,
            "Reports foot drop, a leg giving way, or a fall: fall, foot drop.",
            {"answered_yes": ["fall", "foot_drop"], "fragile_bones": False},
        ),
    ),
}


@pytest.mark.parametrize(("rule", "given", "baseline", "expected"), CASES.values(), ids=CASES)
def test_each_finding_reads_as_written(rule, given, baseline, expected):
    assert rule(given, baseline) == expected
