"""The usual reminder settings a clinician can switch on at enrolment: the stage's walk
days spread over the week at 10:00, a nudge after 3 days, the next-morning reminder at
09:00, by email."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse

from patients.models import AuditEvent, Patient, ReminderSettings
from patients.services.reminders import reminder_defaults, reminders_turn_on_usual, walk_days_for
from tests import factories
from tests.admin.test_enrolment_admin import ENROL_URL, enrolment
from tests.factories import assign


@pytest.mark.parametrize(
    ("sessions", "days"),
    [
        (1, ["3"]),
        (2, ["1", "4"]),
        (3, ["1", "3", "5"]),  # Monday, Wednesday, Friday
        (4, ["1", "2", "4", "6"]),
        (5, ["1", "2", "4", "5", "6"]),  # Monday, Tuesday, Thursday, Friday, Saturday
        (6, ["1", "2", "3", "4", "5", "6"]),
        (7, ["1", "2", "3", "4", "5", "6", "7"]),
    ],
)
def test_walk_days_spread_the_sessions_over_the_week(sessions, days):
    assert walk_days_for(sessions) == days
    assert len(walk_days_for(sessions)) == sessions


def test_the_usual_settings_for_a_stage():
    stage = SimpleNamespace(sessions_per_week=5)

    assert reminder_defaults(stage) == {
        "walk_days": ["1", "2", "4", "5", "6"],
        "walk_time": datetime.time(10, 0),
        "nudge_after_days": 3,
        "morning_check_time": datetime.time(9, 0),
        "by_email": True,
    }


def test_before_a_plan_the_usual_settings_walk_three_days_a_week():
    assert reminder_defaults(None)["walk_days"] == ["1", "3", "5"]


def test_the_nudge_stays_before_a_clinics_short_no_activity_flag():
    assert reminder_defaults(None, no_activity_days=3)["nudge_after_days"] == 2
    assert reminder_defaults(None, no_activity_days=7)["nudge_after_days"] == 3


def test_turning_on_the_usual_settings_follows_the_current_stage(
    patient, clinician, standard_template
):
    plan = assign(patient, standard_template, clinician)
    sessions = plan.current_stage.sessions_per_week

    settings = reminders_turn_on_usual(patient, clinician)

    assert settings.walk_days == walk_days_for(sessions)
    assert settings.is_on
    event = AuditEvent.objects.get(subject="reminder settings")
    assert (event.actor, event.detail) == (clinician.username, "on")


def test_the_clinician_turns_reminders_on_at_enrolment(client, clinic, clinician):
    factories.sign_in(client, clinician)

    response = client.post(ENROL_URL, {**enrolment(clinic, clinician), "turn_on_reminders": "on"})

    assert response.status_code == 302
    patient = Patient.objects.get(user__first_name="Nina")
    settings = ReminderSettings.objects.get(patient=patient)
    assert settings.walk_days == ["1", "3", "5"]
    assert settings.walk_time == datetime.time(10)
    assert settings.nudge_after_days == 3
    assert settings.morning_check_time == datetime.time(9)
    assert settings.by_email and not settings.by_push


def test_enrolment_without_the_box_leaves_reminders_to_the_patient(client, clinic, clinician):
    factories.sign_in(client, clinician)

    assert "Turn on reminders with the usual settings" in client.get(ENROL_URL).content.decode()
    response = client.post(ENROL_URL, enrolment(clinic, clinician))

    assert response.status_code == 302
    assert not ReminderSettings.objects.exists()


def test_the_box_is_only_asked_at_enrolment(client, clinician, patient):
    factories.sign_in(client, clinician)
    change = reverse("admin:patients_patient_change", args=[patient.pk])

    assert "Turn on reminders with the usual settings" not in client.get(change).content.decode()
