"""The Kaplan-Meier curve of recurrence-free days since discharge, drawn on the server as
SVG: the curve, its 95% band, the WalkBack trial's published medians as reference marks,
and the numbers still followed under the axis. No script, no inline style (classes in
static/css/stepwise.css); the page gives the same curve as a table beside it.
"""

from patients.outcomes.survival import Curve

WIDTH = 400
LEFT, RIGHT = 60, 24  # room for "100%" beside the axis, and for the last day's label
TOP = 30  # room for the trial's marks' labels
PLOT_HEIGHT = 190
ROW = 22  # one row of text under the plot
SHOWN_DAYS = 365  # a year of follow-up; a longer one widens the axis

# Pocovi et al., Lancet 2024;404:134-44: median days to an activity-limiting recurrence.
TRIAL_MEDIANS = (("walking", 208), ("usual_care", 112))


def _x(days: float, last_day: int) -> float:
    return round(LEFT + (WIDTH - LEFT - RIGHT) * days / last_day, 1)


def _y(share: float) -> float:
    return round(TOP + PLOT_HEIGHT * (1 - share), 1)


def _steps(points: list[tuple[int, float]], end_day: int, last_day: int) -> list:
    """A step function's corners from (day, value) points, starting at the first point's
    value and carried flat only to end_day: the last day anyone was still followed, never
    beyond it to the axis' end."""
    if not points:
        return []
    value = points[0][1]
    corners = [(_x(points[0][0], last_day), _y(value))]
    for days, new_value in points[1:]:
        corners += [(_x(days, last_day), _y(value)), (_x(days, last_day), _y(new_value))]
        value = new_value
    end = (_x(end_day, last_day), _y(value))
    return corners if corners[-1] == end else [*corners, end]


def _path(corners) -> str:
    return "M " + " L ".join(f"{x} {y}" for x, y in corners)


def _band(curve: Curve, last_day: int) -> str:
    """The 95% band only where it can be worked out: from the first recurrence (before it
    the share is 100% and certain) to the last day followed or the day the share fell to
    0 (where nobody is left and there is no band)."""
    defined = [step for step in curve.steps if step.lower is not None]
    if not defined:
        return ""
    after = [step.days for step in curve.steps if step.days > defined[-1].days]
    end_day = after[0] if after else defined[-1].days
    upper = _steps([(step.days, step.upper) for step in defined], end_day, last_day)
    lower = _steps([(step.days, step.lower) for step in defined], end_day, last_day)
    # Along its upper edge, back along its lower edge.
    return _path(upper + list(reversed(lower))) + " Z"


def survival_chart(curve: Curve, at_risk: list[tuple[int, int]]) -> dict:
    """What the template needs to draw the curve: paths, ticks, marks and rows of text."""
    last_seen = curve.steps[-1].days if curve.steps else 0
    last_day = max(SHOWN_DAYS, last_seen)
    # The line starts at 100% on day 0 and stops on the last day anyone was followed.
    points = [(0, 1.0)] + [(step.days, step.survival) for step in curve.steps]
    bottom = TOP + PLOT_HEIGHT
    return {
        "width": WIDTH,
        "height": bottom + 3 * ROW + 10,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": bottom,
        "curve": _path(_steps(points, last_seen, last_day)) if curve.steps else "",
        "band": _band(curve, last_day),
        "half_y": _y(0.5),
        "y_ticks": [{"y": _y(share), "label": f"{round(share * 100)}%"} for share in (0, 0.5, 1)],
        "x_ticks": [
            {"x": _x(days, last_day), "days": days, "at_risk": count} for days, count in at_risk
        ],
        "days_y": bottom + ROW - 4,
        "risk_title_y": bottom + 2 * ROW,
        "risk_y": bottom + 3 * ROW,
        # Each mark's label beside it, away from the other (usual care's to the left of its
        # line, walking's to the right), so the two never overlap.
        "trial": [
            {
                "arm": arm,
                "days": days,
                "x": _x(days, last_day),
                "label_x": _x(days, last_day) + (4 if arm == "walking" else -4),
                "anchor": "start" if arm == "walking" else "end",
            }
            for arm, days in TRIAL_MEDIANS
        ],
        "mark_y": TOP - 8,
    }
