"""Invitations and password emails go through the worker, so a mail outage breaks no page.

The outage is a real email backend that refuses the connection, as an SMTP server that is
down does; everything of Stepwise's own runs as it does in production.
"""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from patients.models import AccountEmail, AccountEmailKind, DeliveryState, Invitation, Patient
from patients.services.enrolment import (
    account_emails_retry,
    deliver_account_email,
    invitation_create,
    invitation_send,
    invitation_token_hash,
    password_reset_send,
)
from tests import factories
from tests.admin.test_enrolment_admin import ENROL_URL, enrolment

REFUSING = "tests.services.test_account_emails.RefusingBackend"
LINK = re.compile(r"https?://\S+/invitations/(\S+)/")


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


@pytest.fixture
def smtp_down(settings):
    settings.EMAIL_BACKEND = REFUSING
    return settings


@pytest.fixture
def staff_client(client, clinician):
    factories.sign_in(client, clinician)
    return client


def enrol(staff_client, clinic, clinician, captured):
    with captured(execute=True):
        return staff_client.post(ENROL_URL, enrolment(clinic, clinician), follow=True)


def test_enrolling_while_mail_is_down_saves_the_patient_and_shows_the_invitation_failed(
    staff_client, clinic, clinician, smtp_down, django_capture_on_commit_callbacks
):
    response = enrol(staff_client, clinic, clinician, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    patient = Patient.objects.get(user__email="nina.park@example.com")
    email = AccountEmail.objects.get(user=patient.user)
    assert (email.kind, email.state) == (AccountEmailKind.INVITATION, DeliveryState.FAILED)
    assert "Connection refused" in email.last_error
    page = staff_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    text = page.content.decode()
    assert "The invitation could not be sent" in text
    assert "Connection refused" in text
    assert "Send a new invitation" in text
    assert not mail.outbox


def test_sending_a_new_invitation_once_mail_works_again_delivers_a_working_link(
    staff_client, clinic, clinician, settings, smtp_down, django_capture_on_commit_callbacks
):
    enrol(staff_client, clinic, clinician, django_capture_on_commit_callbacks)
    patient = Patient.objects.get(user__email="nina.park@example.com")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("admin:patients_patient_invite", args=[patient.pk]))

    assert [message.to for message in mail.outbox] == [["nina.park@example.com"]]
    token = LINK.search(mail.outbox[0].body).group(1)
    assert Invitation.objects.get(token_hash=invitation_token_hash(token)).replaced_at is None
    page = staff_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    assert "The email was sent" in page.content.decode()


def test_the_sweep_sends_a_failed_invitation_again_and_its_link_works(
    client, clinic, clinician, settings, smtp_down, django_capture_on_commit_callbacks
):
    factories.sign_in(client, clinician)
    enrol(client, clinic, clinician, django_capture_on_commit_callbacks)
    client.logout()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    call_command("escalate_flags", stdout=io.StringIO())

    assert AccountEmail.objects.get().state == DeliveryState.SENT
    token = LINK.search(mail.outbox[0].body).group(1)
    password = "walking-by-the-river-2026"
    accept = client.post(
        reverse("invitation_accept", args=[token]),
        {"new_password1": password, "new_password2": password},
    )
    assert accept.url == reverse("home")


def test_the_sweep_leaves_alone_an_invitation_a_newer_one_replaced(
    patient, clinician, smtp_down, django_capture_on_commit_callbacks
):
    factories.not_yet_signed_in(patient)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        old, _token = invitation_create(patient=patient, by=clinician, now=now)
        invitation_send(invitation=old)
        new, _token = invitation_create(patient=patient, by=clinician, now=now)
        invitation_send(invitation=new)

    retried = account_emails_retry(now + datetime.timedelta(minutes=1))

    assert retried == 1
    assert AccountEmail.objects.get(invitation=old).attempts == 1
    assert AccountEmail.objects.get(invitation=new).attempts == 2


# Committed for real: the worker checks its connection between tasks and would drop one
# left inside the test's transaction (PostgreSQL).
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_queued_invitation(
    staff_client, clinic, clinician, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    enrol(staff_client, clinic, clinician, django_capture_on_commit_callbacks)
    assert not mail.outbox
    assert AccountEmail.objects.get().state == DeliveryState.PENDING

    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", stdout=io.StringIO())

    assert AccountEmail.objects.get().state == DeliveryState.SENT
    assert mail.outbox[0].to == ["nina.park@example.com"]
    assert LINK.search(mail.outbox[0].body)


def test_the_link_is_made_again_when_sent_and_never_stored(
    staff_client, clinic, clinician, django_capture_on_commit_callbacks
):
    enrol(staff_client, clinic, clinician, django_capture_on_commit_callbacks)

    token = LINK.search(mail.outbox[0].body).group(1)
    invitation = Invitation.objects.get()
    assert invitation.token_hash == invitation_token_hash(token)
    assert token not in invitation.token_seed
    assert not AccountEmail.objects.filter(last_error__contains=token).exists()


def test_an_invitation_whose_link_a_new_secret_key_broke_is_not_sent_but_shown_failed(
    patient, clinician, settings, django_capture_on_commit_callbacks
):
    factories.not_yet_signed_in(patient)
    invitation, _token = invitation_create(patient=patient, by=clinician, now=timezone.now())
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(invitation=invitation)

    email = AccountEmail.objects.get()
    assert email.state == DeliveryState.FAILED
    assert "send a new invitation" in email.last_error
    assert not mail.outbox


def test_asking_for_a_password_reset_while_mail_is_down_shows_the_usual_page(
    client, patient, smtp_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("password_reset"), {"email": patient.user.email})
        unknown = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("password_reset_done")
    email = AccountEmail.objects.get()
    assert (email.user, email.kind, email.state) == (
        patient.user,
        AccountEmailKind.PASSWORD_RESET,
        DeliveryState.FAILED,
    )


def test_a_password_reset_sent_by_the_sweep_has_a_working_link(
    client, patient, settings, smtp_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": patient.user.email})
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    account_emails_retry(timezone.now())

    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert "new_password1" in response.content.decode()


def queued_reset(patient) -> AccountEmail:
    """A reset asked for but not yet sent: the test's transaction never commits."""
    return password_reset_send(user=patient.user)


@pytest.mark.parametrize(
    "since",
    [
        pytest.param(lambda user: setattr(user, "email", "new@example.com"), id="moved"),
        pytest.param(lambda user: setattr(user, "is_active", False), id="deactivated"),
        pytest.param(lambda user: user.set_unusable_password(), id="no password"),
    ],
)
def test_a_queued_password_reset_is_not_sent_when_the_account_changed_since(patient, since):
    """The link is made at sending, so it would be valid for the account as it is then."""
    email = queued_reset(patient)
    since(patient.user)
    patient.user.save()

    assert deliver_account_email.call(email.pk) == "failed"
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.last_error.startswith("not sent:")


def test_a_password_reset_older_than_its_link_would_last_is_not_sent(patient, settings):
    email = queued_reset(patient)
    AccountEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    )

    assert deliver_account_email.call(email.pk) == "failed"
    assert mail.outbox == []
