"""The plain-language vocabularies patients and clinicians share.

The descriptors are our own everyday words; the licensed questionnaires that inspired them
(painDETECT, DN4, LANSS) are not copied.
"""

from django.db import models
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _


class PainCharacter(models.TextChoices):
    ACHING = "aching", _("Aching")
    STIFF = "stiff", _("Stiff")
    THROBBING = "throbbing", _("Throbbing")
    SHARP = "sharp", _("Sharp or stabbing")
    BURNING = "burning", _("Burning")
    ELECTRIC_SHOCK = "electric_shock", _("Like an electric shock")
    SHOOTING = "shooting", _("Shooting")
    PINS_AND_NEEDLES = "pins_and_needles", _("Pins and needles or tingling")
    NUMBNESS = "numbness", _("Numbness")


# Nerve-type words: new ones in the leg matter; aching, stiff and throbbing never flag.
NERVE_CHARACTERS = frozenset(
    {
        PainCharacter.BURNING,
        PainCharacter.ELECTRIC_SHOCK,
        PainCharacter.SHOOTING,
        PainCharacter.PINS_AND_NEEDLES,
        PainCharacter.NUMBNESS,
    }
)


class BodyArea(models.TextChoices):
    LOWER_BACK = "lower_back", _("Lower back")
    BUTTOCK = "buttock", _("Buttock")
    THIGH = "thigh", _("Thigh")
    BELOW_KNEE = "below_knee", _("Below the knee")
    FOOT = "foot", _("Foot")
    HIP = "hip", _("Hip")
    KNEE = "knee", _("Knee")


LEG_AREAS = frozenset({BodyArea.THIGH, BodyArea.BELOW_KNEE, BodyArea.FOOT})
JOINT_AREAS = frozenset({BodyArea.HIP, BodyArea.KNEE, BodyArea.FOOT})


class Side(models.TextChoices):
    NONE = "", _("Not in the legs")
    LEFT = "left", _("Left")
    RIGHT = "right", _("Right")
    BOTH = "both", _("Both")


class Effort(models.TextChoices):
    EASY = "easy", _("Easy")
    MODERATE = "moderate", _("Moderate")
    HARD = "hard", _("Hard")
    VERY_HARD = "very_hard", _("Very hard")


class Terrain(models.TextChoices):
    """Ground, easiest first. On a plan stage it is the hardest ground allowed."""

    FLAT = "flat", _("Flat ground")
    MIXED = "mixed", _("Mixed ground")
    HILLY = "hilly", _("Hills or uneven ground")


class Severity(models.TextChoices):
    URGENT = "urgent", gettext_lazy("Urgent")
    SAME_DAY = "same_day", gettext_lazy("Same day")
    REVIEW = "review", gettext_lazy("Review")
    INFO = "info", gettext_lazy("Info")


SEVERITY_RANK = {Severity.URGENT: 4, Severity.SAME_DAY: 3, Severity.REVIEW: 2, Severity.INFO: 1}
# Flags of these severities email the clinic, pause the plan, stay on the patient's home
# page as advice, and need a second confirmation before the plan carries on.
ALERT_SEVERITIES = frozenset({Severity.URGENT, Severity.SAME_DAY})


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


# Outcomes (patients/outcomes/, docs/outcomes.md)


class Occasion(models.TextChoices):
    START = "start", _("At the start")
    REVIEW = "review", _("Review on the plan")
    DISCHARGE = "discharge", _("At the end of the plan")


class Instrument(models.TextChoices):
    PSFS = "psfs", _("Patient-Specific Functional Scale")
    NPRS = "nprs", _("Pain intensity (0-10), average over the last week")
    GROC = "groc", _("Global rating of change")


class Limitation(models.TextChoices):
    """How much an episode of back pain limited usual activities (the follow-up's grading)."""

    NOT_AT_ALL = "none", _("Not at all")
    A_LITTLE = "little", _("A little")
    MODERATELY = "moderate", _("Moderately")
    A_LOT = "lot", _("A lot")


# An activity-limiting recurrence: back pain over 24 hours that limited usual activities
# moderately or more (the WalkBack group's cohort definition; DESIGN.md, Outcomes).
RECURRENCE_LIMITATIONS = (Limitation.MODERATELY, Limitation.A_LOT)
