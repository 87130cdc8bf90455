"""Nobody but the patient can take over a patient's account.

Round 2 found that a clinician could change an active patient's email to their own and
send an invitation that set a new password. Invitations now only ever set a first
password, and a new address for an account with a password must be confirmed from it,
with the patient's password: staff who typed the address may be the ones reading it.
"""

import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from patients.models import AuditEvent, Invitation
from tests import factories
from tests.admin.test_enrolment_admin import enrolment
from tests.factories import PASSWORD


def change_url(patient) -> str:
    return reverse("admin:patients_patient_change", args=[patient.pk])


def test_an_invitation_is_not_sent_to_an_account_that_has_a_password(client, clinician, patient):
    factories.sign_in(client, clinician)

    response = client.post(reverse("admin:patients_patient_invite", args=[patient.pk]), follow=True)

    assert "has already set a password" in response.content.decode()
    assert not Invitation.objects.filter(patient=patient).exists()


def test_an_old_invitation_cannot_replace_a_password(
    client, clinician, patient, django_capture_on_commit_callbacks
):
    factories.not_yet_signed_in(patient)
    factories.sign_in(client, clinician)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:patients_patient_invite", args=[patient.pk]))
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    patient.user.set_password(PASSWORD)  # the patient set a password another way meanwhile
    patient.user.save()
    client.logout()

    response = client.post(
        link, {"new_password1": "stolen-password-123", "new_password2": "stolen-password-123"}
    )

    assert response.status_code == 410
    patient.user.refresh_from_db()
    assert patient.user.check_password(PASSWORD)


def test_a_new_address_waits_to_be_confirmed_from_it_and_the_old_one_is_told(
    client, clinic, clinician, patient, django_capture_on_commit_callbacks
):
    factories.sign_in(client, clinician)
    data = enrolment(
        clinic, clinician, email="mallory@example.net", first_name="Alice", last_name="Patient"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(patient), data, follow=True)

    patient.refresh_from_db()
    assert patient.user.email == "alice@example.com"  # not moved yet
    assert patient.pending_email == "mallory@example.net"
    assert "must be confirmed by the patient" in response.content.decode()
    to = {tuple(message.to) for message in mail.outbox}
    assert to == {("mallory@example.net",), ("alice@example.com",)}
    notice = next(m for m in mail.outbox if m.to == ["alice@example.com"]).body
    assert "mallory" not in notice  # the old address is told, not shown the new one
    assert AuditEvent.objects.filter(subject="patient email", patient_id=patient.pk).exists()
    # Without the new address's link, the old password still signs in as before.
    assert factories.password_signs_in(client, "alice@example.com", PASSWORD)


def test_the_link_from_the_new_address_moves_the_account(
    client, clinic, clinician, patient, django_capture_on_commit_callbacks
):
    factories.sign_in(client, clinician)
    data = enrolment(
        clinic, clinician, email="alice.new@example.org", first_name="Alice", last_name="Patient"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(patient), data)
    link = re.search(r"https?://[^/\s]+(/accounts/email/\S+/)", mail.outbox[0].body).group(1)
    client.logout()

    looked = client.get(link)  # a mail scanner opening the link changes nothing
    patient.refresh_from_db()
    assert patient.user.email == "alice@example.com"
    confirmed = client.post(link, {"password": PASSWORD})

    patient.refresh_from_db()
    assert "You now sign in with alice.new@example.org" in confirmed.content.decode()
    assert "Yes, use this email address" in looked.content.decode()
    assert (patient.user.email, patient.user.username, patient.pending_email) == (
        "alice.new@example.org",
        "alice.new@example.org",
        "",
    )
    assert client.post(link, {"password": PASSWORD}).status_code == 410  # used up
    assert AuditEvent.objects.filter(detail__contains="with the patient's password").exists()


def asked_to_move(client, clinic, clinician, patient, captured, email="mallory@example.net"):
    """A clinician asks to move the patient to `email`; returns the link sent there."""
    factories.sign_in(client, clinician)
    data = enrolment(clinic, clinician, email=email, first_name="Alice", last_name="Patient")
    with captured(execute=True):
        client.post(change_url(patient), data)
    client.logout()
    return re.search(r"https?://[^/\s]+(/accounts/email/\S+/)", mail.outbox[0].body).group(1)


def test_whoever_reads_the_new_address_cannot_move_the_account_without_its_password(
    client, clinic, clinician, patient, django_capture_on_commit_callbacks
):
    """Attack found in review: a clinician typed their own address, opened the link it
    received, and would then have reset the patient's password from it."""
    link = asked_to_move(client, clinic, clinician, patient, django_capture_on_commit_callbacks)

    without = client.post(link)
    wrong = client.post(link, {"password": "a-guess-123"})

    patient.refresh_from_db()
    assert patient.user.email == "alice@example.com"
    assert patient.pending_email == "mallory@example.net"
    assert "Enter your Stepwise password" in without.content.decode()
    assert "That is not your Stepwise password" in wrong.content.decode()
    assert "There is a problem" in wrong.content.decode()
    # The password box comes back empty, so the page does not say nothing was lost.
    assert "Nothing you typed has been lost" not in wrong.content.decode()


def test_guessing_the_password_on_the_confirm_page_locks_the_account_as_sign_in_does(
    client, clinic, clinician, patient, django_capture_on_commit_callbacks, settings
):
    link = asked_to_move(client, clinic, clinician, patient, django_capture_on_commit_callbacks)

    for guess in range(settings.AXES_FAILURE_LIMIT):
        client.post(link, {"password": f"guess-{guess}"})
    right = client.post(link, {"password": PASSWORD})

    patient.refresh_from_db()
    assert patient.user.email == "alice@example.com"
    assert "Sign-in paused" in right.content.decode()
    assert not factories.password_signs_in(client, "alice@example.com", PASSWORD)


def test_a_dead_link_says_so_before_asking_for_a_password(client):
    response = client.get(reverse("email_change_confirm", args=["forged"]))

    assert response.status_code == 410
    assert "does not work or has run out" in response.content.decode()
    assert 'type="password"' not in response.content.decode()


def test_the_server_operator_can_move_a_patient_who_lost_both_address_and_password(
    clinic_admin, patient
):
    call_command(
        "change_patient_email",
        str(patient.pk),
        "Alice.Again@Example.org",
        by=clinic_admin.username,
        reason="seen in clinic with photo ID",
        stdout=io.StringIO(),
    )

    patient.refresh_from_db()
    assert (patient.user.email, patient.user.username) == ("alice.again@example.org",) * 2
    event = AuditEvent.objects.get(patient_id=patient.pk, detail__contains="photo ID")
    assert event.actor_id == clinic_admin.pk


def test_the_operator_command_refuses_an_address_another_account_has(clinic, clinician, patient):
    bob = factories.make_patient(clinic, clinician, "Bob")
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "change_patient_email",
            str(patient.pk),
            bob.user.username.upper(),
            by=clinician.username,
            reason="ref 1",
        )

    patient.refresh_from_db()
    assert patient.user.email == "alice@example.com"


def test_a_forged_or_stale_link_changes_nothing(client, patient):
    assert client.post(reverse("email_change_confirm", args=["forged"])).status_code == 410
    patient.refresh_from_db()
    assert patient.user.email == "alice@example.com"


def test_before_the_first_password_the_address_changes_at_once(client, clinic, clinician, patient):
    """A mistyped address at enrolment: there is no account to take over yet."""
    factories.not_yet_signed_in(patient)
    factories.sign_in(client, clinician)
    data = enrolment(
        clinic, clinician, email="alice.right@example.org", first_name="Alice", last_name="Patient"
    )

    client.post(change_url(patient), data)

    patient.refresh_from_db()
    assert patient.user.email == "alice.right@example.org"
