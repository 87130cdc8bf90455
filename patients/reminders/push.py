"""Web push: a reminder as a notification on each browser the patient allowed.

The Web Push protocol (RFC 8030) in three steps, with the two small libraries the
protocol's own authors maintain and the standard library's HTTP client:

- the message is encrypted for one browser with its two keys (RFC 8291, the aes128gcm
  content encoding of RFC 8188: `http_ece`), so the push service carries it unread;
- the request is signed with the site's VAPID key (RFC 8292: `py_vapid`), so the push
  service knows it comes from the server the browser subscribed with;
- it is POSTed to the browser's endpoint, with a timeout. 201 means accepted; 404 or 410
  means the browser unsubscribed, so its subscription is deleted.

An endpoint is a capability (whoever knows it, with the keys, can notify that browser):
logs name only its host.
"""

import base64
import json
import logging
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from py_vapid import Vapid02

from patients.deliveries import claim, record_failed, record_sent
from patients.languages import in_patient_language
from patients.models import (
    Patient,
    PushSubscription,
    Reminder,
    ReminderKind,
    ReminderSettings,
)
from patients.reminders.texts import reminder_text

logger = logging.getLogger(__name__)

# Seconds the push service may take to answer: without a limit a silent one holds the
# worker for ever.
TIMEOUT = 10
# How long the push service keeps a message for a phone that is off: a walk reminder that
# arrives half a day late is no help.
TIME_TO_LIVE = 6 * 60 * 60
# How long the VAPID signature stays valid; push services refuse more than 24 hours.
SIGNATURE_LIFETIME = 12 * 60 * 60


class SubscriptionGone(Exception):
    """The push service no longer knows this browser (404 or 410)."""


# How many browsers one patient may have notifications on.
MAX_BROWSERS = 5


def is_configured() -> bool:
    """Whether this server has a VAPID key pair: without one, push is not offered."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def push_message(reminder: Reminder) -> dict:
    """What the notification says (the reminder email's words), and the page it opens."""
    with in_patient_language(reminder.patient):
        text = reminder_text(reminder.kind)
    url = reverse("walk_new") if reminder.kind in OPENS_WALK_FORM else reverse("home")
    return {"title": text.title, "body": text.body, "url": url, "tag": f"stepwise-{reminder.kind}"}


# A walk reminder or nudge opens the walk form; the others the patient's week.
OPENS_WALK_FORM = {ReminderKind.WALK, ReminderKind.NUDGE}


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt(payload: bytes, subscription: PushSubscription) -> bytes:
    """The payload encrypted for this browser alone, with a fresh key for this message."""
    return http_ece.encrypt(
        payload,
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=b64url_decode(subscription.p256dh),
        auth_secret=b64url_decode(subscription.auth),
        version="aes128gcm",
    )


def vapid_authorization(endpoint: str) -> str:
    """The `Authorization: vapid t=..., k=...` header for the endpoint's push service."""
    parts = urlsplit(endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + SIGNATURE_LIFETIME,
        "sub": settings.VAPID_CONTACT,
    }
    vapid = Vapid02.from_raw(settings.VAPID_PRIVATE_KEY.encode())
    return vapid.sign(claims)["Authorization"]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A push service answers; it never redirects. Following one would send the encrypted
    message and the signature somewhere the browser never subscribed."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def is_push_service(endpoint: str) -> bool:
    """Whether an address belongs to one of the browsers' push services (WEB_PUSH_HOSTS).

    Checked when a browser subscribes and again before every post: the server must never
    be made to post to an address of a patient's choosing (a machine in the clinic's
    network, say).
    """
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower().rstrip(".")
    allowed = settings.WEB_PUSH_HOSTS
    known = any(host == name or host.endswith("." + name) for name in allowed)
    # HTTPS on its own port. (Plain http is never stored, as subscribing needs https; only
    # the tests' own receiver on this machine speaks it, on a port of its own.)
    port_ok = parts.scheme == "http" or parts.port in (None, 443)
    return parts.scheme in ("https", "http") and not parts.username and known and port_ok


def post(subscription: PushSubscription, body: bytes) -> None:
    """Hand the encrypted message to the browser's push service."""
    if not is_push_service(subscription.endpoint):
        raise SubscriptionGone  # not a push service (any more): never posted to
    # The scheme is checked just above: never file: or another of urllib's schemes.
    request = urllib.request.Request(  # noqa: S310
        subscription.endpoint,
        data=body,
        method="POST",
        headers={
            "Authorization": vapid_authorization(subscription.endpoint),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TIME_TO_LIVE),
            "Urgency": "normal",
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT):
            pass
    except urllib.error.HTTPError as error:
        if error.code in (404, 410):
            raise SubscriptionGone from None
        raise RuntimeError(f"the push service answered {error.code}") from None


def push_to(subscription: PushSubscription, payload: bytes) -> str | None:
    """Send to one browser: None when it got there, else why not. A browser gone for good
    loses its subscription."""
    host = urlsplit(subscription.endpoint).hostname
    try:
        post(subscription, encrypt(payload, subscription))
    except SubscriptionGone:
        logger.info("Push subscription %s at %s is gone; deleted", subscription.pk, host)
        forget_browser(subscription)
        return "the browser has unsubscribed"
    except Exception as error:
        # The error's type and the host only: the endpoint is a capability.
        logger.warning(
            "Push to subscription %s at %s failed: %s", subscription.pk, host, type(error).__name__
        )
        return f"{host}: {error}"
    return None


def send_reminder_push(reminder: Reminder) -> str:
    """Send a push reminder to each of the patient's browsers. Safe to run twice.

    As an email's delivery (patients/deliveries.py): claimed in one short update, sent
    outside any transaction, the outcome recorded. It counts as sent when at least one
    browser's push service took it.
    """
    if not claim(Reminder.objects.all(), reminder.pk):
        return "already sent or being sent"
    reminder = Reminder.objects.select_related("patient").get(pk=reminder.pk)
    subscriptions = list(reminder.patient.push_subscriptions.all())
    if not is_configured():
        record_failed(reminder, "Web push is not configured (VAPID_PUBLIC_KEY).")
        return "failed"
    if not subscriptions:
        record_failed(reminder, "No browser is subscribed to notifications.")
        return "failed"
    payload = json.dumps(push_message(reminder)).encode()
    errors = [push_to(subscription, payload) for subscription in subscriptions]
    if any(error is None for error in errors):
        record_sent(reminder)
        return "sent"
    record_failed(reminder, "; ".join(errors))
    return "failed"


@transaction.atomic
def subscribe_browser(patient: Patient, *, endpoint: str, p256dh: str, auth: str):
    """Notifications on for this browser, for this patient, and push on in their settings.

    An endpoint is one browser. If another patient subscribed it before (a shared phone),
    it now belongs to whoever signed in and asked last: their old row is deleted, so the
    other patient's reminders stop showing on a phone they no longer use.
    """
    patient = Patient.objects.lock(patient.pk)
    for taken in PushSubscription.objects.filter(endpoint=endpoint).exclude(patient=patient):
        forget_browser(taken)
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"patient": patient, "p256dh": p256dh, "auth": auth}
    )
    # A patient's phones and browsers: a handful. The oldest go beyond that, so one account
    # cannot make the worker post to hundreds of addresses for each reminder.
    for old in patient.push_subscriptions.order_by("-created_at", "-pk")[MAX_BROWSERS:]:
        old.delete()
    ReminderSettings.objects.update_or_create(patient=patient, defaults={"by_push": True})
    return subscription


def forget_browser(subscription: PushSubscription) -> None:
    """A browser's subscription deleted; its patient's push goes off with their last one, so
    neither the patient nor their clinician is told notifications are on when none can
    arrive."""
    patient_id = subscription.patient_id
    subscription.delete()
    if not PushSubscription.objects.filter(patient_id=patient_id).exists():
        ReminderSettings.objects.filter(patient_id=patient_id).update(by_push=False)


@transaction.atomic
def unsubscribe_browser(patient: Patient, *, endpoint: str) -> bool:
    """Notifications off for this browser; push off in the settings when it was the last.
    Only the patient's own subscription: another's endpoint is left alone."""
    patient = Patient.objects.lock(patient.pk)
    deleted, _detail = PushSubscription.objects.filter(patient=patient, endpoint=endpoint).delete()
    if not patient.push_subscriptions.exists():
        ReminderSettings.objects.filter(patient=patient).update(by_push=False)
    return bool(deleted)
