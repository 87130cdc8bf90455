"""A push reminder, encrypted and signed, against a real HTTP receiver on this machine: the
receiver decrypts it with the browser's keys and checks the signature as a push service
would. Sending is recorded like an email's delivery."""

import json
import logging
import time

import http_ece
import pytest
from django.core.management import call_command
from django.utils import timezone
from py_vapid.jwt import decode

from patients.management.commands.vapid_keys import new_key_pair
from patients.models import (
    DeliveryState,
    PushSubscription,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderSettings,
)
from patients.reminders.push import is_configured, push_message, send_reminder_push
from tests import factories
from tests.reminders.push_helpers import Browser, PushService


@pytest.fixture
def vapid(settings):
    public, private = new_key_pair()
    settings.VAPID_PUBLIC_KEY = public
    settings.VAPID_PRIVATE_KEY = private
    settings.VAPID_CONTACT = "mailto:clinic@example.org"
    # The tests' own push service, on this machine.
    settings.WEB_PUSH_HOSTS = ["127.0.0.1"]
    return public


@pytest.fixture
def service():
    with PushService() as running:
        yield running


@pytest.fixture
def patient(db):
    clinic = factories.make_clinic("Clinic One")
    clinician = factories.make_staff("clin1", clinic)
    return factories.make_patient(clinic, clinician, "Ann")


def subscribe(patient, browser: Browser, endpoint: str) -> PushSubscription:
    # Straight to the tables: the subscribe view accepts https endpoints only.
    ReminderSettings.objects.update_or_create(patient=patient, defaults={"by_push": True})
    return PushSubscription.objects.create(
        patient=patient, endpoint=endpoint, p256dh=browser.p256dh, auth=browser.auth
    )


def walk_reminder(patient, kind=ReminderKind.WALK) -> Reminder:
    return Reminder.objects.create(
        patient=patient, kind=kind, channel=ReminderChannel.PUSH, due_at=timezone.now()
    )


def vapid_claims(authorization: str, public_key: str) -> dict:
    """The JWT's claims, after checking its signature with the key the header names."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid"
    parts = dict(param.strip().split("=", 1) for param in params.split(","))
    assert parts["k"] == public_key
    return decode(parts["t"], parts["k"])


def test_the_browser_decrypts_the_message_and_the_push_service_can_check_who_sent_it(
    vapid, service, patient
):
    browser = Browser()
    subscribe(patient, browser, service.endpoint("ann-phone"))
    reminder = walk_reminder(patient)

    assert send_reminder_push(reminder) == "sent"

    (request,) = service.received
    assert request.path == "/push/v1/ann-phone"
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert int(request.headers["TTL"]) > 0
    assert request.headers["Urgency"] == "normal"
    plain = http_ece.decrypt(
        request.body,
        private_key=browser.private_key,
        auth_secret=browser.auth_secret,
        version="aes128gcm",
    )
    assert json.loads(plain) == push_message(reminder)
    assert json.loads(plain)["url"] == "/walks/new/"
    claims = vapid_claims(request.headers["Authorization"], vapid)
    assert claims["aud"] == service.origin
    assert claims["sub"] == "mailto:clinic@example.org"
    assert time.time() < claims["exp"] <= time.time() + 24 * 60 * 60
    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.SENT
    assert reminder.sent_at is not None
    assert reminder.attempts == 1


def test_every_browser_of_the_patient_gets_it_and_nobody_elses(vapid, service, patient):
    other = factories.make_patient(patient.clinic, patient.clinician, "Ben")
    subscribe(patient, Browser(), service.endpoint("phone"))
    subscribe(patient, Browser(), service.endpoint("laptop"))
    subscribe(other, Browser(), service.endpoint("bens-phone"))

    send_reminder_push(walk_reminder(patient))

    assert sorted(r.path for r in service.received) == ["/push/v1/laptop", "/push/v1/phone"]


def test_a_browser_that_unsubscribed_loses_its_subscription(vapid, service, patient):
    subscribe(patient, Browser(), service.endpoint("gone"))
    service.status = 410
    reminder = walk_reminder(patient)

    assert send_reminder_push(reminder) == "failed"

    assert not PushSubscription.objects.exists()
    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.FAILED
    assert reminder.last_error
    # Its last browser gone, the patient's push is off: nobody is told it is on.
    assert ReminderSettings.objects.get(patient=patient).by_push is False


def test_an_address_that_is_not_a_push_service_is_never_posted_to(
    vapid, service, patient, settings
):
    subscribe(patient, Browser(), service.endpoint("inside"))
    settings.WEB_PUSH_HOSTS = ["fcm.googleapis.com"]  # this machine is not a push service

    assert send_reminder_push(walk_reminder(patient)) == "failed"

    assert service.received == []
    assert not PushSubscription.objects.exists()


def test_a_failing_push_service_is_recorded_and_the_subscription_kept(
    vapid, service, patient, caplog
):
    subscribe(patient, Browser(), service.endpoint("secret-capability-token"))
    service.status = 500
    reminder = walk_reminder(patient)

    with caplog.at_level(logging.INFO):
        assert send_reminder_push(reminder) == "failed"

    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.FAILED
    assert "500" in reminder.last_error
    assert reminder.claimed_at is None
    assert PushSubscription.objects.count() == 1
    assert "127.0.0.1" in caplog.text
    assert "secret-capability-token" not in caplog.text


def test_sending_twice_sends_once(vapid, service, patient):
    subscribe(patient, Browser(), service.endpoint("phone"))
    reminder = walk_reminder(patient)

    assert send_reminder_push(reminder) == "sent"
    assert send_reminder_push(reminder) == "already sent or being sent"

    assert len(service.received) == 1


def test_a_failed_reminder_is_sent_by_the_next_try(vapid, service, patient):
    subscribe(patient, Browser(), service.endpoint("phone"))
    reminder = walk_reminder(patient)
    service.status = 503
    send_reminder_push(reminder)

    service.status = 201
    assert send_reminder_push(reminder) == "sent"

    reminder.refresh_from_db()
    assert (reminder.state, reminder.attempts) == (DeliveryState.SENT, 2)


def test_without_keys_push_is_off_and_a_reminder_fails_with_why(settings, service, patient):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    subscribe(patient, Browser(), service.endpoint("phone"))
    reminder = walk_reminder(patient)

    assert not is_configured()
    assert send_reminder_push(reminder) == "failed"

    assert service.received == []
    reminder.refresh_from_db()
    assert "not configured" in reminder.last_error


def test_a_patient_without_a_subscribed_browser_gets_a_failed_reminder(vapid, patient):
    reminder = walk_reminder(patient)

    assert send_reminder_push(reminder) == "failed"

    reminder.refresh_from_db()
    assert reminder.last_error == "No browser is subscribed to notifications."


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_no_message_names_a_symptom_or_a_diagnosis(patient, kind):
    text = json.dumps(push_message(walk_reminder(patient, kind))).lower()

    for word in ("pain", "back", "symptom", "sciatica", "numb", "diagnos"):
        assert word not in text


def test_the_command_prints_a_key_pair_that_signs_and_verifies(capsys, settings, patient):
    call_command("vapid_keys")

    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    assert set(lines) == {"VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"}
    settings.VAPID_PUBLIC_KEY = lines["VAPID_PUBLIC_KEY"]
    settings.VAPID_PRIVATE_KEY = lines["VAPID_PRIVATE_KEY"]
    from patients.reminders.push import vapid_authorization

    header = vapid_authorization("https://push.example.net/send/abc")
    assert vapid_claims(header, lines["VAPID_PUBLIC_KEY"])["aud"] == "https://push.example.net"
