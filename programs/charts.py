"""The progression preview: week-by-week targets and a small SVG bar chart.

The chart is drawn on the server as SVG attributes (no script, no inline style), so it
works under a strict Content Security Policy and with JavaScript off. The table beside it
is its text alternative.
"""

from dataclasses import dataclass

from patients.choices import Terrain

CHART_WIDTH = 640
CHART_HEIGHT = 220
MARGIN_LEFT = 44
MARGIN_BOTTOM = 28
MARGIN_TOP = 12


@dataclass(frozen=True)
class PlanWeek:
    number: int
    stage: int
    minutes: int
    sessions: int
    terrain: str

    @property
    def minutes_per_week(self) -> int:
        return self.minutes * self.sessions

    @property
    def terrain_label(self) -> str:
        return Terrain(self.terrain).label


def progression_weeks(stages) -> list[PlanWeek]:
    weeks: list[PlanWeek] = []
    for stage in sorted(stages, key=lambda stage: stage.position):
        for _ in range(stage.weeks):
            weeks.append(
                PlanWeek(
                    number=len(weeks) + 1,
                    stage=stage.position,
                    minutes=stage.minutes_per_session,
                    sessions=stage.sessions_per_week,
                    terrain=stage.terrain,
                )
            )
    return weeks


def _nice_ceiling(value: int) -> int:
    step = 30 if value <= 180 else 60
    return max(step, -(-value // step) * step)


def progression_chart(weeks: list[PlanWeek]) -> dict:
    """Bar geometry for minutes per week by week number, ready for the SVG template."""
    if not weeks:
        return {"bars": [], "ticks": [], "width": CHART_WIDTH, "height": CHART_HEIGHT}
    top = _nice_ceiling(max(week.minutes_per_week for week in weeks))
    plot_width = CHART_WIDTH - MARGIN_LEFT - 8
    plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_width / len(weeks)
    baseline = MARGIN_TOP + plot_height

    def y_of(minutes: int) -> float:
        return round(baseline - plot_height * minutes / top, 1)

    bars = [
        {
            "x": round(MARGIN_LEFT + index * slot + slot * 0.1, 1),
            "y": y_of(week.minutes_per_week),
            "width": round(slot * 0.8, 1),
            "height": round(baseline - y_of(week.minutes_per_week), 1),
            "week": week,
            "label_x": round(MARGIN_LEFT + index * slot + slot / 2, 1),
            "show_label": len(weeks) <= 20 or week.number % 2 == 1,
            "terrain_class": f"bar-{week.terrain}",
        }
        for index, week in enumerate(weeks)
    ]
    tick_step = top // 3
    ticks = [{"value": value, "y": y_of(value)} for value in range(0, top + 1, tick_step)]
    return {
        "bars": bars,
        "ticks": ticks,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "axis_x": MARGIN_LEFT,
        "baseline": baseline,
        "label_y": baseline + 18,
        "right": CHART_WIDTH - 8,
    }
