"""Who is calling the FHIR API: the clinic system behind a bearer token, and its rate limit.

The token comes from django-oauth-toolkit's token endpoint (client credentials); here it
is checked (live, not expired, with the read scope), traced to its `ApiClient`, refused if
that client was revoked, and counted against the client's requests per minute. Sessions
and cookies play no part: a signed-in person's browser cannot read the API.
"""

import base64
import datetime
import math
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from django.db.models import Case, F, Value, When
from django.utils import timezone
from oauth2_provider.oauth2_backends import get_oauthlib_core

from patients.models import ApiClient

API_SCOPE = "system/*.read"
RATE_WINDOW = datetime.timedelta(minutes=1)


@dataclass
class ApiRefusal(Exception):
    """Why a request was refused, as the HTTP status, a FHIR issue code and plain words."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def _unauthorised(message: str) -> ApiRefusal:
    return ApiRefusal(
        401,
        "login",
        message,
        {"WWW-Authenticate": f'Bearer realm="stepwise", scope="{API_SCOPE}"'},
    )


def calling_client(request) -> ApiClient:
    """The active client whose valid token this request carries, counted; or ApiRefusal."""
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        raise _unauthorised("Send an access token: 'Authorization: Bearer <token>'.")
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[API_SCOPE])
    if not valid:
        raise _unauthorised("The access token is not valid or has expired; ask for a new one.")
    clients = ApiClient.objects.active().select_related("application", "clinic")
    client = clients.filter(application_id=oauth_request.access_token.application_id).first()
    if client is None:
        raise _unauthorised("This client has been revoked by the clinic.")
    count_request(client)
    return client


def count_request(client: ApiClient, now: datetime.datetime | None = None) -> None:
    """Counts one request in the client's current minute; refuses it (429) past the limit.

    One UPDATE, so requests served at once by several workers are all counted.
    """
    now = now or timezone.now()
    in_window = When(window_started_at__gt=now - RATE_WINDOW, then=F("window_requests") + 1)
    ApiClient.objects.filter(pk=client.pk).update(
        window_requests=Case(in_window, default=Value(1)),
        window_started_at=Case(
            When(window_started_at__gt=now - RATE_WINDOW, then=F("window_started_at")),
            default=Value(now),
        ),
    )
    started, requests = ApiClient.objects.values_list("window_started_at", "window_requests").get(
        pk=client.pk
    )
    if requests > client.requests_per_minute:
        wait = max(1, math.ceil((started + RATE_WINDOW - now).total_seconds()))
        raise ApiRefusal(
            429,
            "throttled",
            f"More than {client.requests_per_minute} requests in a minute; "
            f"try again in {wait} seconds.",
            {"Retry-After": str(wait)},
        )


def credentials_unreadable(request) -> bool:
    """Credentials no client could have: not ASCII, or holding a NUL (which PostgreSQL
    cannot even compare). The token endpoint's library fails on either with a server
    error; they are refused as an unknown client is."""
    header = request.headers.get("Authorization", "")
    if not header.isascii():
        return True
    named = (_basic_client_id(header), request.POST.get("client_id", ""))
    return any("\x00" in client_id for client_id in named)


def token_requesters(request) -> list[ApiClient]:
    """Every client a token request names, revoked or not: the one in its HTTP Basic
    credentials and the one in its form. Whether a secret is right is the token endpoint's
    to check, and it checks the Basic one and then, if that fails for any reason, the
    form's, so a request naming both may cost a check of each and counts against both."""
    client_ids = {_basic_client_id(request.headers.get("Authorization", ""))}
    client_ids.add(request.POST.get("client_id", ""))
    client_ids.discard("")
    if not client_ids:
        return []
    return list(ApiClient.objects.filter(application__client_id__in=client_ids))


def _basic_client_id(header: str) -> str:
    """The client id in HTTP Basic credentials, read as leniently as the token endpoint
    reads them (base64 with stray characters skipped), or "": a header it accepts and this
    refused would be a token nobody counted."""
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(credentials).decode()
    except ValueError:  # not ASCII, not base64 (binascii.Error) or not UTF-8
        return ""
    return unquote_plus(decoded.partition(":")[0])
