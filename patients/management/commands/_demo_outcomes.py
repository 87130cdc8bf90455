"""A generated clinic for the outcomes page: discharged patients, their questionnaires and
a year of monthly follow-up answers, drawn so that the recurrence-free curve looks real.

Called from demo_data. Seeded (the same clinic every time), written in bulk (a second or
two), and skipped when the clinic is already there. Its patients cannot sign in: they are
figures behind the outcomes page, not demo logins.
"""

import datetime
import math
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from patients.choices import Instrument, Limitation, Occasion, Terrain
from patients.models import (
    Clinic,
    DeliveryState,
    FollowUpQuestion,
    OutcomeResponse,
    OutcomeScore,
    Patient,
    StaffMembership,
    StaffRole,
    WalkLog,
)
from patients.outcomes.instruments import VERSIONS
from patients.summaries import summaries_rebuild
from programs.models import (
    AssignedStage,
    PlanAssignment,
    PlanStatus,
    PlanTemplate,
    StageChange,
    StageChangeKind,
)

User = get_user_model()

CLINIC_NAME = "Northfield Walking Clinic, generated outcomes"
PATIENTS = 80
MEDIAN_DAYS = 200  # the recurrence-free median the draws aim at (the trial's walking arm: 208)
PROGRAM_DAYS = 84  # twelve weeks on the plan
ANSWERED = 0.85  # the chance a month's question is answered
NEVER_ANSWER = 0.05  # patients who never answer a follow-up question


def generate(*, reviewer, template: PlanTemplate, today: datetime.date) -> Clinic:
    """The generated clinic, overseen by `reviewer`; made once, found after that."""
    existing = Clinic.objects.filter(name=CLINIC_NAME).first()
    if existing is not None:
        return existing
    rng = random.Random(20260611)  # noqa: S311  (the same clinic every time; not security)
    clinic = Clinic.objects.create(
        name=CLINIC_NAME, country="GB", timezone="Europe/London", alert_email="alerts@example.com"
    )
    StaffMembership.objects.create(user=reviewer, clinic=clinic, role=StaffRole.REVIEWER)
    clinician = User.objects.create_user(
        username="walking-clinic-clinician",
        email="walking-clinic-clinician@example.com",
        first_name="Jo",
        last_name="Rivers",
        is_staff=True,
    )  # no password: nobody signs in as them
    StaffMembership.objects.create(user=clinician, clinic=clinic, role=StaffRole.CLINICIAN)
    patients = _patients(clinic, clinician, today)
    plans = _plans(patients, template, rng, today)
    _walks(plans, template, rng)
    _questionnaires(plans, rng)
    _follow_ups(plans, rng, today)
    summaries_rebuild(patients)
    return clinic


def _patients(clinic, clinician, today) -> list[Patient]:
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(
            username=f"walking-clinic-{index:03d}",
            email=f"walking-clinic-{index:03d}@example.com",
            first_name="Patient",
            last_name=f"{index:03d}",
            password=unusable,
        )
        for index in range(1, PATIENTS + 1)
    )
    return Patient.objects.bulk_create(
        Patient(
            user=user,
            clinic=clinic,
            clinician=clinician,
            enrolled_on=today - datetime.timedelta(days=400),
            usual_pain=5,
            cleared_to_exercise=True,
        )
        for user in users
    )


def _plans(patients, template, rng, today) -> list[PlanAssignment]:
    """Each patient's one plan: twelve weeks, ended 1 to 12 months ago (their discharge)."""
    plans = []
    for patient in patients:
        ended_on = today - datetime.timedelta(days=rng.randint(30, 365))
        start = ended_on - datetime.timedelta(days=PROGRAM_DAYS)
        plans.append(
            PlanAssignment(
                patient=patient,
                source_template=template,
                name=template.name,
                start_date=start,
                status=PlanStatus.ENDED,
                current_position=template.stages.count(),
                stage_started_on=start,
                ended_on=ended_on,
            )
        )
    PlanAssignment.objects.bulk_create(plans)
    stages = list(template.stages.order_by("position"))
    AssignedStage.objects.bulk_create(
        AssignedStage(
            assignment=plan,
            position=stage.position,
            minutes_per_session=stage.minutes_per_session,
            sessions_per_week=stage.sessions_per_week,
            terrain=stage.terrain,
            weeks=stage.weeks,
            guidance=stage.guidance,
            min_sessions_to_progress=stage.min_sessions_to_progress,
        )
        for plan in plans
        for stage in stages
    )
    _history(plans, len(stages))
    return plans


def _history(plans, last_position: int) -> None:
    """Each plan's start and end in its history, dated when they happened (9 am)."""
    changes = []
    for plan in plans:
        for kind, position, day in (
            (StageChangeKind.START, 1, plan.start_date),
            (StageChangeKind.END, last_position, plan.ended_on),
        ):
            change = StageChange(
                assignment=plan,
                kind=kind,
                from_position=None if kind == StageChangeKind.START else position,
                to_position=position,
                reason="Finished the program." if kind == StageChangeKind.END else "",
            )
            changes.append((change, day))
    created = StageChange.objects.bulk_create(change for change, _day in changes)
    zone = plans[0].patient.clinic.zone if plans else None
    for change, (_change, day) in zip(created, changes, strict=True):
        change.changed_at = datetime.datetime.combine(day, datetime.time(9), zone)
    StageChange.objects.bulk_update(created, ["changed_at"])


def _walks(plans, template, rng) -> None:
    """Walks as planned at first, a few more missed as the weeks go on."""
    weekly = [stage.sessions_per_week for stage in template.stages.order_by("position")
              for _week in range(stage.weeks)]  # fmt: skip
    logs = []
    for plan in plans:
        keen = rng.uniform(0.7, 1.0)
        for week in range(PROGRAM_DAYS // 7):
            planned = weekly[min(week, len(weekly) - 1)]
            for session in range(planned):
                if rng.random() > keen - week * 0.02:
                    continue
                day = plan.start_date + datetime.timedelta(days=week * 7 + session * 2)
                logs.append(
                    WalkLog(
                        patient=plan.patient,
                        assignment=plan,
                        walked_on=day,
                        minutes=rng.randint(10, 30),
                        terrain=Terrain.FLAT,
                        pain_before=rng.randint(1, 4),
                        pain_after=rng.randint(1, 4),
                    )
                )
    WalkLog.objects.bulk_create(logs, batch_size=500)


def _questionnaires(plans, rng) -> None:
    """A baseline and a discharge questionnaire each: most improve, some do not."""
    responses, scores = [], []
    for plan in plans:
        psfs_start, pain_start = rng.randint(2, 5), rng.randint(4, 8)
        psfs_end = max(0, min(10, psfs_start + rng.choice([-2, 0, 1, 2, 3, 3, 4, 5])))
        pain_end = max(0, pain_start - rng.choice([-2, -1, 0, 1, 2, 3, 3, 4]))
        for occasion, day, psfs, pain in (
            (Occasion.START, plan.start_date, psfs_start, pain_start),
            (Occasion.DISCHARGE, plan.ended_on, psfs_end, pain_end),
        ):
            response = OutcomeResponse(
                patient=plan.patient, occasion=occasion, due_on=day, assignment=plan
            )
            response.answered_at = _noon(day)
            responses.append(response)
            for instrument, value in ((Instrument.PSFS, psfs), (Instrument.NPRS, pain)):
                scores.append(
                    OutcomeScore(
                        response=response,
                        instrument=instrument,
                        version=VERSIONS[instrument],
                        score=Decimal(value),
                        items=_items(instrument, value),
                    )
                )
    created = OutcomeResponse.objects.bulk_create(responses)
    # answered_at is set on saving; these were answered on their own days.
    for response in created:
        response.answered_at = _noon(response.due_on)
    OutcomeResponse.objects.bulk_update(created, ["answered_at"])
    OutcomeScore.objects.bulk_create(scores)


def _items(instrument, rating: int) -> dict:
    """What the form stores with a PSFS score: the activity named and its rating."""
    if instrument != Instrument.PSFS:
        return {}
    return {"activities": [{"activity": "Carrying shopping", "rating": rating}]}


def _follow_ups(plans, rng, today) -> None:
    """Monthly answers since discharge: a recurrence drawn from an exponential with the
    median aimed at, reported at the first answered month after it; some months missed,
    some patients never answering (left out of the curve)."""
    rate = math.log(2) / MEDIAN_DAYS
    questions = []
    for plan in plans:
        answers = rng.random() > NEVER_ANSWER
        recurs_after = rng.expovariate(rate)
        for month in range(1, 13):
            due_on = plan.ended_on + datetime.timedelta(days=30 * month)
            if due_on > today:
                break
            question = FollowUpQuestion(
                patient=plan.patient,
                recipient=plan.patient.user.email,
                state=DeliveryState.SENT,
                sent_at=_noon(due_on),
                discharged_on=plan.ended_on,
                month=month,
                due_on=due_on,
            )
            questions.append(question)
            if not answers or rng.random() > ANSWERED:
                continue
            answered_on = min(due_on + datetime.timedelta(days=rng.randint(0, 3)), today)
            question.answered_at = _noon(answered_on)
            if (due_on - plan.ended_on).days >= recurs_after:
                question.back_pain_over_a_day = True
                question.limitation = rng.choice([Limitation.MODERATELY, Limitation.A_LOT])
                question.started_on = plan.ended_on + datetime.timedelta(days=int(recurs_after))
                question.care_sought = rng.random() < 0.4
                break
            question.back_pain_over_a_day = rng.random() < 0.2
            question.limitation = Limitation.A_LITTLE if question.back_pain_over_a_day else ""
    FollowUpQuestion.objects.bulk_create(questions, batch_size=500)


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), datetime.UTC).astimezone(
        timezone.get_current_timezone()
    )
