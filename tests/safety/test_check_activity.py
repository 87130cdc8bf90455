"""The daily no-activity command: idempotent, and silent for paused plans."""

import datetime

from django.core.management import call_command

from patients.models import Flag, WalkLog
from programs import services
from tests.factories import assign


def run() -> None:
    call_command("check_activity", verbosity=0)


def test_a_quiet_patient_is_flagged_once_however_often_the_command_runs(
    patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician, days_ago=20)
    WalkLog.objects.create(
        patient=patient,
        walked_on=patient.clinic.today() - datetime.timedelta(days=9),
        minutes=10,
        terrain="flat",
        pain_before=2,
        pain_after=2,
    )

    run()
    run()

    flag = Flag.objects.get()
    assert (flag.rule, flag.severity) == ("no_activity", "info")
    assert flag.events.count() == 1


def test_a_paused_plan_is_never_flagged(patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician, days_ago=20)
    services.plan_pause(assignment=plan, by=clinician, reason="Holiday", today=plan.start_date)

    run()

    assert not Flag.objects.exists()


def test_an_active_walker_is_not_flagged(patient, clinician, clinic_template):
    assign(patient, clinic_template, clinician, days_ago=20)
    WalkLog.objects.create(
        patient=patient,
        walked_on=patient.clinic.today(),
        minutes=10,
        terrain="flat",
        pain_before=2,
        pain_after=2,
    )

    run()

    assert not Flag.objects.exists()
