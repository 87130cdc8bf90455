"""The patient's home: this week's stage in plain words, progress, and what to do next."""

import datetime

import pytest
from django.urls import reverse

from patients.models import WalkLog
from programs import services
from tests.factories import assign


@pytest.fixture
def patient_client(client, patient):
    client.force_login(patient.user)
    return client


def test_progress_counts_this_weeks_walks_against_the_target(
    patient_client, patient, clinician, standard_template
):
    assign(patient, standard_template, clinician, start_position=2)
    today = patient.clinic.today()
    monday = today - datetime.timedelta(days=today.weekday())
    for day, minutes in [(monday, 10), (monday, 12), (monday - datetime.timedelta(days=1), 30)]:
        WalkLog.objects.create(
            patient=patient,
            walked_on=day,
            minutes=minutes,
            terrain="flat",
            pain_before=2,
            pain_after=2,
        )

    response = patient_client.get(reverse("patient_week"))

    progress = response.context["progress"]
    assert (progress.walks, progress.minutes, progress.target_walks) == (2, 22, 3)
    assert progress.target_minutes == 30
    page = response.content.decode()
    assert "2 walks of 3 this week" in page
    assert "Log a walk" in page and "Report a change in symptoms" in page


def test_a_paused_plan_says_not_to_follow_it(patient_client, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)
    services.plan_pause(assignment=plan, by=clinician, reason="Flare", today=patient.clinic.today())

    page = patient_client.get(reverse("patient_week")).content.decode()

    assert "Your walking plan is paused" in page
    assert "walk 10 minutes" not in page
