"""The red-flag rules: one small function per row of the design's table.

Each rule reads plain data (what the patient just reported, their enrolment baseline) and
returns a Finding or None. Nothing here touches the database, so each rule can be read by
a clinician at a glance and tested on its own. Rules that need a patient's history (a flare
that does not settle, walk-provoked pain confirmed the next morning, no activity) are in
trends.py; they take their history as plain data too. The vocabularies the rules speak
(Severity, Rule, SeriousSymptom) are in patients/choices.py, as the database stores them.

Symptoms recorded at enrolment are known and never raise alarms by themselves.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from patients.choices import (
    JOINT_AREAS,
    LEG_AREAS,
    NERVE_CHARACTERS,
    SEVERITY_RANK,
    BodyArea,
    PainCharacter,
    Rule,
    SeriousSymptom,
    Severity,
    Side,
)

CAUDA_EQUINA_SYMPTOMS = frozenset(
    {SeriousSymptom.SADDLE, SeriousSymptom.BLADDER, SeriousSymptom.BOWEL, SeriousSymptom.SEXUAL}
)
SYSTEMIC_SYMPTOMS = frozenset(
    {
        SeriousSymptom.FEVER,
        SeriousSymptom.WEIGHT_LOSS,
        SeriousSymptom.NIGHT_PAIN,
        SeriousSymptom.LUMP,
    }
)


@dataclass(frozen=True)
class Thresholds:
    """The limits a clinic may tune (within safe bounds), with the design's defaults.

    The urgent and same-day rules have no thresholds: they cannot be tuned away.
    """

    severe_pain: int = 8
    severe_pain_rise: int = 2
    walk_pain_advice_above: int = 5
    flare_rise: int = 2
    next_morning_rise: int = 2
    no_activity_days: int = 7

    @classmethod
    def of(cls, clinic) -> "Thresholds":
        return cls(
            severe_pain=clinic.severe_pain_threshold,
            severe_pain_rise=clinic.severe_pain_rise,
            walk_pain_advice_above=clinic.walk_pain_advice_above,
            flare_rise=clinic.flare_rise,
            next_morning_rise=clinic.next_morning_rise,
            no_activity_days=clinic.no_activity_days,
        )


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Baseline:
    """What the clinic recorded at enrolment."""

    usual_pain: int
    leg_symptoms: str = "none"  # none, left, right or both
    below_knee: bool = False
    nerve_symptoms: frozenset[str] = frozenset()
    walking_pattern: bool = False  # leg pain on walking that eases when sitting
    joint_pain: frozenset[str] = frozenset()
    fragile_bones: bool = False  # osteoporosis or steroid use
    limits: Thresholds = DEFAULT_THRESHOLDS  # the clinic's

    @classmethod
    def of(cls, patient) -> "Baseline":
        return cls(
            limits=Thresholds.of(patient.clinic),
            usual_pain=patient.usual_pain,
            leg_symptoms=patient.leg_symptoms,
            below_knee=patient.leg_symptoms_below_knee,
            nerve_symptoms=frozenset(patient.known_nerve_symptoms),
            walking_pattern=patient.known_walking_pattern,
            joint_pain=frozenset(patient.known_joint_pain),
            fragile_bones=patient.is_frail_for_falls,
        )


@dataclass(frozen=True)
class Report:
    """One thing the patient just told us: a walk or a symptom check-in.

    `pain` is None when the patient answered a worrying question but not the pain scale:
    what they did answer still counts at once.
    """

    pain: int | None  # pain after a walk, or pain now at a check-in
    day: datetime.date | None = None  # the clinic-local day the report describes
    characters: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    side: str = ""
    after_walk: bool = False
    hard_to_function: bool = False  # so bad it is hard to think, talk, sleep or move
    serious: frozenset[str] = frozenset()  # serious-symptom questions answered yes
    says_flare: bool = False  # the patient calls it a flare-up

    @property
    def in_both_legs(self) -> bool:
        return self.side == Side.BOTH and bool(self.areas & LEG_AREAS)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    summary: str  # one sentence a clinician reads in two seconds
    evidence: dict = field(default_factory=dict)  # previous and new values
    ask_cauda_equina: bool = False  # the patient must be asked the cauda equina questions now
    advice: str = (
        ""  # which fixed advice an info-only finding earns (see patients/safety/advice.py)
    )

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


def _labels(codes, choices) -> str:
    return ", ".join(str(choices(code).label).lower() for code in sorted(codes))


def _codes_in_words(codes) -> str:
    """Answer codes in words ("foot_drop" as "foot drop") for a clinician's summary: the
    questions' own labels are too long for one line."""
    return ", ".join(sorted(code.replace("_", " ") for code in codes))


def cauda_equina(report: Report, baseline: Baseline) -> Finding | None:
    answered = report.serious & CAUDA_EQUINA_SYMPTOMS
    if not answered:
        return None
    return Finding(
        Rule.CAUDA_EQUINA,
        Severity.URGENT,
        _("Reports possible cauda equina symptoms: %(which)s.")
        % {"which": _codes_in_words(answered)},
        {"answered_yes": sorted(answered)},
    )


def both_legs(report: Report, baseline: Baseline) -> Finding | None:
    """New symptoms in both legs; or, where both legs were affected at enrolment, worse ones.

    For a known both-leg pattern, numbness (or weakness, see `weakness`) that is new or
    worse stays urgent; pain or tingling that is worse is same day, with the cauda equina
    questions asked at once: deteriorating bilateral deficits need hospital assessment
    within hours (BMJ Best Practice), and a review within a working day can stretch over a
    weekend.
    """
    said = report.serious & {SeriousSymptom.BOTH_LEGS, SeriousSymptom.BOTH_LEGS_NUMB}
    evidence = {"before": baseline.leg_symptoms, "answered_yes": sorted(said)}
    if baseline.leg_symptoms != "both":
        if not (said or report.in_both_legs):
            return None
        return Finding(
            Rule.BOTH_LEGS,
            Severity.URGENT,
            _("New symptoms in both legs (at enrolment: %(before)s).")
            % {"before": baseline.leg_symptoms},
            {**evidence, "now": "both"},
            ask_cauda_equina=True,
        )
    new_numbness = (
        report.in_both_legs
        and PainCharacter.NUMBNESS in report.characters
        and PainCharacter.NUMBNESS not in baseline.nerve_symptoms
    )
    if SeriousSymptom.BOTH_LEGS_NUMB in said or new_numbness:
        return Finding(
            Rule.BOTH_LEGS,
            Severity.URGENT,
            _("Known both-leg symptoms, now with numbness in both legs that is new or worse."),
            {**evidence, "new_numbness": new_numbness},
            ask_cauda_equina=True,
        )
    if SeriousSymptom.BOTH_LEGS in said:
        return Finding(
            Rule.BOTH_LEGS,
            Severity.SAME_DAY,
            _("Known both-leg symptoms: pain or tingling in both legs getting worse."),
            evidence,
            ask_cauda_equina=True,
        )
    return None


def weakness(report: Report, baseline: Baseline) -> Finding | None:
    if SeriousSymptom.WEAKNESS not in report.serious:
        return None
    return Finding(
        Rule.WEAKNESS,
        Severity.URGENT,
        _("Reports weakness in both legs or weakness getting worse."),
        {"answered_yes": [SeriousSymptom.WEAKNESS]},
    )


def chest(report: Report, baseline: Baseline) -> Finding | None:
    """Chest pain, undue breathlessness or fainting is urgent; dizziness that settled, same day."""
    if SeriousSymptom.CHEST in report.serious:
        return Finding(
            Rule.CHEST,
            Severity.URGENT,
            _("Reports chest pain or pressure, undue breathlessness, or fainting."),
            {"answered_yes": sorted(report.serious & {SeriousSymptom.CHEST, SeriousSymptom.DIZZY})},
        )
    if SeriousSymptom.DIZZY in report.serious:
        return Finding(
            Rule.CHEST,
            Severity.SAME_DAY,
            _("Reports dizziness or light-headedness on a walk that settled with rest."),
            {"answered_yes": [SeriousSymptom.DIZZY]},
        )
    return None


def weakness_or_fall(report: Report, baseline: Baseline) -> Finding | None:
    answered = report.serious & {SeriousSymptom.FOOT_DROP, SeriousSymptom.FALL}
    if not answered:
        return None
    fragile_fall = SeriousSymptom.FALL in answered and baseline.fragile_bones
    return Finding(
        Rule.WEAKNESS_OR_FALL,
        Severity.URGENT if fragile_fall else Severity.SAME_DAY,
        (
            _("Reports a fall or injury; has osteoporosis or steroid use.")
            if fragile_fall
            else _("Reports foot drop, a leg giving way, or a fall: %(which)s.")
            % {"which": _codes_in_words(answered)}
        ),
        {"answered_yes": sorted(answered), "fragile_bones": baseline.fragile_bones},
    )


def systemic(report: Report, baseline: Baseline) -> Finding | None:
    answered = report.serious & SYSTEMIC_SYMPTOMS
    if not answered:
        return None
    return Finding(
        Rule.SYSTEMIC,
        Severity.SAME_DAY,
        _("Reports systemic symptoms: %(which)s.") % {"which": _codes_in_words(answered)},
        {"answered_yes": sorted(answered)},
    )


def known_pattern(report: Report, baseline: Baseline) -> Finding | None:
    known = baseline.leg_symptoms == "both" and baseline.walking_pattern
    if not (known and report.in_both_legs and report.after_walk):
        return None
    return Finding(
        Rule.KNOWN_PATTERN,
        Severity.REVIEW,
        _("Known both-leg walking pattern has come back on a walk."),
        {"areas": sorted(report.areas), "side": report.side},
        ask_cauda_equina=True,
    )


def severe_pain(report: Report, baseline: Baseline) -> Finding | None:
    limits = baseline.limits
    high = (
        report.pain is not None
        and report.pain >= limits.severe_pain
        and report.pain >= baseline.usual_pain + limits.severe_pain_rise
    )
    if not (high or report.hard_to_function):
        return None
    return Finding(
        Rule.SEVERE_PAIN,
        Severity.REVIEW,
        (
            _("Pain %(now)d/10 against usual %(usual)d.")
            % {"now": report.pain, "usual": baseline.usual_pain}
            if high
            else _("Says the pain makes it hard to think, talk, sleep or move.")
        ),
        {
            "usual": baseline.usual_pain,
            "now": report.pain,
            "hard_to_function": report.hard_to_function,
            "high_priority": True,
        },
    )


def walk_provoked(report: Report, baseline: Baseline) -> Finding | None:
    """Advice at once; a flag only if the next-morning check has not settled (flag engine)."""
    if not (
        report.after_walk
        and report.pain is not None
        and report.pain > baseline.limits.walk_pain_advice_above
        and report.pain > baseline.usual_pain
    ):
        return None
    return Finding(
        Rule.WALK_PROVOKED,
        Severity.INFO,
        _("Pain %(now)d/10 after a walk against usual %(usual)d.")
        % {"now": report.pain, "usual": baseline.usual_pain},
        {"usual": baseline.usual_pain, "after": report.pain},
        advice="walk",
    )


def new_nerve(report: Report, baseline: Baseline) -> Finding | None:
    new = (report.characters & NERVE_CHARACTERS) - baseline.nerve_symptoms
    if not (new and report.areas & LEG_AREAS):
        return None
    return Finding(
        Rule.NEW_NERVE,
        Severity.REVIEW,
        _("New nerve-type symptoms in the leg: %(which)s.")
        % {"which": _labels(new, PainCharacter)},
        {"before": sorted(baseline.nerve_symptoms), "new": sorted(new)},
    )


def spreading(report: Report, baseline: Baseline) -> Finding | None:
    below_knee = BodyArea.BELOW_KNEE in report.areas and not baseline.below_knee
    to_both = report.in_both_legs and baseline.leg_symptoms in ("left", "right")
    if not (below_knee or to_both):
        return None
    return Finding(
        Rule.SPREADING,
        Severity.REVIEW,
        (
            _("Pain has spread from one leg to both.")
            if to_both
            else _("Pain has spread below the knee.")
        ),
        {"before": baseline.leg_symptoms, "areas": sorted(report.areas), "side": report.side},
        ask_cauda_equina=to_both,
    )


def overuse(report: Report, baseline: Baseline) -> Finding | None:
    new = (report.areas & JOINT_AREAS) - baseline.joint_pain
    if not new:
        return None
    return Finding(
        Rule.OVERUSE,
        Severity.INFO,
        _("New pain in: %(where)s.") % {"where": _labels(new, BodyArea)},
        {"before": sorted(baseline.joint_pain), "new": sorted(new)},
        advice="joints",
    )


REPORT_RULES: list[Callable[[Report, Baseline], Finding | None]] = [
    cauda_equina,
    both_legs,
    weakness,
    chest,
    weakness_or_fall,
    systemic,
    known_pattern,
    severe_pain,
    walk_provoked,
    new_nerve,
    spreading,
    overuse,
]


def is_flagged(finding: Finding) -> bool:
    """Whether a finding makes a flag. Pain after a walk earns advice at once, but a flag
    only once the next-morning check shows it has not settled (its own review finding)."""
    return not (finding.rule == Rule.WALK_PROVOKED and finding.severity == Severity.INFO)


def evaluate(report: Report, baseline: Baseline) -> list[Finding]:
    """Every rule's finding for one report, most severe first."""
    findings = [finding for rule in REPORT_RULES if (finding := rule(report, baseline))]
    return sorted(findings, key=lambda finding: -finding.rank)
