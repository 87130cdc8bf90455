"""Sign-ins end: when idle, after an absolute lifetime, on deactivation or a new password."""

import time

from django.urls import reverse

from config.sessions import SIGNED_IN_AT
from tests import factories


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
