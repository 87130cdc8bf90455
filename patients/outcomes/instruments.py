"""The outcome instruments: how each is scored and what counts as a real change.

Plain functions over plain numbers, so a clinician can check them against
docs/outcomes.md, where each instrument's source, scoring and minimal clinically
important difference (MCID) are written down. Only instruments free to use in clinical
software are here; the item wording on the forms is our own.

A score is stored with its instrument's version (`VERSIONS`): change the scoring or the
wording and the version goes up, so old and new scores are never compared as one.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from patients.choices import Instrument

PSFS_MAX_ACTIVITIES = 3
GROC_RANGE = range(-3, 4)  # the 7-point scale: -3 very much worse ... +3 very much better


class Change(models.TextChoices):
    IMPROVED = "improved", _("Improved")
    NO_CHANGE = "no_change", _("No real change")
    WORSE = "worse", _("Worse")


@dataclass(frozen=True)
class Scale:
    """What an instrument's scores mean: its range, which way is better, and its MCID."""

    lowest: int
    highest: int
    higher_is_better: bool
    mcid: Decimal
    # Compared with the first score (the baseline), or a rating of change in itself.
    against_baseline: bool = True


SCALES = {
    # Stratford et al., Physiother Can 1995; Horn et al., JOSPT 2012: 2 points on the mean.
    Instrument.PSFS: Scale(0, 10, higher_is_better=True, mcid=Decimal(2)),
    # Childs et al., Spine 2005; Ostelo et al., Spine 2008 (consensus): 2 points.
    Instrument.NPRS: Scale(0, 10, higher_is_better=False, mcid=Decimal(2)),
    # Kamper et al., J Man Manip Ther 2009: "much better" (+2) or more is an improvement.
    Instrument.GROC: Scale(-3, 3, higher_is_better=True, mcid=Decimal(2), against_baseline=False),
}

# The global rating of change in words, worst first as the patient reads it (our wording).
GROC_WORDS = {
    -3: _("Very much worse"),
    -2: _("Much worse"),
    -1: _("A little worse"),
    0: _("About the same"),
    1: _("A little better"),
    2: _("Much better"),
    3: _("Very much better"),
}

VERSIONS = {Instrument.PSFS: "1", Instrument.NPRS: "1", Instrument.GROC: "1"}


def psfs_score(ratings: list[int | None]) -> Decimal | None:
    """The PSFS score: the mean of the activities rated (0 unable, 10 as before the
    problem), to two places. Activities left unrated do not count; none rated, no score."""
    rated = [rating for rating in ratings if rating is not None]
    if not rated:
        return None
    mean = Decimal(sum(rated)) / Decimal(len(rated))
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def classify(instrument: str, baseline: Decimal | None, now: Decimal | None) -> Change | None:
    """Improved, no real change or worse, by the instrument's MCID; None when a score the
    comparison needs is missing. A global rating of change is a change in itself: its
    baseline is not used."""
    scale = SCALES[instrument]
    if now is None or (scale.against_baseline and baseline is None):
        return None
    change = Decimal(now) - Decimal(baseline) if scale.against_baseline else Decimal(now)
    better = change if scale.higher_is_better else -change
    if better >= scale.mcid:
        return Change.IMPROVED
    if better <= -scale.mcid:
        return Change.WORSE
    return Change.NO_CHANGE


def psfs_pair(first: list[dict], last: list[dict]) -> tuple[Decimal, Decimal] | None:
    """The two PSFS scores to compare: each the mean over the activities rated both times
    (matched by name), so an activity left unrated once never moves the score (A 0 and
    B 10, then A 0 alone, is no change, not a fall from 5 to 0). None when no activity was
    rated both times. Items are as stored: {"activity": name, "rating": 0-10}."""
    before = {item["activity"]: item["rating"] for item in first}
    after = {item["activity"]: item["rating"] for item in last}
    both = [name for name in before if name in after]
    if not both:
        return None
    return psfs_score([before[name] for name in both]), psfs_score([after[name] for name in both])


def change_between(instrument: str, first, last) -> Change | None:
    """The change from the `first` score to the `last`, each (score, items as stored): for
    the PSFS over the activities rated both times, for the others by `classify`."""
    if instrument != Instrument.PSFS:
        return classify(instrument, first[0], last[0])
    pair = psfs_pair(_activities(first[1]), _activities(last[1]))
    return classify(instrument, *pair) if pair else None


def _activities(items) -> list[dict]:
    return (items or {}).get("activities", [])
