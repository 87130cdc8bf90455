"""Progression on time, with pain as a safety gate: the traffic light and "ready to progress".

Plain functions over plain data, like the red-flag rules, so a clinician can check each one.
Graded activity progresses by plan, not by how the patient feels on a good day: a stage is
complete when its walks were done over its length on green.
"""

import datetime
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

GREEN_PAIN_AT_MOST = 5
UNSETTLED_FOR_RED = 2


class Light(models.TextChoices):
    GREEN = "green", _("Green: on track")
    AMBER = "amber", _("Amber: repeat the stage, walk shorter or slower")
    RED = "red", _("Red: step back a stage and review")


@dataclass(frozen=True)
class StageWalk:
    pain_after: int
    settled_next_morning: bool | None  # None: not answered (yet)


def walk_light(walk: StageWalk, usual_pain: int) -> str:
    """One walk's light.

    Where the design's green ("pain after <= 5 or <= usual + 2") and amber ("pain after > 5
    and above usual") overlap, amber wins: the cautious reading.
    """
    if walk.settled_next_morning is False:
        return Light.AMBER
    if walk.pain_after > GREEN_PAIN_AT_MOST and walk.pain_after > usual_pain:
        return Light.AMBER
    return Light.GREEN


class LightReason(models.TextChoices):
    """Why a stage's light is not green, in the clinician's words."""

    NONE = "", _("on track")
    FLAG_OPEN = "flag_open", _("an open urgent, same-day or review flag")
    NOT_SETTLING = "not_settling", _("pain not settled the next morning, twice")
    NOT_SETTLED = "not_settled", _("pain not settled the next morning after a walk")
    PAIN_AFTER = "pain_after", _("pain after a walk above 5 and above usual")


def stage_light(walks: list[StageWalk], usual_pain: int, *, review_flag_open: bool) -> str:
    """The stage so far: red on any open review flag or on pain not settling twice."""
    return LIGHT_OF_REASON[light_reason(walks, usual_pain, review_flag_open=review_flag_open)]


def light_reason(walks: list[StageWalk], usual_pain: int, *, review_flag_open: bool) -> str:
    """Why the stage's light is what it is: the first reason in the order red, then amber."""
    unsettled = sum(walk.settled_next_morning is False for walk in walks)
    if review_flag_open:
        return LightReason.FLAG_OPEN
    if unsettled >= UNSETTLED_FOR_RED:
        return LightReason.NOT_SETTLING
    if unsettled:
        return LightReason.NOT_SETTLED
    if any(walk_light(walk, usual_pain) == Light.AMBER for walk in walks):
        return LightReason.PAIN_AFTER
    return LightReason.NONE


LIGHT_OF_REASON = {
    LightReason.FLAG_OPEN: Light.RED,
    LightReason.NOT_SETTLING: Light.RED,
    LightReason.NOT_SETTLED: Light.AMBER,
    LightReason.PAIN_AFTER: Light.AMBER,
    LightReason.NONE: Light.GREEN,
}


@dataclass(frozen=True)
class StageProgress:
    light: str
    light_reason: str
    walks_done: int
    walks_needed: int
    stage_over: bool
    has_next_stage: bool

    @property
    def light_label(self) -> str:
        return Light(self.light).label

    @property
    def light_reason_label(self) -> str:
        return LightReason(self.light_reason).label

    @property
    def ready(self) -> bool:
        return (
            self.light == Light.GREEN
            and self.walks_done >= self.walks_needed
            and self.stage_over
            and self.has_next_stage
        )


def stage_progress(
    *,
    walks: list[StageWalk],
    usual_pain: int,
    walks_needed: int,
    stage_started: datetime.date,
    stage_weeks: int,
    today: datetime.date,
    has_next_stage: bool,
    review_flag_open: bool,
) -> StageProgress:
    reason = light_reason(walks, usual_pain, review_flag_open=review_flag_open)
    return StageProgress(
        light=LIGHT_OF_REASON[reason],
        light_reason=reason,
        walks_done=len(walks),
        walks_needed=walks_needed,
        stage_over=today >= stage_started + datetime.timedelta(weeks=stage_weeks),
        has_next_stage=has_next_stage,
    )
