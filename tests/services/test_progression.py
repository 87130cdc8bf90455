"""The traffic light and "ready to progress", at and around each boundary."""

import datetime

import pytest

from programs.progression import (
    Light,
    LightReason,
    StageWalk,
    light_reason,
    stage_light,
    stage_progress,
    walk_light,
)

TODAY = datetime.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("pain_after", "usual", "settled", "light"),
    [
        (5, 3, True, Light.GREEN),  # pain after at most 5
        (4, 2, None, Light.GREEN),  # not answered yet is not a reason to hold back
        (6, 3, True, Light.AMBER),  # above 5 and above usual
        (6, 6, True, Light.GREEN),  # above 5 but not above usual
        (6, 5, True, Light.AMBER),  # the design's overlap: amber wins
        (3, 3, False, Light.AMBER),  # not settled by the next morning
    ],
)
def test_walk_light(pain_after, usual, settled, light):
    assert walk_light(StageWalk(pain_after, settled), usual) == light


def test_two_walks_not_settling_make_the_stage_red():
    walks = [StageWalk(4, False), StageWalk(4, True), StageWalk(4, False)]

    assert stage_light(walks, 3, review_flag_open=False) == Light.RED


def test_an_open_review_flag_makes_the_stage_red():
    assert stage_light([StageWalk(2, True)], 3, review_flag_open=True) == Light.RED


def progress(**overrides):
    arguments = {
        "walks": [StageWalk(3, True)] * 6,
        "usual_pain": 3,
        "walks_needed": 6,
        "stage_started": TODAY - datetime.timedelta(weeks=2),
        "stage_weeks": 2,
        "today": TODAY,
        "has_next_stage": True,
        "review_flag_open": False,
    }
    return stage_progress(**{**arguments, **overrides})


def test_ready_when_the_stages_walks_were_done_over_its_length_on_green():
    assert progress().ready


@pytest.mark.parametrize(
    "overrides",
    [
        {"walks": [StageWalk(3, True)] * 5},  # one walk short
        {"stage_started": TODAY - datetime.timedelta(days=13)},  # the stage is not over
        {"walks": [StageWalk(3, True)] * 5 + [StageWalk(7, True)]},  # amber
        {"review_flag_open": True},  # red: an open review flag always stops progress
        {"has_next_stage": False},  # the last stage
    ],
)
def test_not_ready(overrides):
    assert not progress(**overrides).ready


@pytest.mark.parametrize(
    ("walks", "flag_open", "reason", "light"),
    [
        ([StageWalk(2, True)], False, LightReason.NONE, Light.GREEN),
        ([StageWalk(7, True)], False, LightReason.PAIN_AFTER, Light.AMBER),
        ([StageWalk(2, False)], False, LightReason.NOT_SETTLED, Light.AMBER),
        ([StageWalk(2, False), StageWalk(2, False)], False, LightReason.NOT_SETTLING, Light.RED),
        # An open flag is said first: it is what the clinician must deal with.
        ([StageWalk(7, False), StageWalk(2, False)], True, LightReason.FLAG_OPEN, Light.RED),
    ],
)
def test_the_light_says_why(walks, flag_open, reason, light):
    assert light_reason(walks, 3, review_flag_open=flag_open) == reason
    assert stage_light(walks, 3, review_flag_open=flag_open) == light
    progress = stage_progress(
        walks=walks,
        usual_pain=3,
        walks_needed=1,
        stage_started=datetime.date(2026, 11, 2),
        stage_weeks=2,
        today=datetime.date(2026, 11, 30),
        has_next_stage=True,
        review_flag_open=flag_open,
    )
    assert (progress.light, progress.light_reason) == (light, reason)
