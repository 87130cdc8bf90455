"""The red-flag rules: one small function per row of the design's table.

Each rule reads plain data (what the patient just reported, their enrolment baseline) and
returns a Finding or None. Nothing here touches the database, so each rule can be read by
a clinician at a glance and tested on its own. Rules that need a patient's history (a flare
that does not settle, walk-provoked pain confirmed the next morning, no activity) join
this module with the flag engine; they take their history as plain data too.

Symptoms recorded at enrolment are known and never raise alarms by themselves.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.choices import (
    JOINT_AREAS,
    LEG_AREAS,
    NERVE_CHARACTERS,
    BodyArea,
    PainCharacter,
    Side,
)


class Severity(models.TextChoices):
    URGENT = "urgent", gettext_lazy("Urgent")
    SAME_DAY = "same_day", gettext_lazy("Same day")
    REVIEW = "review", gettext_lazy("Review")
    INFO = "info", gettext_lazy("Info")


SEVERITY_RANK = {Severity.URGENT: 4, Severity.SAME_DAY: 3, Severity.REVIEW: 2, Severity.INFO: 1}


class Rule(models.TextChoices):
    CAUDA_EQUINA = "cauda_equina", gettext_lazy("Cauda equina symptoms")
    BOTH_LEGS = "both_legs", gettext_lazy("Symptoms in both legs")
    WEAKNESS = "weakness", gettext_lazy("Severe or worsening weakness")
    CHEST = "chest", gettext_lazy("Chest symptoms")
    WEAKNESS_OR_FALL = "weakness_or_fall", gettext_lazy("One-sided weakness or a fall")
    SYSTEMIC = "systemic", gettext_lazy("Systemic symptoms")
    KNOWN_PATTERN = "known_pattern", gettext_lazy("Known pattern returns")
    FLARE = "flare", gettext_lazy("Flare not settling")
    SEVERE_PAIN = "severe_pain", gettext_lazy("Severe pain")
    WALK_PROVOKED = "walk_provoked", gettext_lazy("Walk-provoked pain")
    NEW_NERVE = "new_nerve", gettext_lazy("New nerve symptoms")
    SPREADING = "spreading", gettext_lazy("Spreading pain")
    OVERUSE = "overuse", gettext_lazy("Overuse")
    NO_ACTIVITY = "no_activity", gettext_lazy("No activity")


class SeriousSymptom(models.TextChoices):
    """The serious-symptom questions, in plain words after the NHS cauda equina warning card.

    Each is asked as "new, or not normal for you" and answered yes or no.
    """

    SADDLE = (
        "saddle",
        gettext_lazy(
            "Numbness, tingling or a different feeling around your genitals, bottom or inner "
            "thighs, or when you wipe after using the toilet"
        ),
    )
    BLADDER = (
        "bladder",
        gettext_lazy(
            "Trouble starting to pee, not being able to pee, not being able to control it, or "
            "not feeling it pass"
        ),
    )
    BOWEL = (
        "bowel",
        gettext_lazy("Not noticing that you need to poo, or not being able to control it"),
    )
    SEXUAL = "sexual", gettext_lazy("A change in how your genitals feel or work during sex")
    BOTH_LEGS = (
        "both_legs",
        gettext_lazy(
            "Pain, tingling, numbness or weakness in both legs that is new or getting worse"
        ),
    )
    WEAKNESS = (
        "weakness",
        gettext_lazy("Weakness in both legs, or weakness in a leg that is getting worse"),
    )
    FOOT_DROP = (
        "foot_drop",
        gettext_lazy("Suddenly your foot drags or slaps down, or a leg gives way"),
    )
    FALL = "fall", gettext_lazy("A fall or an injury while walking")
    CHEST = (
        "chest",
        gettext_lazy(
            "Chest pain, being much more out of breath than the walk explains, or feeling faint "
            "or dizzy"
        ),
    )
    FEVER = "fever", gettext_lazy("A fever, or feeling generally unwell, with your back pain")
    WEIGHT_LOSS = "weight_loss", gettext_lazy("Losing weight without trying")
    NIGHT_PAIN = "night_pain", gettext_lazy("Pain that is there all the time and worse at night")
    LUMP = "lump", gettext_lazy("A new lump, or a change in the shape of your back")


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
    flare_ratio: float = 1.3
    next_morning_rise: int = 2
    no_activity_days: int = 7

    @classmethod
    def of(cls, clinic) -> "Thresholds":
        return cls(
            severe_pain=clinic.severe_pain_threshold,
            severe_pain_rise=clinic.severe_pain_rise,
            walk_pain_advice_above=clinic.walk_pain_advice_above,
            flare_rise=clinic.flare_rise,
            flare_ratio=1 + clinic.flare_rise_percent / 100,
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
    """One thing the patient just told us: a walk or a symptom check-in."""

    pain: int  # pain after a walk, or pain now at a check-in
    characters: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    side: str = ""
    after_walk: bool = False
    hard_to_function: bool = False  # so bad it is hard to think, talk, sleep or move
    serious: frozenset[str] = frozenset()  # serious-symptom questions answered yes

    @property
    def in_legs(self) -> bool:
        return bool(self.areas & LEG_AREAS) or self.side == Side.BOTH

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

    @property
    def rank(self) -> int:
        return SEVERITY_RANK[self.severity]


def _labels(codes, choices) -> str:
    return ", ".join(str(choices(code).label).lower() for code in sorted(codes))


def cauda_equina(report: Report, baseline: Baseline) -> Finding | None:
    answered = report.serious & CAUDA_EQUINA_SYMPTOMS
    if not answered:
        return None
    return Finding(
        Rule.CAUDA_EQUINA,
        Severity.URGENT,
        _("Reports possible cauda equina symptoms: %(which)s.")
        % {"which": ", ".join(sorted(answered))},
        {"answered_yes": sorted(answered)},
    )


def both_legs(report: Report, baseline: Baseline) -> Finding | None:
    if baseline.leg_symptoms == "both":
        return None  # a both-leg pattern recorded at enrolment: see known_pattern
    said_so = SeriousSymptom.BOTH_LEGS in report.serious
    if not (said_so or report.in_both_legs):
        return None
    return Finding(
        Rule.BOTH_LEGS,
        Severity.URGENT,
        _("New symptoms in both legs (at enrolment: %(before)s).")
        % {"before": baseline.leg_symptoms},
        {"before": baseline.leg_symptoms, "now": "both", "answered_yes": said_so},
    )


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
    if SeriousSymptom.CHEST not in report.serious:
        return None
    return Finding(
        Rule.CHEST,
        Severity.URGENT,
        _("Reports chest pain, undue breathlessness, or feeling faint or dizzy."),
        {"answered_yes": [SeriousSymptom.CHEST]},
    )


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
            % {"which": ", ".join(sorted(answered))}
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
        _("Reports systemic symptoms: %(which)s.") % {"which": ", ".join(sorted(answered))},
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
        report.pain >= limits.severe_pain
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


def evaluate(report: Report, baseline: Baseline) -> list[Finding]:
    """Every rule's finding for one report, most severe first."""
    findings = [finding for rule in REPORT_RULES if (finding := rule(report, baseline))]
    return sorted(findings, key=lambda finding: -finding.rank)


def walk_provoked_next_morning(
    pain_before_walk: int, pain_next_morning: int, limits: Thresholds = DEFAULT_THRESHOLDS
) -> Finding | None:
    """Walk-provoked pain that has not settled: next morning still 2+ above the pre-walk score."""
    if pain_next_morning < pain_before_walk + limits.next_morning_rise:
        return None
    return Finding(
        Rule.WALK_PROVOKED,
        Severity.REVIEW,
        _("Pain %(now)d/10 the morning after a walk, against %(before)d before it.")
        % {"now": pain_next_morning, "before": pain_before_walk},
        {"before_walk": pain_before_walk, "next_morning": pain_next_morning},
    )


# A flare: pain up (see Thresholds) on entries at least a day apart, within a week.
FLARE_WINDOW = datetime.timedelta(days=7)
FLARE_GAP = datetime.timedelta(hours=24)
UNSETTLED_MORNINGS = 2
MEDIAN_WINDOW = datetime.timedelta(days=14)


@dataclass(frozen=True)
class Recent:
    """A patient's recent reports, as plain data: the rules' bounded look-back."""

    pains: tuple[tuple[datetime.datetime, int], ...] = ()  # (when, pain) newest last
    unsettled_mornings: int = 0  # next-morning checks not back to usual, last 7 days
    median_14_days: float | None = None


def is_elevated(pain: int, usual: int, limits: Thresholds = DEFAULT_THRESHOLDS) -> bool:
    return pain >= usual + limits.flare_rise and pain >= usual * limits.flare_ratio


def flare(
    report: Report, baseline: Baseline, recent: Recent, now: datetime.datetime
) -> Finding | None:
    """Pain up on two entries a day or more apart, or not settling by the morning twice."""
    earlier_elevated = [
        when
        for when, pain in recent.pains
        if now - FLARE_WINDOW <= when <= now - FLARE_GAP
        and is_elevated(pain, baseline.usual_pain, baseline.limits)
    ]
    sustained = is_elevated(report.pain, baseline.usual_pain, baseline.limits) and bool(
        earlier_elevated
    )
    unsettled = recent.unsettled_mornings >= UNSETTLED_MORNINGS
    if not (sustained or unsettled):
        return None
    return Finding(
        Rule.FLARE,
        Severity.REVIEW,
        (
            _("Pain %(now)d/10 against usual %(usual)d, up on entries a day or more apart.")
            % {"now": report.pain, "usual": baseline.usual_pain}
            if sustained
            else _("Not back to usual the morning after a walk, %(count)d times this week.")
            % {"count": recent.unsettled_mornings}
        ),
        {
            "usual": baseline.usual_pain,
            "now": report.pain,
            "median_14_days": recent.median_14_days,
            "unsettled_mornings": recent.unsettled_mornings,
        },
    )


def no_activity(
    last_walk: datetime.date | None,
    plan_started: datetime.date,
    today: datetime.date,
    limits: Thresholds = DEFAULT_THRESHOLDS,
) -> Finding | None:
    """No walk for 7 days on an active plan (the caller skips paused plans).

    Counted from the later of the last walk and the plan's (re)start.
    """
    since = max(last_walk, plan_started) if last_walk else plan_started
    idle = (today - since).days
    if idle < limits.no_activity_days:
        return None
    return Finding(
        Rule.NO_ACTIVITY,
        Severity.INFO,
        _("No walk logged for %(days)d days.") % {"days": idle},
        {"last_walk": last_walk.isoformat() if last_walk else None, "days": idle},
    )
