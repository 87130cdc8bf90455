"""Enrolling a patient, their invitation, and moving their account to a new email address.

The emails about an account (invitation, password reset, change of address) are recorded
here and sent by the background worker, like alert emails: a mail server that is down
never breaks the page that asked for one, and the clinician sees whether it got out.
"""

import datetime
import hashlib
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_tasks import task

from patients.deliveries import deliver, requeue
from patients.languages import in_patient_language, records_language
from patients.models import (
    INVITATION_LIFETIME,
    AccountEmail,
    AccountEmailKind,
    AuditAction,
    Clinic,
    Invitation,
    InvitationState,
    Patient,
)
from patients.security import audit
from patients.summaries import summary_refresh

User = get_user_model()


@transaction.atomic
def patient_enrol(
    *,
    clinic: Clinic,
    clinician,
    by,
    first_name: str,
    last_name: str,
    email: str,
    **baseline,
) -> Patient:
    """Create a patient's account and enrolment with their baseline; `by` enrolled them.

    The account has no usable password until the patient accepts their invitation, and it
    is never a staff account: patients have no way into the admin.
    """
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.is_staff = False
    user.save()
    patient = Patient(user=user, clinic=clinic, clinician=clinician, **baseline)
    patient.full_clean(exclude=["user"])
    patient.save()
    audit.record(by=by, action=AuditAction.CREATED, subject="patient", patient=patient)
    summary_refresh(patient)
    return patient


EMAIL_CHANGE_SALT = "stepwise.patient-email-change"
INVITATION_SALT = "stepwise.invitation"
EMAIL_CHANGE_LIFETIME = INVITATION_LIFETIME


@transaction.atomic
def patient_language_set(*, patient: Patient, language: str, by) -> bool:
    """The patient's choice of language for their pages, emails and reminders. Returns
    whether it changed."""
    if language == patient.language:
        return False
    patient.language = language
    patient.save(update_fields=["language", "updated_at"])
    audit.record(
        by=by, action=AuditAction.CHANGED, subject="language", patient=patient, detail=language
    )
    return True


@transaction.atomic
def patient_email_change(*, patient: Patient, email: str, by) -> bool:
    """Change the address a patient signs in with. Returns whether it changed now.

    Before the patient has a password the change is made at once (and any invitation
    waiting at the old address is replaced). After, it waits to be confirmed from the new
    address: the caller sends the link (`email_change_send`).
    """
    email = User.objects.normalize_email(email).lower()
    user = patient.user
    if email == user.email.lower():
        return False
    if not user.has_usable_password():
        Invitation.objects.filter(
            patient=patient, used_at__isnull=True, replaced_at__isnull=True
        ).update(replaced_at=timezone.now())
        _set_email(patient, email)
        audit.record(by=by, action=AuditAction.CHANGED, subject="patient email", patient=patient)
        return True
    patient.pending_email = email
    patient.save(update_fields=["pending_email", "updated_at"])
    audit.record(
        by=by,
        action=AuditAction.CHANGED,
        subject="patient email",
        patient=patient,
        detail="change asked for; waits for the new address to confirm",
    )
    return False


@transaction.atomic
def email_change_by_operator(*, patient: Patient, email: str, by, reason: str) -> None:
    """Move an account to a new address without the patient's confirmation.

    Only for a patient who can read neither their old address nor remember their password,
    whom the clinic has identified in person. It is a server command, not an admin button,
    so clinic staff alone cannot move an account to an address they control.
    """
    email = User.objects.normalize_email(email).lower()
    _move_account(
        patient,
        email,
        by=by,
        detail=f"changed by the server operator without confirmation: {reason}",
    )


def _move_account(patient: Patient, email: str, *, by, detail: str) -> None:
    """Sign-in moves to `email`; any change waiting to be confirmed is dropped."""
    if User.objects.filter(username__iexact=email).exclude(pk=patient.user_id).exists():
        raise ValidationError(_("An account with this email address already exists."))
    _set_email(patient, email)
    patient.pending_email = ""
    patient.save(update_fields=["pending_email", "updated_at"])
    audit.record(
        by=by, action=AuditAction.CHANGED, subject="patient email", patient=patient, detail=detail
    )


def _set_email(patient: Patient, email: str) -> None:
    user = patient.user
    user.email = user.username = email
    user.save(update_fields=["email", "username"])


def email_change_token(patient: Patient, email: str | None = None) -> str:
    """The signed claim in a change-of-address link: it works only while `email` (by
    default the one waiting) is still the address waiting to be confirmed."""
    return signing.TimestampSigner(salt=EMAIL_CHANGE_SALT).sign_object(
        {"patient": str(patient.pk), "email": email or patient.pending_email}
    )


def email_change_send(*, patient: Patient) -> None:
    """The link to the new address, and a notice to the old one, sent by the worker."""
    _queue(patient.user, AccountEmailKind.EMAIL_CHANGE_CONFIRM, patient.pending_email)
    _queue(patient.user, AccountEmailKind.EMAIL_CHANGE_NOTICE, patient.user.email)


def email_change_claim(token: str) -> Patient:
    """The patient a change-of-address link is for, while it still applies."""
    try:
        claim = signing.TimestampSigner(salt=EMAIL_CHANGE_SALT).unsign_object(
            token, max_age=EMAIL_CHANGE_LIFETIME
        )
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise ValidationError(_("This link does not work or has run out.")) from error
    patient = Patient.objects.select_related("user").filter(pk=claim.get("patient")).first()
    # A later change, or a cancelled one, makes earlier links useless.
    if patient is None or not patient.pending_email or patient.pending_email != claim.get("email"):
        raise ValidationError(_("This link does not work or has run out."))
    return patient


@transaction.atomic
def email_change_confirm(*, token: str) -> Patient:
    """Apply a change of address confirmed from the new address with the patient's password.

    The caller checks the password: the link alone proves only that someone reads the new
    address, and staff who typed that address could be the ones reading it.
    """
    claimed = email_change_claim(token)
    patient = (
        Patient.objects.select_for_update().select_related("user").filter(pk=claimed.pk).first()
    )
    if patient is None or patient.pending_email != claimed.pending_email:
        raise ValidationError(_("This link does not work or has run out."))
    _move_account(
        patient,
        patient.pending_email,
        by=patient.user,
        detail="confirmed from the new address with the patient's password",
    )
    return patient


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(invitation: Invitation) -> str:
    """The token in an invitation's link: made from its seed and the site's secret key, so
    the worker can make it again when it sends the email, and a copy of the database alone
    cannot."""
    return salted_hmac(INVITATION_SALT, invitation.token_seed, algorithm="sha256").hexdigest()


@transaction.atomic
def invitation_create(*, patient: Patient, by, now: datetime.datetime) -> tuple[Invitation, str]:
    """A new invitation replaces any earlier one still waiting. Returns it and its token."""
    Invitation.objects.filter(
        patient=patient, used_at__isnull=True, replaced_at__isnull=True
    ).update(replaced_at=now)
    invitation = Invitation(
        patient=patient,
        token_seed=secrets.token_urlsafe(32),
        created_by=by,
        expires_at=now + INVITATION_LIFETIME,
    )
    token = invitation_token(invitation)
    invitation.token_hash = invitation_token_hash(token)
    invitation.save()
    return invitation, token


def invitation_send(*, invitation: Invitation) -> AccountEmail:
    """Record the invitation's email; the worker sends it once the transaction commits."""
    user = invitation.patient.user
    return _queue(user, AccountEmailKind.INVITATION, user.email, invitation=invitation)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, now: datetime.datetime):
    """Set the patient's first password and use up the invitation. Returns the user.

    An invitation only ever sets a first password: an account that has one changes it
    through password reset, which goes to the patient's own address.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state(now) != InvitationState.VALID:
        raise ValidationError(_("This invitation link can no longer be used."))
    user = invitation.patient.user
    if user.has_usable_password():
        raise ValidationError(_("This account already has a password."))
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    return user


def password_reset_send(*, user) -> AccountEmail:
    """Record a password-reset email; the worker makes its link when it sends it."""
    return _queue(user, AccountEmailKind.PASSWORD_RESET, user.email)


def _queue(user, kind: str, recipient: str, invitation: Invitation | None = None) -> AccountEmail:
    email = AccountEmail.objects.create(
        user=user, kind=kind, recipient=recipient, invitation=invitation
    )
    transaction.on_commit(lambda: deliver_account_email.enqueue(email.pk))
    return email


@task()
def deliver_account_email(email_id: int) -> str:
    """Send one account email, outside any transaction (see `deliver`)."""
    emails = AccountEmail.objects.select_related("user__patient__clinic", "invitation")
    return deliver(emails, email_id, _compose)


def account_emails_retry(now: datetime.datetime) -> int:
    """Queue again the account emails that failed or lost their place in the queue; never
    those of an invitation a newer one replaced."""
    emails = AccountEmail.objects.exclude(invitation__replaced_at__isnull=False)
    return requeue(emails, deliver_account_email, now)


def _compose(email: AccountEmail) -> tuple[str, str]:
    """The subject and body, in the patient's language (staff get the site's)."""
    patient = getattr(email.user, "patient", None)
    with in_patient_language(patient) if patient is not None else records_language():
        return _compose_in_language(email)


def _compose_in_language(email: AccountEmail) -> tuple[str, str]:
    """The subject and body, with the link made now: no secret waits in the database."""
    user = email.user
    if email.kind == AccountEmailKind.PASSWORD_RESET:
        _require_reset_still_wanted(email, user)
        return _password_reset_message(user)
    patient = user.patient
    if email.kind == AccountEmailKind.INVITATION:
        invitation = email.invitation
        token = invitation_token(invitation)
        if invitation_token_hash(token) != invitation.token_hash:
            # The site's secret key changed since: this link would not work.
            raise ValueError("the link no longer works; send a new invitation")
        context = {
            "patient": patient,
            "link": _site_link("invitation_accept", token),
            "expires_at": invitation.expires_at,
        }
        subject = _("Your walking plan with %(clinic)s: set your password") % {
            "clinic": patient.clinic
        }
        return subject, render_to_string("emails/invitation.txt", context)
    context = {"patient": patient}
    if email.kind == AccountEmailKind.EMAIL_CHANGE_CONFIRM:
        token = email_change_token(patient, email.recipient)
        context["link"] = _site_link("email_change_confirm", token)
        template = "emails/email_change_confirm.txt"
    else:
        template = "emails/email_change_notice.txt"
    subject = _("Your Stepwise account with %(clinic)s") % {"clinic": patient.clinic}
    return subject, render_to_string(template, context)


def _require_reset_still_wanted(email: AccountEmail, user) -> None:
    """A reset link made at sending is valid for the account as it is now, so check that
    what the request was made for still holds: the same address (an account moved away
    from a hijacked mailbox must not get its link there), an account that may sign in,
    and a request no older than a link would last."""
    if email.recipient.lower() != (user.email or "").lower():
        raise ValueError("not sent: the account's email address changed after the request")
    if not user.is_active or not user.has_usable_password():
        raise ValueError("not sent: the account cannot reset its password now")
    age = timezone.now() - email.created_at
    if age > datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT):
        raise ValueError("not sent: the request is older than a reset link would last")


def _password_reset_message(user) -> tuple[str, str]:
    """The password-reset email, with the context PasswordResetForm gives its templates
    (our own, in templates/registration, in the reader's plain words)."""
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": user.email,
        "domain": site.netloc,
        "site_name": site.netloc,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": site.scheme,
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    subject = render_to_string("registration/password_reset_subject.txt", context)
    body = render_to_string("registration/password_reset_email.html", context)
    return "".join(subject.splitlines()), body


def _site_link(name: str, token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[token])
