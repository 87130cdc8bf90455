"""The address a request came from, for the audit trail and the lockout records."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind N trusted proxies the address the outermost one saw.

    Only the last N entries of X-Forwarded-For were written by our own proxies; anything
    before them is whatever the client chose to send, so it is never trusted.
    """
    hops = settings.TRUSTED_PROXY_COUNT
    if hops:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
