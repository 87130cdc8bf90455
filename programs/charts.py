"""The progression preview: week-by-week targets and a small SVG bar chart.

The chart is drawn on the server as SVG attributes (no script, no inline style), so it
works under a strict Content Security Policy and with JavaScript off. The table beside it
is its text alternative.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from patients.choices import Terrain

CHART_WIDTH = 640
CHART_HEIGHT = 220
MARGIN_LEFT = 44
MARGIN_BOTTOM = 30
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
        for _week in range(stage.weeks):
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


def nice_ceiling(value: int, step: int = 30) -> int:
    step = step if value <= 6 * step else step * 2
    return max(step, -(-value // step) * step)


def bar_chart(
    values: list[int],
    *,
    labels: list[str],
    classes: list[str],
    top: int | None = None,
    targets: list[int | None] | None = None,
    titles: list[str] | None = None,
    width: int = CHART_WIDTH,
    most_labels: int = 20,
) -> dict:
    """Bar geometry in SVG user units, ready for a template: no script, no inline style.

    With more bars than `most_labels`, every other bar is labelled, so labels never overlap.
    """
    if not values:
        return {"bars": [], "ticks": [], "width": width, "height": CHART_HEIGHT}
    targets = targets or [None] * len(values)
    titles = titles or [""] * len(values)
    top = top or nice_ceiling(max([*values, *(t for t in targets if t)]))
    plot_width = width - MARGIN_LEFT - 8
    plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = plot_width / len(values)
    baseline = MARGIN_TOP + plot_height

    def y_of(value: int) -> float:
        return round(baseline - plot_height * value / top, 1)

    bars = []
    for index, (value, label, css, target, title) in enumerate(
        zip(values, labels, classes, targets, titles, strict=True)
    ):
        left = MARGIN_LEFT + index * slot
        bars.append(
            {
                "x": round(left + slot * 0.1, 1),
                "y": y_of(value),
                "width": round(slot * 0.8, 1),
                "height": round(baseline - y_of(value), 1),
                "value": value,
                "label": label,
                "label_x": round(left + slot / 2, 1),
                "show_label": len(values) <= most_labels or (len(values) - 1 - index) % 2 == 0,
                "css": css,
                "title": title,
                "target_y": y_of(target) if target else None,
                "target_x1": round(left + slot * 0.05, 1),
                "target_x2": round(left + slot * 0.95, 1),
            }
        )
    step = top // 3
    return {
        "bars": bars,
        "ticks": [{"value": value, "y": y_of(value)} for value in range(0, top + 1, step)],
        "width": width,
        "height": CHART_HEIGHT,
        "axis_x": MARGIN_LEFT,
        "baseline": baseline,
        "label_y": baseline + 20,
        "right": width - 8,
        "has_targets": any(targets),
    }


def progression_chart(weeks: list[PlanWeek]) -> dict:
    """Minutes per week by week number, for the template preview."""
    return bar_chart(
        [week.minutes_per_week for week in weeks],
        labels=[str(week.number) for week in weeks],
        classes=[f"bar-{week.terrain}" for week in weeks],
        titles=[
            _("Week %(week)d: %(minutes)d minutes")
            % {"week": week.number, "minutes": week.minutes_per_week}
            for week in weeks
        ],
    )
