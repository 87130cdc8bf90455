"""What the clinic sees of a patient's reminders (on or off, how, when one last got out,
never what or when they walk), and reminders in the patient's download and erasure."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from patients.models import (
    DeliveryState,
    PushSubscription,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderSettings,
)
from patients.services.reminders import reminder_settings_save, reminders_stop
from tests import factories
from tests.services.test_erasure_leaves_no_trace import columns_holding


@pytest.fixture
def staff_client(client, clinician):
    factories.sign_in(client, clinician)
    return client


def record_page(client, patient) -> str:
    return client.get(reverse("patient_record", args=[patient.pk])).content.decode()


def turn_on(patient, **values):
    usual = {
        "walk_days": ["1", "4"],
        "walk_time": datetime.time(17, 40),
        "morning_check_time": datetime.time(8, 15),
        "by_email": True,
    }
    return reminder_settings_save(patient, patient.user, **{**usual, **values})


def sent_reminder(patient, sent_at, *, state=DeliveryState.SENT, kind=ReminderKind.WALK):
    return Reminder.objects.create(
        patient=patient,
        kind=kind,
        channel=ReminderChannel.EMAIL,
        due_at=sent_at,
        recipient=patient.user.email,
        state=state,
        sent_at=sent_at if state == DeliveryState.SENT else None,
    )


def test_a_patient_without_reminders_shows_them_off(staff_client, patient):
    assert "Reminders: off." in record_page(staff_client, patient)


def test_the_record_says_reminders_are_on_and_how_never_when(staff_client, patient):
    turn_on(patient, by_push=True)

    page = record_page(staff_client, patient)

    assert "Reminders: on (by email and notification)." in page
    assert "None sent yet." in page
    assert "17:40" not in page and "08:15" not in page


def test_the_record_shows_when_the_last_reminder_got_out(staff_client, patient, clinic):
    turn_on(patient)
    last = datetime.datetime(2026, 11, 20, 17, 40, tzinfo=datetime.UTC)
    sent_reminder(patient, last - datetime.timedelta(days=3))
    sent_reminder(patient, last)
    sent_reminder(patient, last + datetime.timedelta(days=1), state=DeliveryState.FAILED)

    page = record_page(staff_client, patient)

    assert "Reminders: on (by email)." in page
    local = clinic.local_time(last)
    assert f"Last reminder sent {local:%-d %b %Y %H:%M}." in page


def test_a_test_reminder_is_not_the_last_reminder_sent(staff_client, patient, clinic):
    """A test the patient asked for says nothing about their routine."""
    turn_on(patient)
    routine = datetime.datetime(2026, 11, 20, 17, 40, tzinfo=datetime.UTC)
    sent_reminder(patient, routine)
    sent_reminder(patient, routine + datetime.timedelta(days=1), kind=ReminderKind.TEST)

    page = record_page(staff_client, patient)

    assert f"Last reminder sent {clinic.local_time(routine):%-d %b %Y %H:%M}." in page


def test_only_a_test_reminder_is_none_sent_yet(staff_client, patient):
    turn_on(patient)
    sent_reminder(patient, timezone.now(), kind=ReminderKind.TEST)

    page = record_page(staff_client, patient)

    assert "None sent yet." in page
    assert "Last reminder sent" not in page


def test_stopped_reminders_show_off_with_the_last_one_sent(staff_client, patient):
    turn_on(patient)
    sent_reminder(patient, timezone.now() - datetime.timedelta(days=2))
    reminders_stop(patient, patient.user)

    page = record_page(staff_client, patient)

    assert "Reminders: off." in page
    assert "Last reminder sent" in page


def test_the_download_includes_the_reminder_settings(client, patient):
    turn_on(patient, nudge_after_days=2)
    factories.sign_in(client, patient.user)

    data = json.loads(client.get(reverse("my_data")).content)

    settings = data["reminder settings"]
    assert settings["days to walk"] == ["Monday", "Thursday"]
    assert settings["time of the walk reminder"] == "17:40:00"
    assert settings["nudge after this many days without a walk"] == 2
    assert settings["by email"] is True


def test_the_download_keeps_a_day_it_cannot_name_as_stored(client, patient):
    turn_on(patient)
    ReminderSettings.objects.filter(patient=patient).update(walk_days=["1", "9"])
    factories.sign_in(client, patient.user)

    data = json.loads(client.get(reverse("my_data")).content)

    assert data["reminder settings"]["days to walk"] == ["Monday", "9"]


def test_the_download_says_when_there_are_no_reminder_settings(client, patient):
    factories.sign_in(client, patient.user)

    assert json.loads(client.get(reverse("my_data")).content)["reminder settings"] is None


def test_erasure_removes_reminders_settings_and_browsers(patient, clinician):
    email = patient.user.email
    turn_on(patient)
    sent_reminder(patient, timezone.now())
    PushSubscription.objects.create(
        patient=patient, endpoint="https://push.example/send/abc", p256dh="key", auth="secret"
    )

    call_command(
        "erase_patient", str(patient.pk), by=clinician.username, reason="ref 2026-200", yes=True
    )

    assert not ReminderSettings.objects.exists()
    assert not Reminder.objects.exists()
    assert not PushSubscription.objects.exists()
    assert columns_holding(email) == {}
