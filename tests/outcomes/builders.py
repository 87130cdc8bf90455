"""Discharged patients, their follow-up answers and outcome scores, for the outcome tests."""

import datetime
from decimal import Decimal

from django.utils import timezone

from patients.choices import Instrument, Occasion
from patients.models import FollowUpQuestion, OutcomeResponse, OutcomeScore
from programs import services
from programs.models import PlanAssignment
from tests.factories import assign, make_patient, make_template

TODAY = datetime.date(2026, 6, 1)


def discharged(clinic, clinician, name, *, ended_on, started_on=None):
    """A patient whose only plan ended on `ended_on`."""
    patient = make_patient(clinic, clinician, name)
    plan = assign(patient, make_template(f"T {name}", clinic), clinician)
    services.plan_end(assignment=plan, by=clinician, reason="done")
    PlanAssignment.objects.filter(pk=plan.pk).update(
        ended_on=ended_on, start_date=started_on or ended_on - datetime.timedelta(days=84)
    )
    return patient


def answer(patient, month, *, limitation="", started_on=None, answered_on=None, pain=None):
    ended_on = PlanAssignment.objects.get(patient=patient).ended_on
    due_on = ended_on + datetime.timedelta(days=30 * month)
    answered_on = answered_on or due_on + datetime.timedelta(days=2)
    return FollowUpQuestion.objects.create(
        patient=patient,
        recipient="x@example.com",
        discharged_on=ended_on,
        month=month,
        due_on=due_on,
        answered_at=timezone.make_aware(datetime.datetime.combine(answered_on, datetime.time(12))),
        back_pain_over_a_day=bool(limitation) if pain is None else pain,
        limitation=limitation,
        started_on=started_on,
    )


def score(patient, instrument, value, days_ago):
    response, _new = OutcomeResponse.objects.get_or_create(
        patient=patient, occasion=Occasion.REVIEW, due_on=TODAY - datetime.timedelta(days_ago)
    )
    OutcomeResponse.objects.filter(pk=response.pk).update(
        answered_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    # A PSFS score keeps its activity, as the form stores it: changes compare activities.
    items = {}
    if instrument == Instrument.PSFS:
        items = {"activities": [{"activity": "Walking the dog", "rating": int(Decimal(value))}]}
    OutcomeScore.objects.create(
        response=response, instrument=instrument, version="1", score=Decimal(value), items=items
    )
