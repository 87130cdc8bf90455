"""The links in a reminder email: the patient's pages, their reminder settings, and the
signed link that stops reminder emails without signing in (RFC 8058's one click).

The stop link binds one patient's id with a signature only this server can make, under a
salt used for nothing else. It never expires: a link in an old email must still work
(mail providers show "Unsubscribe" on every message they keep), and all it can ever do is
switch that one patient's reminder emails off, which they can switch on again.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from patients.models import AuditAction, Patient, ReminderSettings
from patients.security import audit

STOP_SALT = "patients.reminders.stop-email"
# The patient's reminder settings page (built alongside this module; a fixed address so
# an email sent today still leads there).
SETTINGS_PATH = "/reminders/"


def site_link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def stop_token(patient: Patient) -> str:
    return signing.Signer(salt=STOP_SALT).sign(str(patient.pk))


def stop_link(patient: Patient) -> str:
    return site_link(reverse("reminder_stop", args=[stop_token(patient)]))


def patient_for_stop_token(token: str) -> Patient | None:
    """The patient a stop link was made for; None for a link we did not sign."""
    try:
        patient_id = signing.Signer(salt=STOP_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Patient.objects.filter(pk=patient_id).first()


def stop_email_reminders(patient: Patient) -> bool:
    """Switch off this patient's reminder emails (and only theirs); audited. False if they
    were off already, so a second click changes and records nothing."""
    with transaction.atomic():
        changed = ReminderSettings.objects.filter(patient=patient, by_email=True).update(
            by_email=False, updated_at=timezone.now()
        )
        if changed:
            audit.record(
                by=None,
                action=AuditAction.CHANGED,
                subject="reminder settings",
                patient=patient,
                detail="reminder emails stopped from the link in a reminder email",
            )
    return bool(changed)
