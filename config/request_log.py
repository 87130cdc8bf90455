"""Each request gets an id and, once answered, one log line.

The id is new for each request, or the one the proxy in front sent in X-Request-ID when it
is a short plain token, so a request can be followed from the proxy's log into ours. It
goes back in the X-Request-ID header and on the 500 page (config.errors), and every record
logged while the request is served carries it (config.logs).

The line names the route (the URL pattern's name), never the path or the query string:
paths hold the tokens of invitation and password-reset links, query strings hold searches
for patients' names. Nothing a person typed is logged, and of who they are only the
account's number.
"""

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject, empty

from config.logs import current_request_id
from config.proxies import client_ip

HEADER = "X-Request-ID"
FOLLOWED_ID = re.compile(r"[A-Za-z0-9-]{8,64}")

logger = logging.getLogger("stepwise.requests")


def new_or_followed_id(request: HttpRequest) -> str:
    """The proxy's id when there is a proxy (TRUSTED_PROXY_COUNT); without one, the header
    came from the client, who could reuse someone else's reference."""
    incoming = request.headers.get(HEADER, "")
    if settings.TRUSTED_PROXY_COUNT and FOLLOWED_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def user_id(request: HttpRequest) -> int | None:
    """The signed-in account's id, if the request already loaded its user.

    Loading it here would cost a query on the rare page that never looked, and fail again
    when the database is what failed.
    """
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return getattr(user, "pk", None)


def route_name(request: HttpRequest) -> str | None:
    """The name of the URL pattern a request is for, never its path."""
    if request.resolver_match is not None:
        return request.resolver_match.view_name
    if request.path.startswith(settings.STATIC_URL):
        return "static"  # whitenoise answers before URLs are resolved
    # Answered before Django resolved it: a redirect to HTTPS, a fault in a middleware.
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class HidePathsFilter(logging.Filter):
    """Keeps paths and query strings out of the error lines Django and gunicorn write.

    Django logs "Internal Server Error: /invitations/<token>/" (and the same for CSRF
    failures), with the path escaped when it holds non-ASCII characters or backslashes;
    the route's name takes its place. gunicorn logs the whole request line when a worker
    times out or a request cannot be parsed: only what happened is kept. Paths hold the
    tokens of invitation, email and password-reset links; query strings, searches for
    patients' names.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("gunicorn."):
            hide_gunicorn_request_line(record)
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest) and isinstance(record.args, tuple):
            as_logged = {request.path, request.path.encode("unicode_escape").decode("ascii")}
            if as_logged.intersection(map(str, record.args)):
                route = route_name(request) or "-"
                record.args = tuple(route if str(arg) in as_logged else arg for arg in record.args)
        return True


def hide_gunicorn_request_line(record: logging.LogRecord) -> None:
    message = str(record.msg)
    if message.startswith("Error handling request"):
        record.msg, record.args = "Error handling request (its path is not logged)", ()
    elif message.startswith("Invalid request from ip="):
        address = message.split(":", 1)[0]
        record.msg, record.args = f"{address}: the request could not be read", ()


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = new_or_followed_id(request)
        token = current_request_id.set(request.request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request.request_id
            fields = {
                "method": request.method,
                "route": route_name(request),
                "status": response.status_code,
                # Until the view returned: a streamed download goes on after it.
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user_id(request),
                "client": client_ip(request) or None,
            }
            logger.info(
                "%s %s %s %sms",
                fields["method"],
                fields["route"] or "-",
                fields["status"],
                fields["duration_ms"],
                extra=fields,
            )
            return response
        finally:
            current_request_id.reset(token)
