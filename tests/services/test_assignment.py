"""Assigning a plan copies the template; stage changes are recorded with who and why."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.models import AuditEvent
from programs import services
from programs.models import PlanAssignment, PlanStatus, StageChangeKind
from tests.factories import assign, make_patient

TODAY = timezone.localdate


def test_assignment_copies_every_stage_of_the_template(patient, clinician, standard_template):
    plan = assign(patient, standard_template, clinician)

    copied = [s.copy_fields() for s in plan.ordered_stages()]
    original = [s.copy_fields() for s in standard_template.stages.order_by("position")]
    assert copied == original
    assert plan.source_template == standard_template
    assert plan.current_position == 1
    assert plan.status == PlanStatus.ACTIVE


def test_editing_the_template_never_changes_an_assigned_plan(patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)

    stage = clinic_template.stages.get(position=1)
    stage.minutes_per_session = 45
    stage.save()
    clinic_template.stages.filter(position=3).delete()

    plan.refresh_from_db()
    assert [s.minutes_per_session for s in plan.ordered_stages()] == [10, 15, 20]


def test_tailoring_the_plan_never_changes_the_template(patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)

    plan.stages.filter(position=1).update(minutes_per_session=5)

    assert clinic_template.stages.get(position=1).minutes_per_session == 10


def test_assignment_records_its_start_with_who_assigned_it(patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician, start_position=2)

    start = plan.changes.get()
    assert (start.kind, start.to_position, start.changed_by) == (
        StageChangeKind.START,
        2,
        clinician,
    )


def test_a_patient_cannot_get_a_second_current_plan(patient, clinician, clinic_template):
    assign(patient, clinic_template, clinician)

    with pytest.raises(ValidationError, match="already has a current plan"):
        assign(patient, clinic_template, clinician)


def test_the_database_enforces_one_current_plan_per_patient(patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)

    with pytest.raises(IntegrityError), transaction.atomic():
        PlanAssignment.objects.create(
            patient=patient, name="Sneaky", start_date=TODAY(), stage_started_on=TODAY()
        )
    services.plan_end(assignment=plan, by=clinician, reason="Discharged")
    assign(patient, clinic_template, clinician)
    assert patient.assignments.current().count() == 1


def test_starting_beyond_the_last_stage_is_refused(patient, clinician, clinic_template):
    with pytest.raises(ValidationError, match="between 1 and 3"):
        assign(patient, clinic_template, clinician, start_position=4)


def test_advance_hold_and_step_back_move_the_stage_and_restart_its_clock(
    patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=20)
    today = TODAY()

    plan = services.plan_advance(assignment=plan, by=clinician, reason="Green", today=today)
    assert (plan.current_position, plan.stage_started_on) == (2, today)
    plan = services.plan_hold(assignment=plan, by=clinician, reason="Amber", today=today)
    assert plan.current_position == 2
    plan = services.plan_step_back(assignment=plan, by=clinician, reason="Red", today=today)
    assert plan.current_position == 1

    history = list(plan.changes.values_list("kind", "from_position", "to_position", "reason"))
    assert history == [
        ("start", None, 1, history[0][3]),
        ("advance", 1, 2, "Green"),
        ("hold", 2, 2, "Amber"),
        ("step_back", 2, 1, "Red"),
    ]
    assert not plan.changes.filter(against_warning=True).exists()  # none went against one


@pytest.mark.parametrize(
    ("against_warning", "detail"),
    [
        (False, "advance: stage 1 to 2"),
        (True, "advance: stage 1 to 2, confirmed against a warning"),
    ],
)
def test_each_stage_change_says_who_and_whether_it_went_against_a_warning(
    patient, clinician, clinic_template, against_warning, detail
):
    plan = assign(patient, clinic_template, clinician)

    services.plan_advance(
        assignment=plan, by=clinician, reason="", today=TODAY(), against_warning=against_warning
    )

    change = plan.changes.last()
    assert (change.changed_by, change.against_warning) == (clinician, against_warning)
    trail = AuditEvent.objects.filter(subject="plan", object_id=str(plan.pk)).order_by("pk").last()
    assert (trail.actor_id, trail.patient_id, trail.detail) == (clinician.pk, patient.pk, detail)


def test_no_advance_past_the_last_stage_or_step_back_before_the_first(
    patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, start_position=3)

    with pytest.raises(ValidationError, match="last stage"):
        services.plan_advance(assignment=plan, by=clinician, reason="", today=TODAY())
    plan = services.plan_step_back(assignment=plan, by=clinician, reason="", today=TODAY())
    plan = services.plan_step_back(assignment=plan, by=clinician, reason="", today=TODAY())
    with pytest.raises(ValidationError, match="first stage"):
        services.plan_step_back(assignment=plan, by=clinician, reason="", today=TODAY())


def test_a_paused_plan_cannot_advance_and_resumes_at_the_same_stage_after_a_short_pause(
    patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, start_position=2)
    plan = services.plan_pause(assignment=plan, by=clinician, reason="Holiday", today=TODAY())

    with pytest.raises(ValidationError, match="paused"):
        services.plan_advance(assignment=plan, by=clinician, reason="", today=TODAY())
    later = TODAY() + datetime.timedelta(days=13)
    plan = services.plan_resume(assignment=plan, by=clinician, reason="Back", today=later)

    assert (plan.status, plan.current_position, plan.stage_started_on) == ("active", 2, later)


@pytest.mark.parametrize("end_first", [False, True])
def test_only_an_active_plan_can_be_paused(patient, clinician, clinic_template, end_first):
    plan = assign(patient, clinic_template, clinician)
    today = plan.start_date
    if end_first:
        services.plan_end(assignment=plan, by=clinician, reason="Discharged")
    else:
        services.plan_pause(assignment=plan, by=clinician, reason="Holiday", today=today)
    changes = plan.changes.count()

    with pytest.raises(ValidationError) as refused:
        services.plan_pause(assignment=plan, by=clinician, reason="Again", today=today)

    status = "ended" if end_first else "paused"
    assert refused.value.messages == [f"This plan is {status}, so that change is not possible."]
    assert plan.changes.count() == changes


def test_resuming_after_a_long_pause_restarts_one_stage_lower(patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician, start_position=2)
    plan = services.plan_pause(assignment=plan, by=clinician, reason="Flu", today=TODAY())

    later = TODAY() + datetime.timedelta(days=14)
    plan = services.plan_resume(assignment=plan, by=clinician, reason="Better", today=later)

    assert plan.current_position == 1
    resume = plan.changes.last()
    assert (resume.kind, resume.from_position, resume.to_position) == ("resume", 2, 1)
    assert "long pause" in resume.reason


def test_stages_are_found_by_their_position_in_the_plan_not_their_row(
    clinic, patient, clinician, clinic_template
):
    """Another plan's stages come first in the table, so row ids and positions differ."""
    assign(make_patient(clinic, clinician, "Bob"), clinic_template, clinician)
    plan = assign(patient, clinic_template, clinician, start_position=2)
    plan = services.plan_pause(assignment=plan, by=clinician, reason="Flu", today=TODAY())

    later = TODAY() + datetime.timedelta(days=14)
    plan = services.plan_resume(assignment=plan, by=clinician, reason="Better", today=later)
    assert plan.current_position == 1
    plan = services.plan_advance(assignment=plan, by=clinician, reason="", today=later)
    assert plan.current_position == 2


def test_after_a_long_pause_at_the_first_stage_the_plan_resumes_there(
    patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, start_position=1)
    plan = services.plan_pause(assignment=plan, by=clinician, reason="Flu", today=TODAY())

    later = TODAY() + datetime.timedelta(days=14)
    plan = services.plan_resume(assignment=plan, by=clinician, reason="Better", today=later)

    assert plan.current_position == 1
    assert "long pause" not in plan.changes.last().reason


def test_current_stage_reads_in_plain_words(patient, clinician, standard_template):
    plan = assign(patient, standard_template, clinician, days_ago=8, start_position=2)

    assert plan.describe_current(TODAY()) == (
        "Stage 2 of 8, week 2 of 2: walk 10 minutes on flat ground, 3 times a week"
    )


@time_machine.travel(datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC), tick=False)
def test_ending_a_plan_records_the_clinics_day_as_the_discharge(
    patient, clinician, clinic_template
):
    patient.clinic.timezone = "Australia/Sydney"  # already 2 March there
    patient.clinic.save(update_fields=["timezone"])
    plan = assign(patient, clinic_template, clinician)

    services.plan_end(assignment=plan, by=clinician, reason="Discharged")

    plan.refresh_from_db()
    assert plan.ended_on == datetime.date(2026, 3, 2)


def test_a_plan_cannot_be_ended_without_its_end_date(patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)

    with pytest.raises(IntegrityError), transaction.atomic():
        PlanAssignment.objects.filter(pk=plan.pk).update(status=PlanStatus.ENDED)
