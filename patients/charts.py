"""The patient's charts: pain over time and minutes per week against the plan's target.

Drawn on the server as SVG (no script, no inline style) with a table beside each as its
text alternative.
"""

import datetime

from patients.progress import week_bounds
from programs.charts import (
    CHART_HEIGHT,
    CHART_WIDTH,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_TOP,
    bar_chart,
)

PAIN_TICKS = [0, 2, 4, 6, 8, 10]


def pain_chart(logs) -> dict:
    """Pain before and after each walk, oldest first, on the 0-10 scale."""
    if not logs:
        return {"points": [], "width": CHART_WIDTH, "height": CHART_HEIGHT}
    plot_width = CHART_WIDTH - MARGIN_LEFT - 16
    plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    baseline = MARGIN_TOP + plot_height
    step = plot_width / max(len(logs) - 1, 1)

    def y_of(pain: int) -> float:
        return round(baseline - plot_height * pain / 10, 1)

    points = [
        {
            "x": round(MARGIN_LEFT + 8 + index * step, 1),
            "before_y": y_of(log.pain_before),
            "after_y": y_of(log.pain_after),
            "log": log,
        }
        for index, log in enumerate(logs)
    ]
    return {
        "points": points,
        "before_line": " ".join(f"{p['x']},{p['before_y']}" for p in points),
        "after_line": " ".join(f"{p['x']},{p['after_y']}" for p in points),
        "ticks": [{"value": value, "y": y_of(value)} for value in PAIN_TICKS],
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "axis_x": MARGIN_LEFT,
        "right": CHART_WIDTH - 8,
        "first": logs[0].walked_on,
        "last": logs[-1].walked_on,
        "label_y": baseline + 20,
    }


def minutes_chart(logs, plan, today: datetime.date, weeks: int) -> dict:
    """Minutes walked in each of the last `weeks` weeks, with the plan's weekly target."""
    monday, _sunday = week_bounds(today)
    starts = [monday - datetime.timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
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
        labels=[row["start"].strftime("%d %b") for row in rows],
        classes=["bar-minutes" for _row in rows],
        targets=[row["target"] for row in rows],
    )
    return {**chart, "rows": rows}
