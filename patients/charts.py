"""The patient's charts: pain over time and minutes per week against the plan's target.

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
