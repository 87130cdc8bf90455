"""The red-flag rules: one small function per row of the design's table.

Each rule reads plain data (what the patient just reported, their enrolment baseline) and
returns a Finding or None. Nothing here touches the database, so each rule can be read by
a clinician at a glance and tested on its own. Rules that need a patient's history (a flare
that does not settle, walk-provoked pain confirmed the next morning, no activity) join
this module with the flag engine; they take their history as plain data too.

Symptoms recorded at enrolment are known and never raise alarms by themselves.
"""

import datetime
import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils.dateformat import format as date_format
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
        gettext_lazy("Pain or tingling in both legs that is new or getting worse"),
    )
    BOTH_LEGS_NUMB = (
        "both_legs_numb",
        gettext_lazy("Numbness in both legs that is new or getting worse"),
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
            "Chest pain or pressure, being much more out of breath than the walk explains, or "
            "fainting"
        ),
    )
    DIZZY = (
        "dizzy",
        gettext_lazy("Feeling dizzy or light-headed on a walk, which settled when you rested"),
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
    advice: str = ""  # which fixed advice an info-only finding earns (see patients/advice.py)

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


def evaluate(report: Report, baseline: Baseline) -> list[Finding]:
    """Every rule's finding for one report, most severe first."""
    findings = [finding for rule in REPORT_RULES if (finding := rule(report, baseline))]
    return sorted(findings, key=lambda finding: -finding.rank)


def walk_provoked_next_morning(
    pain_before_walk: int, pain_next_morning: int | None, limits: Thresholds = DEFAULT_THRESHOLDS
) -> Finding | None:
    """Walk-provoked pain that has not settled: next morning still 2+ above the pre-walk score."""
    if pain_next_morning is None or pain_next_morning < pain_before_walk + limits.next_morning_rise:
        return None
    return Finding(
        Rule.WALK_PROVOKED,
        Severity.REVIEW,
        _("Pain %(now)d/10 the morning after a walk, against %(before)d before it.")
        % {"now": pain_next_morning, "before": pain_before_walk},
        {"before_walk": pain_before_walk, "next_morning": pain_next_morning},
    )


def unsettled_morning(settled: bool) -> Finding | None:
    """Not back to usual the morning after a walk: advice now (amber: walk shorter or
    slower, repeat the stage); a flag only on the second time in a week (see `flare`)."""
    if settled:
        return None
    return Finding(
        Rule.WALK_PROVOKED,
        Severity.INFO,
        _("Not back to usual the morning after a walk."),
        advice="morning",
    )


# A flare: pain up on two entries on different days at most this many days apart (within
# one week), or not back to usual the morning after a walk on two such days.
FLARE_DAYS = 6
UNSETTLED_MORNINGS = 2
# The median of the patient's own recent reports: a slow creep is caught against it.
MEDIAN_DAYS = 14


@dataclass(frozen=True, order=True)
class Entry:
    """One earlier pain score: the day it describes, the score, and which report it was."""

    day: datetime.date
    pain: int
    ref: str = ""  # the report's id, kept in a flag's evidence


@dataclass(frozen=True)
class Recent:
    """A patient's other reports near the day in question, as plain data: the look-back.

    Every entry is dated by the clinic-local day it describes (a walk's date, the day of a
    check-in), never by when it was typed: two bad days logged in one sitting are two days.
    """

    pains: tuple[Entry, ...] = ()  # the report itself excluded
    unsettled_days: tuple[datetime.date, ...] = ()  # walks not back to usual the next morning


def median_before(recent: Recent, day: datetime.date) -> float | None:
    """The median pain over the 14 days before `day`, or None without entries."""
    first = day - datetime.timedelta(days=MEDIAN_DAYS)
    window = [entry.pain for entry in recent.pains if first <= entry.day < day]
    return statistics.median(window) if window else None


def flare_threshold(usual: int, median: float | None, limits: Thresholds) -> float:
    """Pain at or above this is "up": 2 points above usual, or above the 14-day median."""
    reference = usual if median is None else min(usual, median)
    return reference + limits.flare_rise


def _days_apart(first: datetime.date, second: datetime.date) -> int:
    return abs((first - second).days)


def _pair_within_a_week(days) -> tuple[datetime.date, datetime.date] | None:
    ordered = sorted(set(days))
    for earlier, later in itertools.pairwise(ordered):
        if _days_apart(earlier, later) <= FLARE_DAYS:
            return earlier, later
    return None


def flare(report: Report, baseline: Baseline, recent: Recent) -> Finding | None:
    """Pain up on two different days within a week, not settling twice, or "it's a flare".

    The design drops the earlier 30% condition: on a 0-10 whole-number scale it left a
    patient with usual pain of 8 or more unable to flare at all.
    """
    day = report.day
    median = median_before(recent, day)
    threshold = flare_threshold(baseline.usual_pain, median, baseline.limits)
    partners = []
    if report.pain is not None and report.pain >= threshold:
        partners = sorted(
            (_days_apart(entry.day, day), entry)
            for entry in recent.pains
            if 0 < _days_apart(entry.day, day) <= FLARE_DAYS and entry.pain >= threshold
        )
    unsettled = _pair_within_a_week(
        when for when in recent.unsettled_days if _days_apart(when, day) <= FLARE_DAYS
    )
    if not (partners or unsettled or report.says_flare):
        return None
    evidence = {
        "usual": baseline.usual_pain,
        "median_14_days": median,
        "threshold": threshold,
        "now": report.pain,
        "day": day.isoformat(),
        "says_flare": report.says_flare,
    }
    if partners:
        _gap, other = partners[0]
        other_day, other_pain = other.day, other.pain
        evidence.update(
            other_day=other_day.isoformat(), other_pain=other_pain, other_source_id=other.ref
        )
        summary = _(
            "Pain %(now)d/10 on %(day)s and %(other)d/10 on %(other_day)s: up on two days "
            "(usual %(usual)d, 14-day median %(median)s)."
        ) % {
            "now": report.pain,
            "day": _short_date(day),
            "other": other_pain,
            "other_day": _short_date(other_day),
            "usual": baseline.usual_pain,
            "median": _median_text(median),
        }
    elif unsettled:
        evidence["unsettled_days"] = [when.isoformat() for when in unsettled]
        summary = _("Not back to usual the morning after a walk, twice in a week (%(days)s).") % {
            "days": _("%(first)s and %(second)s")
            % {"first": _short_date(unsettled[0]), "second": _short_date(unsettled[1])}
        }
    else:
        summary = _("Says this is a flare-up: worse pain that is hard to cope with.")
    return Finding(Rule.FLARE, Severity.REVIEW, summary, evidence)


def _short_date(day: datetime.date) -> str:
    return date_format(day, "j M")


def _median_text(median: float | None) -> str:
    if median is None:
        return _("not known yet")
    return f"{median:g}"


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
