"""The stop link in a reminder email: it works signed out, only for its own patient, with
one click from a mail provider (no CSRF cookie), and never unsubscribes on a mere GET."""

import pytest
from django.test import Client
from django.urls import reverse

from patients.models import AuditAction, AuditEvent, ReminderSettings
from patients.reminders.links import stop_link, stop_token


@pytest.fixture
def emailed(patient, other_patient):
    """Two patients with reminder emails on."""
    for someone in (patient, other_patient):
        ReminderSettings.objects.create(patient=someone, morning_check_time="09:00")
    return patient


def stop_url(patient) -> str:
    return reverse("reminder_stop", args=[stop_token(patient)])


def email_on(patient) -> bool:
    return ReminderSettings.objects.get(patient=patient).by_email


def test_opening_the_link_only_asks(db, emailed, client):
    response = client.get(stop_url(emailed))

    assert response.status_code == 200
    assert "Stop reminder emails?" in response.text
    assert 'method="post"' in response.text
    assert email_on(emailed)


@pytest.mark.parametrize("stored", [True, False], ids=["emails off", "no settings"])
def test_opening_the_link_when_emails_are_off_says_so_and_changes_nothing(
    db, patient, client, stored
):
    if stored:
        ReminderSettings.objects.create(patient=patient, morning_check_time="09:00", by_email=False)

    response = client.get(stop_url(patient))

    assert response.status_code == 200
    assert "Reminder emails are already off for this address." in response.text
    assert "Stop reminder emails?" not in response.text
    # No form but the header's language switch: nothing here to stop.
    assert 'method="post"' not in response.text.split("<main", 1)[1]
    assert not AuditEvent.objects.filter(
        patient_id=patient.pk, subject="reminder settings"
    ).exists()
    assert not ReminderSettings.objects.filter(patient=patient, by_email=True).exists()


def test_the_mail_providers_one_click_post_stops_the_emails_without_a_csrf_cookie(
    db, emailed, other_patient
):
    provider = Client(enforce_csrf_checks=True)

    response = provider.post(stop_url(emailed), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You will get no more reminder emails" in response.text
    assert reverse("login") in response.text
    assert not email_on(emailed)
    assert email_on(other_patient)


def test_the_one_click_post_works_without_the_closing_slash(db, emailed, other_patient):
    """APPEND_SLASH cannot redirect a POST: the address must work as it is."""
    provider = Client(enforce_csrf_checks=True)
    url = stop_url(emailed).rstrip("/")
    assert not url.endswith("/")

    response = provider.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You will get no more reminder emails" in response.text
    assert not email_on(emailed)
    assert email_on(other_patient)


def test_stopping_is_audited_once(db, emailed, client):
    client.post(stop_url(emailed))
    client.post(stop_url(emailed))

    (event,) = AuditEvent.objects.filter(patient_id=emailed.pk, subject="reminder settings")
    assert event.action == AuditAction.CHANGED
    assert event.actor == ""


def test_a_link_for_one_patient_never_changes_another(db, emailed, other_patient, client):
    assert stop_token(emailed) != stop_token(other_patient)

    client.post(stop_url(other_patient))

    assert email_on(emailed)
    assert not email_on(other_patient)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.split(":")[0],
        lambda token: "00000000-0000-0000-0000-000000000000:" + token.split(":")[1],
        lambda _token: "not-a-token",
    ],
    ids=["signature changed", "no signature", "another id", "nonsense"],
)
def test_a_tampered_link_is_a_calm_404_and_changes_nothing(db, emailed, client, tamper):
    url = reverse("reminder_stop", args=[tamper(stop_token(emailed))])

    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404
        assert "This link does not work" in response.text
        assert "Sign in" in response.text
    assert email_on(emailed)


def test_the_link_in_the_email_is_the_sites_own(db, emailed, settings):
    settings.SITE_URL = "https://stepwise.example/"

    assert stop_link(emailed) == "https://stepwise.example" + stop_url(emailed)


def test_a_patient_without_reminder_settings_gets_the_same_calm_answer(db, patient, client):
    response = client.post(stop_url(patient))

    assert response.status_code == 200
    assert "You will get no more reminder emails" in response.text
    assert not ReminderSettings.objects.exists()
