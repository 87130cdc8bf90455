"""The clinic's outcome figures, read from the database into plain data.

Three figures over the patients a reviewer chose (clinics, a clinician, discharge dates):
recurrence-free days since discharge (for the Kaplan-Meier curve, survival.py), adherence
by week of the program, and the share improved beyond the MCID on PSFS and pain. Each
carries the number of patients behind it. A fixed number of queries whatever the number
of patients (tests/outcomes/test_figures.py pins it). docs/outcomes.md explains each rule.
"""

import datetime
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Func, IntegerField, QuerySet
from django.utils import timezone

from patients.choices import Instrument
from patients.models import FollowUpQuestion, OutcomeScore, Patient, WalkLog
from patients.outcomes import instruments, recurrence, survival
from programs.models import AssignedStage, PlanAssignment, PlanStatus

PROGRAM_WEEKS = 12
IMPROVEMENT_INSTRUMENTS = (Instrument.PSFS, Instrument.NPRS)
# Below this many patients a figure is shown with a plain warning: too few to read into.
FEW_PATIENTS = 20
# Below this many patients a figure is not shown at all, on the page or in the CSV: a
# reviewer who narrows the filters to one discharge day or one clinician must not be able
# to read one person's outcomes (reviewers cannot open patient records).
MIN_SHOWN = 5


def shown(patients: int) -> bool:
    """Small-number suppression, the one rule the page and the CSV both use."""
    return patients >= MIN_SHOWN


AT_RISK_DAYS = (0, 60, 120, 180, 240, 300, 365)


@dataclass(frozen=True)
class Scope:
    """Whose figures: the clinics overseen or chosen, optionally one clinician's patients,
    optionally those discharged (or, for adherence, started) between two days."""

    clinic_ids: list[int]
    clinician_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def in_range(self, day: datetime.date | None) -> bool:
        if day is None:
            return False
        return (self.date_from is None or day >= self.date_from) and (
            self.date_to is None or day <= self.date_to
        )


@dataclass(frozen=True)
class WeekAdherence:
    week: int
    planned: int
    done: int
    patients: int

    @property
    def share(self) -> float | None:
        return self.done / self.planned if self.planned else None

    @property
    def shown(self) -> bool:
        return shown(self.patients)


@dataclass(frozen=True)
class Improvement:
    instrument: str
    improved: int
    no_change: int
    worse: int

    @property
    def patients(self) -> int:
        return self.improved + self.no_change + self.worse

    @property
    def share(self) -> float | None:
        return self.improved / self.patients if self.patients else None

    @property
    def shown(self) -> bool:
        return shown(self.patients)


@dataclass(frozen=True)
class Figures:
    observations: list[tuple[int, bool]]
    discharged: int  # patients discharged in scope
    never_answered: int  # of those, left out of the curve: no follow-up answered
    adherence: list[WeekAdherence]
    improvements: list[Improvement]
    curve: survival.Curve = field(init=False)
    median: survival.Median = field(init=False)
    at_risk: list[tuple[int, int]] = field(init=False)

    def __post_init__(self):
        curve = survival.kaplan_meier(self.observations)
        object.__setattr__(self, "curve", curve)
        object.__setattr__(self, "median", survival.median(curve))
        counts = survival.at_risk_at(self.observations, AT_RISK_DAYS)
        object.__setattr__(self, "at_risk", list(zip(AT_RISK_DAYS, counts, strict=True)))

    @property
    def curve_shown(self) -> bool:
        """The curve, its table, the median and the recurrences: all rest on the patients
        followed, so all are shown or none."""
        return shown(self.curve.patients)


def _patients(scope: Scope) -> QuerySet:
    patients = Patient.objects.filter(clinic_id__in=scope.clinic_ids)
    if scope.clinician_id:
        patients = patients.filter(clinician_id=scope.clinician_id)
    return patients


def discharges(scope: Scope) -> dict:
    """Each discharged patient's discharge day: their latest plan ended and none current.
    One query."""
    plans = (
        PlanAssignment.objects.filter(patient__in=_patients(scope))
        .exclude(patient__in=PlanAssignment.objects.current().values("patient"))
        .filter(status=PlanStatus.ENDED, ended_on__isnull=False)
        .values_list("patient_id", "ended_on")
    )
    latest: dict = {}
    for patient_id, ended_on in plans:
        latest[patient_id] = max(ended_on, latest.get(patient_id, ended_on))
    return {patient: day for patient, day in latest.items() if scope.in_range(day)}


def recurrence_observations(scope: Scope, discharged: dict) -> tuple[list, int]:
    """Each discharged patient's (days, event), and how many were left out (no answer to
    any follow-up since their discharge). One query."""
    answered = (
        FollowUpQuestion.objects.answered()
        .filter(patient__in=_patients(scope))
        .values_list(
            "patient_id",
            "discharged_on",
            "month",
            "due_on",
            "answered_at",
            "back_pain_over_a_day",
            "limitation",
            "started_on",
            "patient__clinic__timezone",
        )
    )
    answers = defaultdict(list)
    for (
        patient_id,
        discharged_on,
        month,
        due_on,
        answered_at,
        pain,
        limitation,
        started,
        zone,
    ) in answered:
        if discharged.get(patient_id) != discharged_on:
            continue  # a follow-up of an earlier discharge, or of a patient not in scope
        answers[patient_id].append(
            recurrence.Answer(
                month=month,
                due_on=due_on,
                answered_on=answered_at.astimezone(
                    zoneinfo.ZoneInfo(zone)
                ).date(),  # the clinic's day
                back_pain_over_a_day=pain,
                limitation=limitation,
                started_on=started,
            )
        )
    observations = [
        recurrence.days_to_recurrence(day, answers[patient]) for patient, day in discharged.items()
    ]
    kept = [observation for observation in observations if observation is not None]
    return kept, len(observations) - len(kept)


def _planned_by_week(stages: list[tuple[int, int, int]]) -> list[int]:
    """Walks planned in each program week, by the stages' own lengths in weeks: the plan
    as written, not as it went (holds and step-backs are not replayed); after the last
    stage, the last stage's walks each week."""
    planned = []
    for _position, sessions, weeks in sorted(stages):
        planned += [sessions] * weeks
    last = planned[-1] if planned else 0
    return (planned + [last] * PROGRAM_WEEKS)[:PROGRAM_WEEKS]


class ProgramWeek(Func):
    """The week of the plan a walk falls in (1 for its first seven days), worked out by the
    database so walks can be counted by week there. Dates subtract to whole days on
    PostgreSQL; SQLite needs julianday. Integer division rounds down on both."""

    output_field = IntegerField()
    arity = 2
    template = "((%(expressions)s) / 7 + 1)"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra):
        (walked, walked_params), (start, start_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        sql = f"(CAST(julianday({walked}) - julianday({start}) AS INTEGER) / 7 + 1)"
        return sql, (*walked_params, *start_params)


def _walks_by_week(scope: Scope) -> dict:
    """(plan, week) -> live walks logged in that week of the plan, counted by the database:
    one row a plan and week (not one a walk), so every clinic's figures cost one pass over
    the walks and no Python loop over them. One query."""
    counted = (
        WalkLog.objects.live()
        .filter(patient__in=_patients(scope), assignment__isnull=False)
        .filter(
            walked_on__gte=F("assignment__start_date"),
            walked_on__lt=F("assignment__start_date") + datetime.timedelta(weeks=PROGRAM_WEEKS),
        )
        .annotate(week=ProgramWeek("walked_on", "assignment__start_date"))
        .values("assignment_id", "week")
        .annotate(walks=Count("id"))
        .order_by()
        .values_list("assignment_id", "week", "walks")
    )
    return {(plan_id, week): walks for plan_id, week, walks in counted}


def adherence(scope: Scope, today: datetime.date) -> list[WeekAdherence]:
    """Walks logged against walks planned, by week of the program, over the plans started
    in the chosen dates. A week counts once it is over and before the plan ended; walks
    beyond the week's plan are not counted (an extra walk does not make up a missed one).
    Three queries."""
    plans = {
        plan_id: (start, ended_on)
        for plan_id, start, ended_on in PlanAssignment.objects.filter(
            patient__in=_patients(scope)
        ).values_list("id", "start_date", "ended_on")
        if scope.in_range(start)
    }
    stages = defaultdict(list)
    for plan_id, position, sessions, weeks in AssignedStage.objects.filter(
        assignment__patient__in=_patients(scope)
    ).values_list("assignment_id", "position", "sessions_per_week", "weeks"):
        stages[plan_id].append((position, sessions, weeks))
    done = _walks_by_week(scope)
    totals = {week: [0, 0, 0] for week in range(1, PROGRAM_WEEKS + 1)}
    for plan_id, (start, ended_on) in plans.items():
        until = ended_on + datetime.timedelta(days=1) if ended_on else today
        for week, planned in enumerate(_planned_by_week(stages[plan_id]), start=1):
            if not planned or start + datetime.timedelta(days=7 * week) > until:
                continue
            totals[week][0] += planned
            totals[week][1] += min(done.get((plan_id, week), 0), planned)
            totals[week][2] += 1
    return [WeekAdherence(week, *counts) for week, counts in totals.items()]


def improvements(scope: Scope, discharged: dict) -> list[Improvement]:
    """PSFS and pain: each discharged patient's first score against their last, by the
    instrument's MCID. Both scores must be of one version of the instrument (the latest
    one's); a patient with fewer than two such scores is not counted. The PSFS compares the
    activities rated both times (instruments.change_between). One query."""
    scores = (
        OutcomeScore.objects.filter(
            response__patient__in=_patients(scope), instrument__in=IMPROVEMENT_INSTRUMENTS
        )
        .order_by("response__answered_at")
        .values_list("response__patient_id", "instrument", "version", "score", "items")
    )
    history = defaultdict(list)
    for patient_id, instrument, version, score, items in scores:
        if patient_id in discharged:
            history[patient_id, instrument].append((version, (score, items)))
    counts = {instrument: defaultdict(int) for instrument in IMPROVEMENT_INSTRUMENTS}
    for (_patient, instrument), scored in history.items():
        version = scored[-1][0]
        same = [answer for scored_version, answer in scored if scored_version == version]
        change = (
            instruments.change_between(instrument, same[0], same[-1]) if len(same) >= 2 else None
        )
        if change is not None:  # a PSFS with no activity rated both times is not counted
            counts[instrument][change] += 1
    return [
        Improvement(
            instrument,
            counts[instrument][instruments.Change.IMPROVED],
            counts[instrument][instruments.Change.NO_CHANGE],
            counts[instrument][instruments.Change.WORSE],
        )
        for instrument in IMPROVEMENT_INSTRUMENTS
    ]


def outcome_figures(scope: Scope, today: datetime.date | None = None) -> Figures:
    """Every figure of the outcomes page, in six queries."""
    today = today or timezone.localdate()
    discharged = discharges(scope)
    observations, never_answered = recurrence_observations(scope, discharged)
    return Figures(
        observations=observations,
        discharged=len(discharged),
        never_answered=never_answered,
        adherence=adherence(scope, today),
        improvements=improvements(scope, discharged),
    )
