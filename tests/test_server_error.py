"""The 500 page: calm words and the reference that finds the request in the logs."""

import pytest
from django.test import Client, RequestFactory
from django.urls import path

from config import urls as site_urls
from config.errors import server_error


def broken(request, token):
    raise RuntimeError("the summary could not be worked out")


# The site's own addresses and error handler, plus one page that fails.
urlpatterns = [
    path("broken/<str:token>/", broken, name="broken"),
    *site_urls.urlpatterns,
]
handler500 = site_urls.handler500


@pytest.mark.urls("tests.test_server_error")
def test_a_failing_page_shows_the_reference_that_is_in_the_header_and_the_log(db, json_log):
    client = Client(raise_request_exception=False)

    response = client.get("/broken/set-password-4k2-secret/", {"q": "Smith"})

    reference = response["X-Request-ID"]
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert f"<code>{reference}</code>" in response.text
    error, request_line = sorted(json_log.lines(reference), key=lambda line: line["logger"])
    assert (error["logger"], error["level"]) == ("django.request", "ERROR")
    assert error["message"] == "Internal Server Error: broken"
    assert error["traceback"].endswith("RuntimeError: the summary could not be worked out")
    assert (request_line["route"], request_line["status"]) == ("broken", 500)
    assert "secret" not in json_log.text
    assert "Smith" not in json_log.text


def test_the_500_page_needs_no_database_session_or_user():
    # No `db` fixture: any query would fail the test.
    request = RequestFactory().get("/anything/")
    request.request_id = "0c8e6b1f2a3d4e5f6a7b8c9d0e1f2a3b"

    response = server_error(request)

    assert response.status_code == 500
    assert "0c8e6b1f2a3d4e5f6a7b8c9d0e1f2a3b" in response.content.decode()
    assert "tell your clinic" in response.content.decode()
