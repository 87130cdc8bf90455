"""The clinician's outcome charts: an instrument's scores over time on its 0-10 scale, with
the band of no real change around the baseline (baseline ± the instrument's MCID).

Drawn on the server as SVG (no script, no inline style) with a table beside it as its text
alternative, in the style of patients/charts.py.
"""

from decimal import Decimal

from patients.charts import PAIN_TICKS, WIDTH, date_label_points
from patients.choices import Instrument
from programs.charts import CHART_HEIGHT, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_TOP

# The instruments drawn: both on 0 to 10 (the global rating of change is a rating of
# change in itself, shown in the table only).
CHARTED = (Instrument.PSFS, Instrument.NPRS)


def outcome_chart(row) -> dict:
    """One instrument's chart from its progress row (patients.outcomes.progress): a point
    per questionnaire, spaced by date, and the MCID band around the baseline."""
    plot_width = WIDTH - MARGIN_LEFT - 32
    plot_height = CHART_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    bottom = MARGIN_TOP + plot_height
    first, last = row.points[0].on, row.points[-1].on
    span = max((last - first).days, 1)
    dated = date_label_points(len(row.points))

    def y_of(value: Decimal) -> float:
        clipped = min(max(Decimal(value), Decimal(0)), Decimal(10))
        return round(bottom - plot_height * float(clipped) / 10, 1)

    def x_of(on) -> float:
        if len(row.points) == 1:
            return round(MARGIN_LEFT + 8 + plot_width / 2, 1)
        return round(MARGIN_LEFT + 8 + plot_width * (on - first).days / span, 1)

    points = [
        {"x": x_of(p.on), "y": y_of(p.score), "point": p, "dated": i in dated}
        for i, p in enumerate(row.points)
    ]
    baseline = row.baseline.score
    band_top, band_bottom = y_of(baseline + row.mcid), y_of(baseline - row.mcid)
    return {
        "instrument": row.instrument,
        "label": row.label,
        "row": row,
        "points": points,
        "line": " ".join(f"{p['x']},{p['y']}" for p in points),
        "band": {
            "x": MARGIN_LEFT,
            "y": band_top,
            "width": WIDTH - 8 - MARGIN_LEFT,
            "height": round(band_bottom - band_top, 1),
            "low": max(baseline - row.mcid, Decimal(0)).normalize(),
            "high": min(baseline + row.mcid, Decimal(10)).normalize(),
        },
        "baseline_y": y_of(baseline),
        "ticks": [{"value": value, "y": y_of(Decimal(value))} for value in PAIN_TICKS],
        "width": WIDTH,
        "height": CHART_HEIGHT,
        "axis_x": MARGIN_LEFT,
        "right": WIDTH - 8,
        "label_y": bottom + 20,
    }


def outcome_charts(progress) -> list[dict]:
    """The charts of the instruments charted that the patient has answered."""
    return [outcome_chart(row) for row in progress if row.instrument in CHARTED]
