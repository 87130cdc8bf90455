"""The patient's outcome questionnaires as their pages and the clinician's record read
them: which one is due today, and each instrument's scores over time against the baseline.

The rules are in `schedule.py` and `instruments.py` (pure); this module reads the rows they
need, a fixed number of queries whatever the history.
"""

import datetime
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from patients.choices import Instrument, Occasion
from patients.models import OutcomeResponse, OutcomeScore, Patient
from patients.outcomes.instruments import GROC_WORDS, SCALES, VERSIONS, Change, change_between
from patients.outcomes.schedule import Due, questionnaire_due
from programs.models import CURRENT_STATUSES, PlanAssignment, PlanStatus

# The plan being asked about: current by preference, else the last one to end.
_ASKED_ABOUT = [*CURRENT_STATUSES, PlanStatus.ENDED]


@dataclass(frozen=True)
class DueQuestionnaire(Due):
    plan: PlanAssignment


def asked_about_plan(patient: Patient) -> PlanAssignment | None:
    """The current plan, or when there is none the one that ended last (one query)."""
    plans = PlanAssignment.objects.filter(patient=patient, status__in=_ASKED_ABOUT)
    plans = list(plans.order_by("-start_date", "-created_at")[:5])
    current = [plan for plan in plans if plan.status in CURRENT_STATUSES]
    return current[0] if current else (plans[0] if plans else None)


def outcome_due(
    patient: Patient, today: datetime.date, *, plan: PlanAssignment | None = None
) -> DueQuestionnaire | None:
    """The questionnaire due for the patient today, if any. A page that has already read
    the current plan passes it, which saves reading it again."""
    if plan is None:
        plan = asked_about_plan(patient)
    if plan is None:
        return None
    answered = OutcomeResponse.objects.filter(patient=patient, due_on__gte=plan.start_date)
    due = questionnaire_due(
        start=plan.start_date,
        ended_on=plan.ended_on if plan.status == PlanStatus.ENDED else None,
        review_weeks=patient.clinic.outcome_review_weeks,
        answered=set(answered.values_list("occasion", "due_on")),
        today=today,
    )
    if due is None:
        return None
    return DueQuestionnaire(due.occasion, due.due_on, due.overdue, plan=plan)


@dataclass(frozen=True)
class Point:
    on: datetime.date
    occasion: str
    score: Decimal
    items: dict = field(default_factory=dict, compare=False)

    @property
    def occasion_label(self) -> str:
        return Occasion(self.occasion).label

    @property
    def words(self) -> str:
        return f"{self.score.normalize():f}"


@dataclass(frozen=True)
class InstrumentProgress:
    instrument: str
    points: list[Point]
    # The first score (the baseline) and the latest; for a global rating of change the
    # baseline means nothing (it is a change in itself).
    baseline: Point | None
    latest: Point
    change: Change | None

    @property
    def label(self) -> str:
        return Instrument(self.instrument).label

    def words(self, point: Point | None) -> str:
        """A score as the patient reads it: a rating of change in words, else the number."""
        if point is None:
            return ""
        if self.instrument == Instrument.GROC:
            return str(GROC_WORDS.get(int(point.score), point.score))
        return point.words

    @property
    def baseline_words(self) -> str:
        return self.words(self.baseline)

    @property
    def latest_words(self) -> str:
        return self.words(self.latest)

    @property
    def mcid(self) -> Decimal:
        return SCALES[self.instrument].mcid


def _scores(patient: Patient):
    """Every score of the instruments' current versions, oldest first (one query)."""
    return (
        OutcomeScore.objects.filter(response__patient=patient)
        .select_related("response")
        .order_by("response__answered_at", "instrument")
    )


def outcome_progress(patient: Patient) -> list[InstrumentProgress]:
    """Each instrument answered: its scores over time, baseline, latest and whether the
    change is a real one (by the instrument's MCID). A score of an older version of an
    instrument is never compared with the current one."""
    by_instrument: dict[str, list[Point]] = {}
    for score in _scores(patient):
        if score.version != VERSIONS.get(score.instrument):
            continue
        answered_on = patient.clinic.local_date(score.response.answered_at)
        point = Point(answered_on, score.response.occasion, score.score, score.items)
        by_instrument.setdefault(score.instrument, []).append(point)
    rows = []
    for instrument in Instrument:
        points = by_instrument.get(instrument)
        if not points:
            continue
        against = SCALES[instrument].against_baseline
        baseline = points[0] if against else None
        latest = points[-1]
        compared = against and len(points) > 1
        change = None
        if compared:
            change = change_between(
                instrument, (baseline.score, baseline.items), (latest.score, latest.items)
            )
        elif not against:
            change = change_between(instrument, (None, {}), (latest.score, latest.items))
        rows.append(InstrumentProgress(instrument, points, baseline, latest, change))
    return rows


def psfs_activities(patient: Patient) -> list[str]:
    """The activities the patient named in their first PSFS (its current version), which
    every later questionnaire asks them to rate again; none yet, an empty list."""
    first = (
        OutcomeScore.objects.filter(
            response__patient=patient,
            instrument=Instrument.PSFS,
            version=VERSIONS[Instrument.PSFS],
        )
        .order_by("response__answered_at")
        .first()
    )
    if first is None:
        return []
    return [item["activity"] for item in first.items.get("activities", []) if item.get("activity")]


def answered_with(patient: Patient, submission_key) -> OutcomeResponse | None:
    """The questionnaire a form already saved, if it did (a second tap, a resent page)."""
    try:
        key = uuid.UUID(str(submission_key))
    except ValueError:
        return None
    return OutcomeResponse.objects.filter(patient=patient, submission_key=key).first()
