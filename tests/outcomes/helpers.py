"""A discharged patient for the follow-up tests: a plan assigned, ended, and its end date
moved back to the day asked."""

import datetime

from patients.models import FollowUpQuestion
from patients.outcomes.recurrence import due_on
from programs.models import PlanAssignment
from programs.services import plan_end
from tests.factories import assign


def discharge(patient, template, by, *, days_ago: int) -> datetime.date:
    plan = assign(patient, template, by, days_ago=days_ago + 60)
    plan_end(assignment=plan, by=by, reason="Finished the program.")
    discharged_on = patient.clinic.today() - datetime.timedelta(days=days_ago)
    PlanAssignment.objects.filter(pk=plan.pk).update(ended_on=discharged_on)
    return discharged_on


def ask(patient, discharged_on: datetime.date, month: int = 1) -> FollowUpQuestion:
    return FollowUpQuestion.objects.create(
        patient=patient,
        discharged_on=discharged_on,
        month=month,
        due_on=due_on(discharged_on, month),
        recipient=patient.user.email,
    )
