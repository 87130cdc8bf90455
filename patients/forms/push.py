"""The browser's push subscription, as its script sends it (PushSubscription.toJSON())."""

import base64
import binascii
import json
import re

from cryptography.hazmat.primitives.asymmetric import ec
from django import forms
from django.utils.translation import gettext_lazy as _

from patients.reminders.push import is_push_service

BASE64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")
UNREADABLE = _("The browser sent something Stepwise could not read. Reload the page and try again.")


def read_json(body: bytes) -> dict | None:
    """The request's JSON object, or None when it is not one."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def subscription_fields(data: dict) -> dict:
    """toJSON()'s nested shape ({endpoint, keys: {p256dh, auth}}) as the form's fields."""
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    return {
        "endpoint": data.get("endpoint"),
        "p256dh": keys.get("p256dh"),
        "auth": keys.get("auth"),
    }


def decode_key(text: str, message) -> bytes:
    if not BASE64URL.match(text):
        raise forms.ValidationError(message)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise forms.ValidationError(message) from None


class PushSubscriptionForm(forms.Form):
    """Checks what a browser says about itself before it is stored: the push service's
    address must be HTTPS (the protocol requires it, and a plain address would let the
    server be pointed at anything), and the keys must be what the encryption needs: a
    P-256 public key and a 16-byte secret."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.CharField(max_length=200)
    auth = forms.CharField(max_length=100)

    def clean_endpoint(self) -> str:
        endpoint = self.cleaned_data["endpoint"]
        if not endpoint.startswith("https://"):
            raise forms.ValidationError(_("The notification address must start with https://."))
        if not is_push_service(endpoint):
            raise forms.ValidationError(
                _("This browser's notification service is not one Stepwise can send to.")
            )
        return endpoint

    def clean_p256dh(self) -> str:
        text = self.cleaned_data["p256dh"]
        message = _("The browser's notification key is not valid.")
        key = decode_key(text, message)
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
        except ValueError:
            raise forms.ValidationError(message) from None
        return text

    def clean_auth(self) -> str:
        text = self.cleaned_data["auth"]
        message = _("The browser's notification secret is not valid.")
        if len(decode_key(text, message)) != 16:
            raise forms.ValidationError(message)
        return text

    def first_error(self) -> str:
        """One sentence for the script to show: the first thing wrong."""
        return next(str(error) for errors in self.errors.values() for error in errors)


class PushUnsubscribeForm(forms.Form):
    endpoint = forms.CharField(max_length=1000)
