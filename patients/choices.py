"""The plain-language vocabularies patients and clinicians share.

The descriptors are our own everyday words; the licensed questionnaires that inspired them
(painDETECT, DN4, LANSS) are not copied.
"""

from django.db import models
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
