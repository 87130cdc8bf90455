"""Every request gets an id, sent back in a header, and one log line naming its route."""

import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories

NEW_ID = re.compile(r"[0-9a-f]{32}")


def test_each_request_gets_its_own_id_in_the_header_and_its_log_line(client, db, json_log):
    first = client.get(reverse("login"))
    second = client.get(reverse("login"))

    assert NEW_ID.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]
    [line] = json_log.lines(first["X-Request-ID"])
    assert line["logger"] == "stepwise.requests"
    assert (line["method"], line["route"], line["status"]) == ("GET", "login", 200)
    assert line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["client"] == "127.0.0.1"


def test_the_proxys_request_id_is_followed(client, db, json_log, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="nginx-0f3a9c2e77")

    assert response["X-Request-ID"] == "nginx-0f3a9c2e77"
    assert len(json_log.lines("nginx-0f3a9c2e77")) == 1


@pytest.mark.parametrize(
    "sent",
    ["short", "has spaces in it", "x" * 65, "abcdefgh\nfake log line", "<script>12345678"],
)
def test_an_id_that_is_not_a_short_plain_token_is_replaced(client, db, sent, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=sent)

    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_without_a_proxy_a_clients_request_id_is_not_taken(client, db):
    """Anyone could send a reference someone else read out to support."""
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="nginx-0f3a9c2e77")

    assert NEW_ID.fullmatch(response["X-Request-ID"])


def test_gunicorn_error_lines_never_carry_a_path_or_query_string(json_log):
    """A worker timing out, or a request line gunicorn cannot read, is logged with its URI."""
    log = logging.getLogger("gunicorn.error")
    try:
        raise SystemExit(1)
    except SystemExit:
        log.exception("Error handling request %s %s", "POST", "/invitations/TOKEN-123/?q=Garcia")
    log.warning(
        "Invalid request from ip=10.0.0.9: Invalid HTTP request line: "
        "'GET /clinic/?q=Mar\\xc3\\xada+Garcia HTTP/1.1'"
    )

    assert "TOKEN-123" not in json_log.text
    assert "Garcia" not in json_log.text
    assert "Error handling request (its path is not logged)" in json_log.text
    assert "ip=10.0.0.9: the request could not be read" in json_log.text


@pytest.mark.parametrize("path", ["/invitations/SECRET\u00e9TOKEN/", "/invitations/SECRET\\TOKEN/"])
def test_a_refused_post_never_logs_its_path_even_an_escaped_one(db, json_log, path):
    """Django escapes a path with non-ASCII characters or backslashes before logging it."""
    Client(enforce_csrf_checks=True).post(path, {"x": "1"})

    assert "SECRET" not in json_log.text
    assert "invitation_accept" in json_log.text


def test_the_line_names_the_account_and_route_never_the_path_or_the_search(
    client, clinician, patient, json_log
):
    factories.sign_in(client, clinician)

    response = client.get(reverse("staff_home"), {"q": "Patient"})

    assert response.status_code == 200
    [line] = json_log.lines(response["X-Request-ID"])
    assert (line["route"], line["user_id"]) == ("staff_home", clinician.pk)
    assert "/clinic/" not in json_log.text
    assert "Patient" not in json_log.text


def test_an_invitation_token_is_never_logged(client, clinician, patient, json_log):
    token = factories.invite(factories.not_yet_signed_in(patient), clinician)

    response = client.get(reverse("invitation_accept", args=[token]))

    assert response.status_code == 200
    [line] = json_log.lines(response["X-Request-ID"])
    assert line["route"] == "invitation_accept"
    assert token not in json_log.text


def test_health_probes_are_not_logged(client, db, json_log):
    response = client.get("/health/")

    assert response.status_code == 200
    assert "X-Request-ID" not in response
    assert json_log.text == ""
