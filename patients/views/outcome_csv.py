"""The outcomes page's CSV in a long, tidy form that reads without a code book: one row per
number, `figure, day_or_week, measure, value, patients`, each in words. Its first rows say
which filters were chosen and how to read the figures; a figure on fewer than MIN_SHOWN
patients is left out, by the same rule as the page (figures.shown).
"""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from patients.choices import Instrument
from patients.outcomes.figures import MIN_SHOWN, Figures

COLUMNS = ("figure", "day_or_week", "measure", "value", "patients")


def not_shown() -> str:
    return _("Fewer than %(count)d patients: not shown, so that no one can be picked out.") % {
        "count": MIN_SHOWN
    }


def cannot_be_worked_out() -> str:
    return _("cannot be worked out")


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _about(chosen: list[tuple[str, str]]) -> Iterator[tuple]:
    for label, value in chosen:
        yield (_("filter"), "", label, value, "")
    yield (
        _("note"),
        "",
        _("comparison with the trial"),
        _(
            "Indicative only: the WalkBack trial counted from enrolment of people who had "
            "recovered; this clinic counts from discharge."
        ),
        "",
    )
    yield (
        _("note"),
        "",
        _("small numbers"),
        _("Figures on fewer than %(count)d patients are left out.") % {"count": MIN_SHOWN},
        "",
    )


def _curve(figures: Figures) -> Iterator[tuple]:
    patients = figures.curve.patients
    name, median_name = _("recurrence-free curve"), _("median days free of a recurrence")
    if not figures.curve_shown:
        # As on the page: with so few, even who never answered would say something.
        yield (name, "", _("not shown"), not_shown(), "")
        yield (median_name, "", _("not shown"), not_shown(), "")
        return
    yield (_("discharged patients"), "", _("discharged"), figures.discharged, "")
    yield (
        _("discharged patients"),
        "",
        _("never answered a follow-up question (left out)"),
        figures.never_answered,
        "",
    )
    for step in figures.curve.steps:
        band = step.lower is not None
        for measure, value in (
            (_("still followed"), step.at_risk),
            (_("recurrences that day"), step.events),
            (_("last answer that day, no recurrence"), step.censored),
            (_("share free of a recurrence"), _share(step.survival)),
            (_("95% interval, lower"), _share(step.lower) if band else cannot_be_worked_out()),
            (_("95% interval, upper"), _share(step.upper) if band else cannot_be_worked_out()),
        ):
            yield (name, step.days, measure, value, patients)
    yield (name, "", _("recurrences in all"), figures.curve.events, patients)
    median = figures.median
    reached = [_("not reached") if day is None else day for day in (median.lower, median.upper)]
    if not median.interval_known:
        reached = [cannot_be_worked_out()] * 2
    yield (
        median_name,
        "",
        _("days"),
        _("not reached") if median.days is None else median.days,
        patients,
    )
    yield (median_name, "", _("95% interval, from"), reached[0], patients)
    yield (median_name, "", _("95% interval, to"), reached[1], patients)


def _adherence(figures: Figures) -> Iterator[tuple]:
    name = _("adherence")
    for week in figures.adherence:
        label = _("week %(week)d") % {"week": week.week}
        if not week.shown:
            yield (name, label, _("not shown"), not_shown(), "")
            continue
        yield (name, label, _("walks planned"), week.planned, week.patients)
        yield (name, label, _("walks done"), week.done, week.patients)
        yield (name, label, _("share of planned walks done"), _share(week.share), week.patients)


def _improvements(figures: Figures) -> Iterator[tuple]:
    name = _("improved beyond the MCID")
    names = {Instrument.PSFS: _("Function (PSFS)"), Instrument.NPRS: _("Pain (0-10)")}
    for row in figures.improvements:
        measure = names[row.instrument]
        if not row.shown:
            yield (name, measure, _("not shown"), not_shown(), "")
            continue
        for word, count in (
            (_("improved"), row.improved),
            (_("no real change"), row.no_change),
            (_("worse"), row.worse),
        ):
            yield (name, measure, word, count, row.patients)
        yield (name, measure, _("share improved"), _share(row.share), row.patients)


def rows(figures: Figures, chosen: list[tuple[str, str]]) -> Iterator[tuple]:
    """Every row after the header, in the page's order."""
    yield from _about(chosen)
    yield from _curve(figures)
    yield from _adherence(figures)
    yield from _improvements(figures)
