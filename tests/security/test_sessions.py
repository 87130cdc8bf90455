"""Sign-ins end: when idle, after an absolute lifetime, on deactivation or a new password."""

import datetime
import time

import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from config.sessions import SIGNED_IN_AT
from tests import factories

IDLE = datetime.timedelta(seconds=60 * 60)  # SESSION_IDLE_MINUTES' default


def expiry(client) -> datetime.datetime:
    """When the server will stop honouring the client's session, as stored."""
    return Session.objects.get(
        session_key=client.cookies[settings.SESSION_COOKIE_NAME].value
    ).expire_date


def session_cookie_set(response) -> bool:
    return settings.SESSION_COOKIE_NAME in response.cookies


def test_the_idle_timeout_is_an_hour_by_default():
    assert datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE) == IDLE


def test_a_request_within_a_minute_of_the_last_renewal_writes_no_session(client, patient):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        factories.sign_in(client, patient.user)
        before = expiry(client)
        clock.shift(datetime.timedelta(seconds=59))

        response = client.get(reverse("patient_week"))

        assert response.status_code == 200
        assert expiry(client) == before
        assert not session_cookie_set(response)


def test_after_signing_in_through_the_form_the_next_pages_write_no_session(client, patient):
    with time_machine.travel(timezone.now(), tick=False):
        client.post(
            reverse("login"),
            {"username": patient.user.username, "password": factories.PASSWORD},
            follow=True,
        )

        response = client.get(reverse("patient_week"))

    assert response.status_code == 200
    assert not session_cookie_set(response)


def test_a_request_after_a_minute_renews_the_idle_timeout_in_the_database_and_cookie(
    client, patient
):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        factories.sign_in(client, patient.user)
        clock.shift(datetime.timedelta(seconds=61))

        response = client.get(reverse("patient_week"))

        assert expiry(client) == timezone.now() + IDLE
        assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == int(
            IDLE.total_seconds()
        )
        # Past the first expiry, the renewed session still holds.
        clock.shift(IDLE - datetime.timedelta(seconds=1))
        assert client.get(reverse("patient_week")).status_code == 200


def test_a_session_idle_longer_than_the_timeout_is_signed_out(client, patient):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        factories.sign_in(client, patient.user)
        clock.shift(datetime.timedelta(seconds=30))
        client.get(reverse("patient_week"))  # within the minute: renews nothing
        clock.shift(IDLE - datetime.timedelta(seconds=30) + datetime.timedelta(seconds=1))

        response = client.get(reverse("patient_week"))

    assert response.url.startswith(reverse("login"))


def test_a_signed_out_visitor_is_given_no_session(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert not session_cookie_set(response)
    assert not Session.objects.exists()


def test_a_cookie_naming_an_ended_session_is_given_no_new_one(client, db):
    client.cookies[settings.SESSION_COOKIE_NAME] = "ended-long-ago"

    client.get(reverse("login"))

    assert not Session.objects.exists()


def test_a_sign_in_ends_after_the_absolute_lifetime_however_active(client, patient, settings):
    factories.sign_in(client, patient.user)
    assert client.get(reverse("patient_week")).status_code == 200
    session = client.session
    session[SIGNED_IN_AT] = time.time() - settings.SESSION_ABSOLUTE_HOURS * 3600 - 1
    session.save()

    response = client.get(reverse("patient_week"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("patient_week")).url.startswith(reverse("login"))


def test_a_recent_sign_in_carries_on(client, patient):
    factories.sign_in(client, patient.user)
    client.get(reverse("patient_week"))

    assert client.get(reverse("patient_week")).status_code == 200


def test_deactivating_an_account_ends_its_sessions(client, clinician):
    factories.sign_in(client, clinician)
    clinician.is_active = False
    clinician.save()

    assert client.get(reverse("staff_home")).url.startswith(reverse("login"))


def test_a_password_change_ends_other_sessions(client, patient):
    factories.sign_in(client, patient.user)
    patient.user.set_password("a-brand-new-password-2026")
    patient.user.save()

    assert client.get(reverse("patient_week")).url.startswith(reverse("login"))
