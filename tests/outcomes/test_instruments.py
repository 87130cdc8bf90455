"""Each instrument's score and what counts as a real change (its MCID), at the boundaries."""

from decimal import Decimal

import pytest

from patients.choices import Instrument
from patients.outcomes.instruments import Change, change_between, classify, psfs_pair, psfs_score

D = Decimal


@pytest.mark.parametrize(
    ("ratings", "score"),
    [
        ([3, 4, 5], D("4.00")),
        ([3, 4, 4], D("3.67")),  # rounded to two places
        ([2, None, 5], D("3.50")),  # an activity left unrated does not count
        ([7], D("7.00")),  # a partial PSFS: one activity is still a score
        ([None, None], None),
        ([], None),
        ([0, 0, 0], D("0.00")),  # unable to do any of them is a score, not nothing
    ],
)
def test_psfs_is_the_mean_of_the_activities_rated(ratings, score):
    assert psfs_score(ratings) == score


@pytest.mark.parametrize(
    ("baseline", "now", "change"),
    [
        (D("3.00"), D("5.00"), Change.IMPROVED),  # exactly the MCID (2) is a real change
        (D("3.00"), D("4.99"), Change.NO_CHANGE),  # just under
        (D("3.33"), D("5.33"), Change.IMPROVED),
        (D("5.00"), D("3.00"), Change.WORSE),
        (D("5.00"), D("3.01"), Change.NO_CHANGE),
        (D("5.00"), D("5.00"), Change.NO_CHANGE),
    ],
)
def test_psfs_higher_is_better_by_two_points(baseline, now, change):
    assert classify(Instrument.PSFS, baseline, now) == change


@pytest.mark.parametrize(
    ("baseline", "now", "change"),
    [
        (D(7), D(5), Change.IMPROVED),  # pain down by exactly 2
        (D(7), D(6), Change.NO_CHANGE),  # down by 1: within the ups and downs
        (D(4), D(6), Change.WORSE),  # up by 2
        (D(4), D(5), Change.NO_CHANGE),
        (D(0), D(0), Change.NO_CHANGE),
    ],
)
def test_pain_lower_is_better_by_two_points(baseline, now, change):
    assert classify(Instrument.NPRS, baseline, now) == change


@pytest.mark.parametrize(
    ("rating", "change"),
    [
        (3, Change.IMPROVED),
        (2, Change.IMPROVED),  # "much better" is the threshold
        (1, Change.NO_CHANGE),  # "a little better" is not enough
        (0, Change.NO_CHANGE),
        (-1, Change.NO_CHANGE),
        (-2, Change.WORSE),
        (-3, Change.WORSE),
    ],
)
def test_global_rating_is_a_change_in_itself(rating, change):
    # Its baseline is never used: a different one changes nothing.
    assert classify(Instrument.GROC, None, D(rating)) == change
    assert classify(Instrument.GROC, D(-3), D(rating)) == change


@pytest.mark.parametrize("instrument", [Instrument.PSFS, Instrument.NPRS])
def test_missing_scores_cannot_be_compared(instrument):
    assert classify(instrument, None, D(5)) is None
    assert classify(instrument, D(5), None) is None


def test_a_missing_global_rating_has_no_change():
    assert classify(Instrument.GROC, None, None) is None


def rated(**ratings) -> list[dict]:
    return [{"activity": name, "rating": rating} for name, rating in ratings.items()]


def test_psfs_compares_only_the_activities_rated_both_times():
    # Gardening 0 and lifting 10 (5.00), then gardening 0 alone (0.00): nothing changed.
    assert psfs_pair(rated(gardening=0, lifting=10), rated(gardening=0)) == (D(0), D(0))
    assert (
        change_between(
            Instrument.PSFS,
            (D(5), {"activities": rated(gardening=0, lifting=10)}),
            (D(0), {"activities": rated(gardening=0)}),
        )
        == Change.NO_CHANGE
    )
    # Both rated both times: the ordinary means.
    assert psfs_pair(rated(a=2, b=4), rated(a=5, b=5)) == (D(3), D(5))


def test_psfs_with_no_activity_rated_both_times_has_no_change():
    assert psfs_pair(rated(gardening=3), rated(lifting=8)) is None
    assert change_between(Instrument.PSFS, (D(3), {}), (D(8), {})) is None


def test_the_other_instruments_change_by_their_scores():
    assert change_between(Instrument.NPRS, (D(7), {}), (D(4), {})) == Change.IMPROVED
    assert change_between(Instrument.GROC, (None, {}), (D(-2), {})) == Change.WORSE
