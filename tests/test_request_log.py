"""Every request gets an id, sent back in a header, and one log line naming its route."""

import re

import pytest
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


def test_the_proxys_request_id_is_followed(client, db, json_log):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="nginx-0f3a9c2e77")

    assert response["X-Request-ID"] == "nginx-0f3a9c2e77"
    assert len(json_log.lines("nginx-0f3a9c2e77")) == 1


@pytest.mark.parametrize(
    "sent",
    ["short", "has spaces in it", "x" * 65, "abcdefgh\nfake log line", "<script>12345678"],
)
def test_an_id_that_is_not_a_short_plain_token_is_replaced(client, db, sent):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=sent)

    assert NEW_ID.fullmatch(response["X-Request-ID"])


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
