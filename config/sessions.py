"""How long a sign-in lasts: an idle timeout, renewed cheaply, and an absolute limit."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

SIGNED_IN_AT = "stepwise_signed_in_at"
REFRESHED_AT = "stepwise_refreshed_at"
# How stale the session's expiry may grow before a request renews it: the idle timeout
# can end a session up to this much early, since requests in the minute after a renewal
# do not move it.
REFRESH_SECONDS = 60


class IdleTimeoutMiddleware:
    """Renews the idle timeout (SESSION_COOKIE_AGE) at most once a minute.

    Django renews a session's expiry, in the database and on the cookie, only when it saves
    the session. Saving on every request (SESSION_SAVE_EVERY_REQUEST) costs a write and a
    commit per page; this marks the session changed only when its last renewal is more than
    REFRESH_SECONDS old. It sits just after SessionMiddleware, so on the way out it runs
    after every other middleware has had its say and just before the session is saved.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        renew_if_due(request.session, time.time())
        return response


def renew_if_due(session: SessionBase, now: float) -> None:
    """Marks the session to be saved (and its expiry moved) if its renewal is due."""
    if session.is_empty():
        return  # no session, and a signed-out visitor must not be given one
    refreshed_at = session.get(REFRESHED_AT)
    if session.is_empty():
        return  # the cookie named a session that had expired or been deleted
    # A session saved anyway is renewed anyway: note it, so the next minute is free.
    if session.modified or refreshed_at is None or now - refreshed_at > REFRESH_SECONDS:
        session[REFRESHED_AT] = now


class AbsoluteSessionLifetimeMiddleware:
    """Signs the user out once their sign-in is older than SESSION_ABSOLUTE_HOURS.

    The idle timeout (SESSION_COOKIE_AGE, see IdleTimeoutMiddleware) ends quiet sessions;
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
