"""Who may call the API: client credentials only, live tokens of live clients, per minute.

The token endpoint is django-oauth-toolkit's; none of its other pages (authorize,
introspect, applications) is served. A browser session, staff's or a patient's, reads
nothing: the API answers only a bearer token.
"""

import base64
import datetime
import json

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from oauth2_provider.models import AccessToken

from patients.services.api_clients import api_client_revoke
from tests import factories
from tests.fhir.helpers import Api, make_api_client, token_for, validated

pytestmark = pytest.mark.django_db

PATIENTS = "/fhir/R4/Patient"
TOKEN = "/fhir/token"
CREDENTIALS = {"grant_type": "client_credentials", "scope": "system/*.read"}


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def ask_token(client, api_client, secret: str, **data):
    data = {"grant_type": "client_credentials", "scope": "system/*.read", **data}
    return client.post("/fhir/token", data, HTTP_AUTHORIZATION=basic(api_client.client_id, secret))


def outcome(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = validated(json.loads(response.content))
    assert body["resourceType"] == "OperationOutcome"
    return body


def refused(response) -> dict:
    body = outcome(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer ")
    return body


@pytest.fixture
def made(clinic, clinic_admin):
    return make_api_client(clinic, clinic_admin)


def test_client_credentials_give_a_token_that_reads(client, made, patient):
    api_client, secret = made
    response = ask_token(client, api_client, secret)

    assert response.status_code == 200
    given = response.json()
    assert given["token_type"] == "Bearer"
    assert given["scope"] == "system/*.read"
    assert given["expires_in"] == settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]
    assert "refresh_token" not in given
    Api(client, given["access_token"]).read(PATIENTS)


def test_a_wrong_secret_is_401(client, made):
    api_client, _secret = made
    response = ask_token(client, api_client, "not-the-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "grant",
    [
        {"grant_type": "password", "username": "adam", "password": factories.PASSWORD},
        {"grant_type": "authorization_code", "code": "abc", "redirect_uri": "https://x.test"},
        {"grant_type": "refresh_token", "refresh_token": "abc"},
        {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": "x"},
    ],
)
def test_only_the_client_credentials_grant_works(client, made, clinic_admin, grant):
    api_client, secret = made
    response = ask_token(client, api_client, secret, **grant)
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()


def test_no_other_scope_is_given(client, made):
    api_client, secret = made
    response = ask_token(client, api_client, secret, scope="system/*.write")
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()


def test_a_revoked_client_gets_no_token_and_its_token_stops_at_once(client, made, clinic_admin):
    api_client, secret = made
    api = Api(client, token_for(client, api_client, secret))
    api.read(PATIENTS)

    api_client_revoke(client=api_client, by=clinic_admin)

    refused(api.get(PATIENTS))
    assert ask_token(client, api_client, secret).status_code == 401


def test_a_token_of_a_revoked_client_is_refused_even_if_its_row_remained(client, made):
    """Belt and braces: the revoked flag alone refuses, whatever became of the tokens."""
    api_client, secret = made
    api = Api(client, token_for(client, api_client, secret))
    type(api_client).objects.filter(pk=api_client.pk).update(revoked_at=timezone.now())

    body = refused(api.get(PATIENTS))
    assert "revoked" in body["issue"][0]["diagnostics"]


def test_an_expired_token_is_refused(client, made):
    api_client, secret = made
    lifetime = settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        api = Api(client, token_for(client, api_client, secret))
        clock.shift(datetime.timedelta(seconds=lifetime - 5))
        api.read(PATIENTS)
        clock.shift(datetime.timedelta(seconds=10))
        body = refused(api.get(PATIENTS))
    assert "expired" in body["issue"][0]["diagnostics"]


def test_a_token_without_the_read_scope_is_refused(client, made):
    api_client, secret = made
    api = Api(client, token_for(client, api_client, secret))
    AccessToken.objects.filter(application=api_client.application).update(scope="read")
    refused(api.get(PATIENTS))


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer nonsense", "Basic abc", "bearer x"])
def test_no_or_a_made_up_token_is_401(client, db, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    refused(client.get(PATIENTS, **extra))


def test_a_token_in_the_query_string_is_not_taken(client, made):
    api_client, secret = made
    token = token_for(client, api_client, secret)
    refused(client.get(PATIENTS, {"access_token": token}))


@pytest.mark.parametrize("person", ["clinician", "clinic_admin", "superuser", "patient"])
def test_a_signed_in_browser_session_cannot_read_the_api(client, request, patient, person):
    user = request.getfixturevalue(person)
    factories.sign_in(client, getattr(user, "user", user))
    for path in (PATIENTS, f"{PATIENTS}/{patient.pk}", f"{PATIENTS}/{patient.pk}/$everything"):
        refused(client.get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/o/authorize/",
        "/o/token/",
        "/o/introspect/",
        "/o/revoke_token/",
        "/o/applications/",
        "/o/applications/register/",
        "/o/authorized_tokens/",
        "/o/userinfo/",
        "/o/.well-known/openid-configuration",
        "/fhir/authorize",
        "/fhir/introspect",
        "/fhir/revoke_token",
        "/fhir/applications/",
    ],
)
def test_the_librarys_other_endpoints_are_not_served(client, superuser, path):
    factories.sign_in(client, superuser)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_the_token_endpoint_answers_no_get(client, db):
    assert client.get("/fhir/token").status_code == 405


def test_past_the_rate_limit_is_429_until_the_minute_is_over(client, clinic, clinic_admin):
    # The token request is the first of the four.
    api_client, secret = make_api_client(clinic, clinic_admin, requests_per_minute=4)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        api = Api(client, token_for(client, api_client, secret))
        for _ in range(3):
            api.read(PATIENTS)
        clock.shift(datetime.timedelta(seconds=20))

        too_many = api.get(PATIENTS)

        body = outcome(too_many, 429)
        assert body["issue"][0]["code"] == "throttled"
        assert too_many["Retry-After"] == "40"
        clock.shift(datetime.timedelta(seconds=39))
        outcome(api.get(PATIENTS), 429)
        clock.shift(datetime.timedelta(seconds=2))
        api.read(PATIENTS)


def test_each_client_has_its_own_limit(client, clinic, clinic_admin):
    first, first_secret = make_api_client(clinic, clinic_admin, name="One", requests_per_minute=2)
    second, second_secret = make_api_client(clinic, clinic_admin, name="Two")
    with time_machine.travel(timezone.now(), tick=False):
        one = Api(client, token_for(client, first, first_secret))
        two = Api(client, token_for(client, second, second_secret))
        one.read(PATIENTS)
        outcome(one.get(PATIENTS), 429)
        two.read(PATIENTS)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", PATIENTS, "GET"),
        ("put", f"{PATIENTS}/00000000-0000-0000-0000-000000000000", "GET"),
        ("post", "/fhir/R4/metadata", "GET"),
        ("post", "/fhir/R4/$export", "GET"),
        ("put", "/fhir/R4/$export-status/00000000-0000-0000-0000-000000000000", "GET, DELETE"),
    ],
)
def test_a_method_the_api_does_not_serve_is_refused_with_an_outcome(
    client, made, method, path, allowed
):
    """Read only: a POST search or a write is a 405 that says so, as every error does."""
    api_client, secret = made
    token = token_for(client, api_client, secret)
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"Bearer {token}")

    body = outcome(response, 405)
    assert body["issue"][0]["code"] == "not-supported"
    assert response["Allow"] == allowed


def test_token_requests_count_against_the_clients_rate_limit(client, clinic, clinic_admin):
    # Checking a secret is slow on purpose and each token is a row: asked in a loop, by the
    # client or by anyone who knows its id, the endpoint would cost the server without end.
    api_client, secret = make_api_client(clinic, clinic_admin, requests_per_minute=2)
    other, other_secret = make_api_client(clinic, clinic_admin, name="Other")
    wrong = base64.b64encode(f"{api_client.client_id}:not-the-secret".encode()).decode()
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert (
            client.post(TOKEN, CREDENTIALS, HTTP_AUTHORIZATION=f"Basic {wrong}").status_code == 401
        )
        token_for(client, api_client, secret)

        too_many = client.post(
            TOKEN, {**CREDENTIALS, "client_id": api_client.client_id, "client_secret": secret}
        )

        assert too_many.status_code == 429
        assert too_many.json()["error"] == "slow_down"
        assert too_many["Retry-After"] == "60"
        token_for(client, other, other_secret)  # each client its own limit
        clock.shift(datetime.timedelta(seconds=61))
        token_for(client, api_client, secret)


def test_an_expired_token_is_deleted_when_the_client_gets_a_new_one(client, made):
    api_client, secret = made
    with time_machine.travel(timezone.now(), tick=False) as clock:
        old = token_for(client, api_client, secret)
        clock.shift(
            datetime.timedelta(seconds=settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"] + 1)
        )
        new = token_for(client, api_client, secret)
    assert AccessToken.objects.filter(application=api_client.application).count() == 1
    assert old != new


def _with_junk(header: str) -> str:
    """Basic credentials with a character base64 does not have, which the library skips."""
    return header[:10] + "!" + header[10:]


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda basic_header, body: ({}, _with_junk(basic_header)), id="stray-char"),
        pytest.param(lambda basic_header, body: (body, "Basic %%%"), id="bad-base64"),
        pytest.param(
            lambda basic_header, body: (body, "Basic " + base64.b64encode(b"x").decode()),
            id="no-colon",
        ),
        pytest.param(
            lambda basic_header, body: (body, "Basic " + base64.b64encode(b"\xff:x").decode()),
            id="not-utf8",
        ),
        pytest.param(lambda basic_header, body: (body, "basic Zm9vOmJhcg=="), id="lower-case"),
        pytest.param(lambda basic_header, body: (body, basic("someone-else", "x")), id="other-id"),
    ],
)
def test_no_spelling_of_the_credentials_gets_a_token_past_the_limit(
    client, clinic, clinic_admin, spelling
):
    """The library reads Basic credentials leniently and, when they fail, tries the form's:
    each way it can be asked counts, so none gives a token the limit should have refused."""
    api_client, secret = make_api_client(clinic, clinic_admin, requests_per_minute=1)
    body = {"client_id": api_client.client_id, "client_secret": secret}
    extra, header = spelling(basic(api_client.client_id, secret), body)
    with time_machine.travel(timezone.now(), tick=False):
        token_for(client, api_client, secret)

        response = client.post(TOKEN, {**CREDENTIALS, **extra}, HTTP_AUTHORIZATION=header)

        assert response.status_code == 429, response.content
        assert "access_token" not in response.json()


def test_a_request_naming_two_clients_counts_against_both(client, clinic, clinic_admin):
    """The library checks the Basic secret and then the form's: either could be the one
    guessed, so both are counted, and the one named only in the form is limited too."""
    first, first_secret = make_api_client(clinic, clinic_admin, name="One", requests_per_minute=1)
    second, second_secret = make_api_client(clinic, clinic_admin, name="Two")
    with time_machine.travel(timezone.now(), tick=False):
        response = client.post(
            TOKEN,
            {**CREDENTIALS, "client_id": first.client_id, "client_secret": first_secret},
            HTTP_AUTHORIZATION=basic(second.client_id, "not-the-secret"),
        )
        assert response.status_code == 200  # the form's credentials were right
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.window_requests, second.window_requests) == (1, 1)

        assert ask_token(client, first, first_secret).status_code == 429
        token_for(client, second, second_secret)


def test_a_revoked_clients_token_requests_are_counted_too(client, clinic, clinic_admin):
    """Its secret is replaced, not removed, so a guess at it still costs a slow check."""
    api_client, _ = make_api_client(clinic, clinic_admin, requests_per_minute=1)
    api_client_revoke(client=api_client, by=clinic_admin)
    with time_machine.travel(timezone.now(), tick=False):
        assert ask_token(client, api_client, "guess").status_code == 401
        assert ask_token(client, api_client, "guess").status_code == 429


@pytest.mark.parametrize("header", ["Basic \xe9\xe9\xe9\xe9", "\xe9", "Bearer \xe9"])
def test_credentials_that_are_not_ascii_are_invalid_not_a_server_error(client, made, header):
    response = client.post(TOKEN, CREDENTIALS, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}


def test_a_json_or_huge_token_request_is_refused_without_a_count(client, clinic, clinic_admin):
    api_client, secret = make_api_client(clinic, clinic_admin, requests_per_minute=1)
    body = {**CREDENTIALS, "client_id": api_client.client_id, "client_secret": secret}
    with time_machine.travel(timezone.now(), tick=False):
        as_json = client.post(TOKEN, json.dumps(body), content_type="application/json")
        huge = client.post(TOKEN, CREDENTIALS, HTTP_AUTHORIZATION="Basic " + "A" * 100_000)

        assert as_json.status_code == 400
        assert huge.status_code == 401
        token_for(client, api_client, secret)  # neither was counted


@pytest.mark.parametrize(
    "credentials",
    [
        {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"\x00id:secret").decode()},
        {"data": {**CREDENTIALS, "client_id": "id\x00", "client_secret": "x"}},
    ],
)
def test_a_nul_in_a_client_id_is_refused_not_a_server_error(client, db, credentials):
    # PostgreSQL cannot compare a text holding NUL: looking the client up was a 500 there.
    data = credentials.pop("data", CREDENTIALS)
    response = client.post(TOKEN, data, **credentials)
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_client", "invalid_request")
