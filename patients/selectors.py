"""Reads that several pages share: this week's walking against the plan, the stage's light
and readiness, what is awaiting a next-morning check, the latest advice given."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from patients.models import Flag, Patient, SymptomCheckIn, WalkLog
from patients.summaries import plan_progress, stage_walks, summary_of, week_bounds
from programs.models import PlanAssignment, PlanStatus


@dataclass(frozen=True)
class WeekProgress:
    first_day: datetime.date
    last_day: datetime.date
    walks: int
    minutes: int
    target_walks: int | None
    minutes_per_walk: int | None

    @property
    def target_minutes(self) -> int | None:
        if self.target_walks is None or self.minutes_per_walk is None:
            return None
        return self.target_walks * self.minutes_per_walk

    @property
    def walks_shown(self) -> int:
        """For the progress bar: never more than the target."""
        return min(self.walks, self.target_walks or self.walks)

    @property
    def target_met(self) -> bool:
        """Both the walks and the minutes: after a mid-week step up, 3 short walks are not
        yet the new stage's week."""
        return (
            self.target_walks is not None
            and self.walks >= self.target_walks
            and self.minutes >= self.target_minutes
        )


def week_progress(patient, stage, today: datetime.date) -> WeekProgress:
    """This week against the stage, from the patient's summary (patients/summaries.py)."""
    first, last = week_bounds(today)
    walks, minutes = summary_of(patient).this_week(today)
    return WeekProgress(
        first_day=first,
        last_day=last,
        walks=walks,
        minutes=minutes,
        target_walks=stage.sessions_per_week if stage else None,
        minutes_per_walk=stage.minutes_per_session if stage else None,
    )


def stage_readiness(patient, plan, today: datetime.date, *, leaving_out_flag=None):
    """The current stage's light and readiness from the database (two queries), as the
    summary works it out: for a page that acts on it, read now, not from the stored row.

    `leaving_out_flag`: the flag being resolved, so the light says what else is wrong.
    """
    if plan is None:
        return None
    flags = Flag.objects.unresolved().filter(patient=patient)
    if leaving_out_flag is not None:
        flags = flags.exclude(pk=leaving_out_flag.pk)
    severities = list(flags.values_list("severity", flat=True))
    return plan_progress(plan, stage_walks(patient, plan), severities, patient.usual_pain, today)


def walk_awaiting_morning_check(patient: Patient, today: datetime.date) -> WalkLog | None:
    """Yesterday's walk, if the patient has not yet said how their back is this morning.

    Asked once a morning: after an answer about one of yesterday's walks, not again.
    """
    yesterday = list(
        WalkLog.objects.live()
        .filter(patient=patient, walked_on=today - datetime.timedelta(days=1))
        .select_related("morning_check")
        .order_by("-created_at")
    )
    if any(getattr(walk, "morning_check", None) for walk in yesterday):
        return None
    return yesterday[0] if yesterday else None


def latest_advised_check_in(patient: Patient) -> SymptomCheckIn | None:
    return (
        SymptomCheckIn.objects.filter(patient=patient, advice_shown_at__isnull=False)
        .order_by("-created_at")
        .first()
    )


def plan_context(patient: Patient, today: datetime.date) -> dict:
    """The patient's plan as their pages show it: the plan, its stage and this week."""
    plan = PlanAssignment.objects.prefetch_related("stages").current_for(patient)
    active = plan is not None and plan.status == PlanStatus.ACTIVE
    stage = plan.current_stage if active else None
    return {
        "plan": plan,
        "paused": plan is not None and plan.status == PlanStatus.PAUSED,
        "stage": stage,
        "description": plan.describe_current(today) if active else "",
        "progress": week_progress(patient, stage, today),
    }


def is_morning(patient: Patient) -> bool:
    return patient.clinic.local_time(timezone.now()).hour < 12
