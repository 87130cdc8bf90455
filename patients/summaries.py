"""A patient at a glance, worked out from their records and kept in one row.

Every service that changes a summary's inputs (walks, next-morning checks, flags, plans,
the patient's usual pain) calls `summary_refresh` in its own transaction, so the row
commits or rolls back with the change. `summaries_rebuild` (manage.py rebuild_summaries)
works every row out again; tests/test_summary_property.py checks that the two never
disagree. The stage's light and this week's walking are worked out here and nowhere else,
so the dashboard, the record and the patient's own pages cannot tell two stories.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from patients.choices import Severity
from patients.models import Flag, MorningFeeling, Patient, PatientSummary, WalkLog
from programs.models import PlanAssignment, PlanStatus
from programs.progression import StageProgress, StageWalk, stage_progress

# Severities that block progression and turn the light red while unresolved.
BLOCKING_SEVERITIES = {Severity.URGENT, Severity.SAME_DAY, Severity.REVIEW}
# The pain after the newest walks, as the dashboard's trend shows them.
TREND_LENGTH = 6


def week_bounds(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Monday to Sunday around `today`."""
    monday = today - datetime.timedelta(days=today.weekday())
    return monday, monday + datetime.timedelta(days=6)


def plan_progress(
    plan, walks, flag_severities, usual_pain: int, today: datetime.date
) -> StageProgress | None:
    """The current stage's traffic light and readiness, or None without an active stage.

    `walks`: the patient's live walks since the stage started (older ones are left out
    here), with their next-morning checks loaded; `flag_severities`: the severities of the
    patient's unresolved flags.
    """
    stage = plan.current_stage if plan and plan.status == PlanStatus.ACTIVE else None
    if stage is None:
        return None
    stage_walks = [
        StageWalk(pain_after=walk.pain_after, settled_next_morning=_settled(walk))
        for walk in walks
        if walk.walked_on >= plan.stage_started_on
    ]
    return stage_progress(
        walks=stage_walks,
        usual_pain=usual_pain,
        walks_needed=stage.sessions_to_progress,
        stage_started=plan.stage_started_on,
        stage_weeks=stage.weeks,
        today=today,
        has_next_stage=any(other.position > stage.position for other in plan.stages.all()),
        review_flag_open=bool(set(flag_severities) & BLOCKING_SEVERITIES),
    )


def _settled(walk) -> bool | None:
    check = getattr(walk, "morning_check", None)
    return None if check is None else check.feeling == MorningFeeling.USUAL


def stage_walks(patient, plan) -> list[WalkLog]:
    """The live walks of the plan's current stage, newest first, with their morning checks."""
    return list(
        WalkLog.objects.live()
        .filter(patient=patient, walked_on__gte=plan.stage_started_on)
        .select_related("morning_check")
        .order_by("-walked_on", "-created_at")
    )


# Joins the caller's transaction without a savepoint: a failure here fails the change.
@transaction.atomic(savepoint=False)
def summary_refresh(patient: Patient) -> PatientSummary:
    """Works the patient's summary out again from their records and saves it.

    Call it inside the transaction of the change, after the change is written. It locks
    the patient first (most services already hold that lock): a change made meanwhile by
    another transaction is either committed, and read here, or waits and works the
    summary out again after this one, so the last row written saw every change.
    """
    patient = Patient.objects.lock(patient.pk)
    summary = _worked_out(patient, patient.clinic.today())
    _save(summary)
    return summary


def _save(*summaries: PatientSummary) -> None:
    """Insert or update in one statement (a row that is not there yet is no error)."""
    now = timezone.now()
    for summary in summaries:
        summary.updated_at = now
    PatientSummary.objects.bulk_create(
        summaries,
        update_conflicts=True,
        unique_fields=["patient"],
        update_fields=[
            field.name for field in PatientSummary._meta.concrete_fields if not field.primary_key
        ],
    )


def summaries_rebuild(patients: Iterable[Patient], *, batch: int = 200) -> int:
    """Works out these patients' summaries from scratch; returns how many were written.

    A batch at a time, each in its own short transaction that locks its patients while it
    reads and writes: a change for one of them waits a moment, then works its own summary
    out again from what it commits, so a rebuild never overwrites a fresher row.
    """
    written = 0
    pending: list[Patient] = []
    for patient in patients:
        pending.append(patient)
        if len(pending) == batch:
            written += _rebuild(pending)
            pending = []
    return written + _rebuild(pending)


@transaction.atomic
def _rebuild(batch: list[Patient]) -> int:
    """A batch's summaries in a handful of queries, whatever its size, written in one
    statement. It reads the same records as `summary_refresh`, gathered for many patients
    at once: the property test compares the two."""
    if not batch:
        return 0
    # Locked in a fixed order and read afresh (their usual pain, their clinic's day) before
    # anything else is read, as `Patient.objects.lock` does for one patient.
    patients = list(
        Patient.objects.select_for_update(no_key=True, of=("self",))
        .select_related("clinic")
        .filter(pk__in=[patient.pk for patient in batch])
        .order_by("pk")
    )
    ids = [patient.pk for patient in patients]
    todays = {patient.pk: patient.clinic.today() for patient in patients}
    plans = {
        plan.patient_id: plan
        for plan in PlanAssignment.objects.current()
        .filter(patient_id__in=ids)
        .prefetch_related("stages")
    }
    since = {
        patient.pk: _walks_since(plans.get(patient.pk), todays[patient.pk]) for patient in patients
    }
    walks = defaultdict(list)
    for walk in (
        WalkLog.objects.live()
        .filter(patient_id__in=ids, walked_on__gte=min(since.values()))
        .select_related("morning_check")
        .order_by("-walked_on", "-created_at")
    ):
        if walk.walked_on >= since[walk.patient_id]:
            walks[walk.patient_id].append(walk)
    newest = defaultdict(list)
    for patient_id, walked_on, pain_after in (
        WalkLog.objects.live()
        .filter(patient_id__in=ids)
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=F("patient_id"),
                order_by=[F("walked_on").desc(), F("created_at").desc()],
            )
        )
        .filter(place__lte=TREND_LENGTH)
        .order_by("patient_id", "place")
        .values_list("patient_id", "walked_on", "pain_after")
    ):
        newest[patient_id].append((walked_on, pain_after))
    flags = defaultdict(list)
    for patient_id, severity, opened_at in (
        Flag.objects.unresolved()
        .filter(patient_id__in=ids)
        .values_list("patient_id", "severity", "opened_at")
    ):
        flags[patient_id].append((severity, opened_at))
    summaries = [
        _summary_from(
            patient,
            plans.get(patient.pk),
            walks[patient.pk],
            newest[patient.pk],
            flags[patient.pk],
            todays[patient.pk],
        )
        for patient in patients
    ]
    _save(*summaries)
    return len(patients)


def _walks_since(plan, today: datetime.date) -> datetime.date:
    """The earliest walk a summary reads in full: this week's, and the active stage's."""
    monday = week_bounds(today)[0]
    active = plan is not None and plan.status == PlanStatus.ACTIVE
    return min(monday, plan.stage_started_on) if active else monday


def _worked_out(patient: Patient, today: datetime.date) -> PatientSummary:
    plan = PlanAssignment.objects.prefetch_related("stages").current_for(patient)
    walks = list(
        WalkLog.objects.live()
        .filter(patient=patient, walked_on__gte=_walks_since(plan, today))
        .select_related("morning_check")
        .order_by("-walked_on", "-created_at")
    )
    # Always its own query (not taken from `walks` when there are enough), so a refresh
    # costs the same queries whatever the patient's history.
    newest = list(
        WalkLog.objects.live()
        .filter(patient=patient)
        .order_by("-walked_on", "-created_at")
        .values_list("walked_on", "pain_after")[:TREND_LENGTH]
    )
    flags = list(
        Flag.objects.unresolved().filter(patient=patient).values_list("severity", "opened_at")
    )
    return _summary_from(patient, plan, walks, newest, flags, today)


def _summary_from(patient, plan, walks, newest, flags, today: datetime.date) -> PatientSummary:
    """The summary from a patient's records: `walks` since `_walks_since`, newest first;
    `newest` the (day, pain after) of their newest walks; `flags` (severity, opened) of
    their unresolved flags."""
    monday, sunday = week_bounds(today)
    active = plan is not None and plan.status == PlanStatus.ACTIVE
    stage = plan.current_stage if active else None
    severities = [severity for severity, _opened in flags]
    this_week = [walk for walk in walks if monday <= walk.walked_on <= sunday]
    progress = plan_progress(plan, walks, severities, patient.usual_pain, today)
    return PatientSummary(
        patient=patient,
        plan=plan,
        stage_position=stage.position if stage else None,
        stage_count=plan.stage_count if plan else 0,
        target_walks=stage.sessions_per_week if stage else None,
        target_minutes=stage.sessions_per_week * stage.minutes_per_session if stage else None,
        week_starts_on=monday,
        week_walks=len(this_week),
        week_minutes=sum(walk.minutes for walk in this_week),
        last_walk_on=newest[0][0] if newest else None,
        pain_trend=[pain for _walked, pain in reversed(newest)],
        light=progress.light if progress else "",
        light_reason=progress.light_reason if progress else "",
        stage_walks_done=progress.walks_done if progress else 0,
        stage_walks_needed=progress.walks_needed if progress else 0,
        stage_ends_on=plan.stage_started_on + datetime.timedelta(weeks=stage.weeks)
        if stage
        else None,
        has_next_stage=progress.has_next_stage if progress else False,
        open_flags=len(flags),
        open_urgent=severities.count(Severity.URGENT),
        open_same_day=severities.count(Severity.SAME_DAY),
        open_review=severities.count(Severity.REVIEW),
        open_info=severities.count(Severity.INFO),
        oldest_open_at=min((opened for _severity, opened in flags), default=None),
    )


def summary_of(patient: Patient) -> PatientSummary:
    """The patient's stored summary; worked out now if they have none yet."""
    if _has_summary(patient):
        return patient.summary
    return summary_refresh(patient)


def missing_summaries(patients: Iterable[Patient]) -> list[Patient]:
    """Patients shown without a summary row yet (added before summaries existed, or by a
    bulk load): their pages work theirs out once, and every change keeps it after that."""
    return [patient for patient in patients if not _has_summary(patient)]


def _has_summary(patient: Patient) -> bool:
    try:
        patient.summary  # noqa: B018 - loaded by select_related, or a query
    except PatientSummary.DoesNotExist:
        return False
    return True
