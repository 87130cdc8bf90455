"""An absolute limit on how long a sign-in lasts, whatever the activity."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SIGNED_IN_AT = "stepwise_signed_in_at"


class AbsoluteSessionLifetimeMiddleware:
    """Signs the user out once their sign-in is older than SESSION_ABSOLUTE_HOURS.

    The idle timeout (SESSION_COOKIE_AGE, renewed on every request) ends quiet sessions;
    this ends busy ones too, so a session cookie is never good for ever.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(SIGNED_IN_AT, now)
            if now - started > settings.SESSION_ABSOLUTE_HOURS * 3600:
                logout(request)
                messages.info(request, _("For your security, please sign in again."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)
