"""A clinician invites a patient; the patient sets a password through a single-use link."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from patients.models import Invitation
from patients.services.enrolment import invitation_token_hash
from tests import factories
from tests.admin.test_enrolment_admin import ENROL_URL, enrolment

LINK = re.compile(r"https?://\S+/invitations/(\S+)/")
NEW_PASSWORD = "walking-by-the-river-2026"


@pytest.fixture
def patient(patient):
    """Enrolled and invited, not yet signed in: no password of their own."""
    return factories.not_yet_signed_in(patient)


def accept(client, token: str, password: str = NEW_PASSWORD):
    return client.post(
        reverse("invitation_accept", args=[token]),
        {"new_password1": password, "new_password2": password},
    )


def test_enrolling_a_patient_emails_them_a_link_that_sets_their_password_and_signs_in(
    client, clinic, clinician, django_capture_on_commit_callbacks
):
    factories.sign_in(client, clinician)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ENROL_URL, enrolment(clinic, clinician))
    client.logout()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina.park@example.com"]
    token = LINK.search(mail.outbox[0].body).group(1)
    response = accept(client, token)

    assert response.url == reverse("home")
    assert client.get(reverse("patient_week")).status_code == 200
    assert factories.password_signs_in(client, "nina.park@example.com", NEW_PASSWORD)


def test_the_clinician_can_send_a_new_invitation_which_replaces_the_old_one(
    client, patient, clinician, django_capture_on_commit_callbacks
):
    old = factories.invite(patient, clinician)
    factories.sign_in(client, clinician)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:patients_patient_invite", args=[patient.pk]))
    client.logout()

    response = client.get(reverse("invitation_accept", args=[old]))
    assert "A newer invitation has been sent." in response.content.decode()
    new = LINK.search(mail.outbox[-1].body).group(1)
    assert accept(client, new).status_code == 302


def test_a_used_link_says_so_and_offers_sign_in(client, patient, clinician):
    token = factories.invite(patient, clinician)
    accept(client, token)
    client.logout()

    response = client.get(reverse("invitation_accept", args=[token]))
    second = accept(client, token, "another-password-entirely")

    assert "already been used" in response.content.decode()
    assert second.status_code == 410
    assert factories.password_signs_in(client, patient.user.username, NEW_PASSWORD)


def test_an_expired_link_says_what_to_do_next(client, patient, clinician):
    token = factories.invite(patient, clinician, days_ago=8)

    response = client.get(reverse("invitation_accept", args=[token]))

    page = response.content.decode()
    assert "This invitation has run out." in page
    assert "Ask your clinic to send you a new invitation." in page


@pytest.mark.parametrize("token", ["nonsense", "a" * 43, "%3Cscript%3E"])
def test_a_tampered_link_is_not_recognised(client, patient, clinician, token):
    factories.invite(patient, clinician)

    response = client.get(f"/invitations/{token}/")

    assert response.status_code == 404
    assert "This link is not one we recognise." in response.content.decode()


def test_a_weak_password_is_refused_with_a_clear_reason(client, patient, clinician):
    token = factories.invite(patient, clinician)

    response = accept(client, token, "password")

    assert "This password is too common." in response.content.decode()
    patient.user.refresh_from_db()
    assert not patient.user.check_password("password")
    assert Invitation.objects.get().used_at is None


def test_only_a_hash_of_the_token_is_stored(patient, clinician):
    token = factories.invite(patient, clinician)

    assert Invitation.objects.filter(token_hash=token).count() == 0
    assert Invitation.objects.get().token_hash == invitation_token_hash(token)


def test_a_clinician_cannot_invite_another_clinics_patient(client, clinician, other_patient):
    factories.sign_in(client, clinician)

    client.post(reverse("admin:patients_patient_invite", args=[other_patient.pk]))

    assert not Invitation.objects.exists()


def test_password_reset_works_for_a_patient_who_has_a_password(
    client, patient, django_capture_on_commit_callbacks
):
    patient.user.set_password(factories.PASSWORD)
    patient.user.save(update_fields=["password"])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": patient.user.email.upper()})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [patient.user.email]
