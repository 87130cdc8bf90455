"""Second factor: a time-based code (TOTP) from an authenticator app, plus recovery codes.

Every staff account must pass it, in the app and in the Django admin; patients may turn it
on. django-otp keeps the devices and checks the codes (with its own throttling after wrong
codes); this module decides who needs it and enrols them.
"""

from collections.abc import Callable

import segno
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp import devices_for_user, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.security import access

RECOVERY_CODE_COUNT = 10
# Set at sign-in for anyone who has a second factor, so patients who chose one are asked
# for it without a device lookup on every request of those who did not.
HAS_DEVICE = "stepwise_has_second_factor"
# Pages a signed-in person must reach before passing the second factor.
OPEN_VIEWS = {"two_factor_verify", "two_factor_setup", "logout", "admin:logout"}


def is_required(user) -> bool:
    """Staff must use a second factor: the admin, the dashboard and reports hold health data."""
    if user.is_staff or user.is_superuser:
        return True
    # A patient is never staff. Asking that first costs nothing on patient pages: their
    # views ask it anyway, and the answer is cached on the user for the request.
    return not access.is_patient(user) and access.is_staff_member(user)


@receiver(user_logged_in)
def remember_device_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[HAS_DEVICE] = user_has_device(user)


class SecondFactorMiddleware:
    """Sends a signed-in person who still owes a second factor to enter (or set up) one.

    Sits after django-otp's OTPMiddleware, which gives `request.user.is_verified()`.
    Enforcement does not depend on DEBUG: the demo enrols its staff instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or request.resolver_match.view_name in OPEN_VIEWS:
            return None
        if user.is_verified():
            return None
        if not (request.session.get(HAS_DEVICE) or is_required(user)):
            return None
        step = "two_factor_verify" if user_has_confirmed_app(user) else "two_factor_setup"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")


def authenticator_for(user) -> TOTPDevice:
    """The user's authenticator: the confirmed one, or one waiting to be confirmed."""
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def user_has_confirmed_app(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def app_confirm(device: TOTPDevice) -> list[str]:
    """The app's first code was right: the device counts from now on, with recovery codes."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_replace(device.user)


def current_code(device: TOTPDevice) -> str:
    """The code the app would show now: for the demo's code command and for tests."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def qr_code_svg(device: TOTPDevice) -> str:
    """The setup link as an inline SVG QR code: no image files, nothing inline to run."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def manual_key(device: TOTPDevice) -> str:
    """The secret in the base32 groups authenticator apps ask for when typed by hand."""
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def recovery_codes_replace(user) -> list[str]:
    """New single-use recovery codes; any earlier ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(user=user, defaults={"name": "Recovery codes"})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def code_device(user, code: str):
    """The device a typed code belongs to: six digits are the app, anything else a recovery code."""
    kind = TOTPDevice if code.isdigit() else StaticDevice
    return next((d for d in devices_for_user(user) if isinstance(d, kind)), None)


def normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def reset(user) -> None:
    """Forgets the user's app and recovery codes, for a lost phone.

    Sessions verified with the old app stop counting as verified (the device is gone), so
    every sign-in must set up a new app. Whoever knows the password can do that: when
    the password may be lost along with the phone, change the password too.
    """
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    end_sessions(user)


def end_sessions(user) -> int:
    """Signs the user out everywhere: every session of theirs is deleted.

    Sessions do not say whose they are without being decoded, so the live ones are read
    one by one: a clinic has a few hundred at a time, and this runs only on a reset.
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            session.delete()
            ended += 1
    return ended
