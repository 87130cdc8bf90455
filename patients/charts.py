"""The patient's charts (pain over time, minutes per week against the plan's target) and
the reviewer's (each rule's action share, flags per week by severity).

Drawn on the server as SVG (no script, no inline style) with a table beside each as its
text alternative.
"""

import datetime

from django.utils.dateformat import format as date_format

from patients.summaries import week_bounds
from programs.charts import (
    CHART_HEIGHT,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_TOP,
    bar_chart,
)

PAIN_TICKS = [0, 2, 4, 6, 8, 10]
# Patients' charts are narrower than the admin's preview, so that their text stays readable
# on a phone (the SVG scales to the screen's width).
WIDTH = 400
MOST_DATES = 3  # dates under the pain chart: first, middle, last; more would crowd at 360 px

# How many weeks of walking the patient's and the clinician's charts show.
CHART_WEEKS = 8


def date_label_points(count: int) -> set[int]:
    """Which of `count` points get a date under them: evenly spread, first and last."""
    if count <= MOST_DATES:
        return set(range(count))
    return {round(index * (count - 1) / (MOST_DATES - 1)) for index in range(MOST_DATES)}


def pain_chart(logs) -> dict:
    """Pain before and after each walk, oldest first, on the 0-10 scale."""
    if not logs:
        return {"points": [], "width": WIDTH, "height": CHART_HEIGHT}
    plot_width = WIDTH - MARGIN_LEFT - 32
    plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    baseline = MARGIN_TOP + plot_height
    step = plot_width / max(len(logs) - 1, 1)
    dated = date_label_points(len(logs))

    def y_of(pain: int) -> float:
        return round(baseline - plot_height * pain / 10, 1)

    points = [
        {
            "x": round(MARGIN_LEFT + 8 + index * step, 1),
            "before_y": y_of(log.pain_before),
            "after_y": y_of(log.pain_after),
            "log": log,
            "dated": index in dated,
        }
        for index, log in enumerate(logs)
    ]
    return {
        "points": points,
        "before_line": " ".join(f"{p['x']},{p['before_y']}" for p in points),
        "after_line": " ".join(f"{p['x']},{p['after_y']}" for p in points),
        "ticks": [{"value": value, "y": y_of(value)} for value in PAIN_TICKS],
        "width": WIDTH,
        "height": CHART_HEIGHT,
        "axis_x": MARGIN_LEFT,
        "right": WIDTH - 8,
        "label_y": baseline + 20,
    }


def minutes_chart(logs, plan, today: datetime.date, weeks: int, since: datetime.date) -> dict:
    """Minutes walked in each of the last `weeks` weeks, with the plan's weekly target.

    No empty weeks from before the patient started (`since`, or their first walk).
    """
    monday, _sunday = week_bounds(today)
    first = min([since, *(log.walked_on for log in logs)])
    starts = [
        start
        for back in range(weeks - 1, -1, -1)
        if (start := monday - datetime.timedelta(weeks=back)) + datetime.timedelta(6) >= first
    ]
    stages = {stage.position: stage for stage in plan.stages.all()} if plan else {}
    current = stages.get(plan.current_position) if plan else None
    rows = []
    for start in starts:
        in_week = [log for log in logs if start <= log.walked_on <= start + datetime.timedelta(6)]
        # The target of the stage the patient was on that week (else the current stage).
        stage = next(
            (stages[log.stage_position] for log in in_week if log.stage_position in stages),
            current,
        )
        before_plan = plan is None or start + datetime.timedelta(6) < plan.start_date
        rows.append(
            {
                "start": start,
                "minutes": sum(log.minutes for log in in_week),
                "walks": len(in_week),
                "target": (
                    None
                    if before_plan or stage is None
                    else stage.minutes_per_session * stage.sessions_per_week
                ),
            }
        )
    chart = bar_chart(
        [row["minutes"] for row in rows],
        labels=[date_format(row["start"], "j M") for row in rows],
        classes=["bar-minutes" for _row in rows],
        targets=[row["target"] for row in rows],
        width=WIDTH,
        most_labels=4,
    )
    return {**chart, "rows": rows}


# The reviewer's report: each rule's action share, and flags per week by severity.

ROW_HEIGHT = 44  # a rule's name on one line, its bar under it
BAR_THICKNESS = 16


def share_bars(rows: list[tuple[str, float | None, str]]) -> dict:
    """Horizontal bars of shares (0 to 1), one per row of (label, share, words for the
    value): the label above its bar, so long rule names stay readable on a phone."""
    left, right = 8, WIDTH - 56
    plot = right - left
    bars = []
    for index, (label, value, words) in enumerate(rows):
        top = MARGIN_TOP + index * ROW_HEIGHT
        length = round(plot * (value or 0), 1)
        bars.append(
            {
                "label": label,
                "label_y": top + 14,
                "x": left,
                "y": top + 20,
                "length": length,
                "value_x": round(left + length + 6, 1),
                "value_y": top + 20 + BAR_THICKNESS - 3,
                "words": words,
            }
        )
    height = MARGIN_TOP + len(rows) * ROW_HEIGHT + 8
    return {
        "bars": bars,
        "width": WIDTH,
        "height": height,
        "thickness": BAR_THICKNESS,
        "axis_x": left,
        "ticks": [
            {"x": round(left + plot * fraction, 1), "label": f"{round(fraction * 100)}%"}
            for fraction in (0, 0.5, 1)
        ],
        "bottom": height - 8,
    }


def stacked_bars(
    stacks: list[list[int]],
    *,
    labels: list[str],
    classes: list[str],
    titles: list[list[str]],
    top: int | None = None,
    percent: bool = False,
) -> dict:
    """Vertical bars of stacked segments, first segment at the bottom: one bar per week.

    Only a few bars carry a date under them (first, middle, last), so 52 weeks fit a phone.
    With `percent`, the scale runs from 0 to 100 with ticks at 0, 50 and 100.
    """
    if not stacks:
        return {"bars": [], "ticks": [], "width": WIDTH, "height": CHART_HEIGHT}
    # "100%" needs more room beside the axis than a count does.
    axis_x = MARGIN_LEFT + 12 if percent else MARGIN_LEFT
    totals = [sum(stack) for stack in stacks]
    top = top or nice_top(max(totals))
    plot_width = WIDTH - axis_x - 8
    plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    baseline = MARGIN_TOP + plot_height
    slot = plot_width / len(stacks)
    dated = date_label_points(len(stacks))

    def height_of(value: float) -> float:
        return plot_height * value / top

    bars = []
    for index, (stack, label, names) in enumerate(zip(stacks, labels, titles, strict=True)):
        left = axis_x + index * slot
        floor, segments = baseline, []
        for value, css, title in zip(stack, classes, names, strict=True):
            if not value:
                continue
            tall = height_of(value)
            segments.append(
                {
                    "x": round(left + slot * 0.1, 1),
                    "y": round(floor - tall, 1),
                    "width": round(max(slot * 0.8, 1), 1),
                    "height": round(tall, 1),
                    "css": css,
                    "title": title,
                }
            )
            floor -= tall
        bars.append(
            {
                "segments": segments,
                "label": label,
                "label_x": round(left + slot / 2, 1),
                "show_label": index in dated,
            }
        )
    steps = (0, top // 2, top) if percent or top % 3 else (0, top // 3, 2 * top // 3, top)
    return {
        "bars": bars,
        "ticks": [
            {"value": f"{value}%" if percent else value, "y": round(baseline - height_of(value), 1)}
            for value in steps
        ],
        "width": WIDTH,
        "height": CHART_HEIGHT,
        "axis_x": axis_x,
        "right": WIDTH - 8,
        "label_y": baseline + 20,
    }


def nice_top(value: int) -> int:
    """A round top for a count scale: 3, 6, 9, 12, 15, 30, 60, ... (divides into thirds)."""
    for top in (3, 6, 9, 12, 15, 30, 60, 90, 150, 300, 600, 900, 1500, 3000):
        if value <= top:
            return top
    return -(-value // 3000) * 3000
