"""A database that goes away mid-request is a server error, never the patient's fault.

Found by scripts/reliability: PostgreSQL crashed after a page was rendered but before the
session (then saved on every request) was written back, and Django answered 400 "session
deleted" for what was an outage, after the patient's walk may already have been saved.
"""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from tests import factories

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="cuts a PostgreSQL connection from the server"
)


def cut_off_from_the_database() -> None:
    """What a database restart does to a connection: the server ends it."""
    with pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def page_rendered_then_database_lost(request):
    request.session["seen"] = True
    cut_off_from_the_database()
    return HttpResponse("rendered")


urlpatterns = [path("lost/", page_rendered_then_database_lost)]


@pytest.fixture
def reconnects_afterwards(transactional_db):
    """The test client keeps Django from closing broken connections, so this does it."""
    yield
    connection.close()


@pytest.mark.urls(__name__)
def test_losing_the_database_before_the_session_is_saved_answers_500_not_400(
    reconnects_afterwards, patient
):
    browser = Client(raise_request_exception=False)
    factories.sign_in(browser, patient.user)

    response = browser.get("/lost/")

    assert response.status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_session_deleted_meanwhile_is_still_reported_as_interrupted():
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["patient"] = "signed in"
    store.create()
    # Signed out in another tab: the row is gone, and that is what UpdateError means.
    import_module(settings.SESSION_ENGINE).SessionStore(store.session_key).delete()

    store["more"] = True
    with pytest.raises(UpdateError):
        store.save()
