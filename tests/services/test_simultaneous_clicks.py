"""Clicks that arrive at the same moment, over HTTP, to a real server on PostgreSQL.

A double click, or two clinicians acting on one patient, sends requests that the server
handles in parallel threads, each with its own database connection. The plan's row lock
and the state each page posted back make exactly one of them count. SQLite takes one
writer at a time, so only PostgreSQL can show the race.
"""

import http.client
import secrets
import threading
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from patients.models import Flag, FlagAction, FlagEventKind, FlagStatus
from programs.models import StageChangeKind
from tests import factories
from tests.admin_forms import plan_post
from tests.factories import assign, report_check_in, seen_flag, seen_plan

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a race between database connections"
)


class Browser:
    """One signed-in browser: its session and CSRF cookies, posting forms over HTTP."""

    def __init__(self, live_server, client, user):
        factories.sign_in(client, user)
        self.address = urlsplit(live_server.url)
        self.csrf = secrets.token_hex(16)  # 32 characters, as Django's own secret
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={self.csrf}"

    def post(self, path: str, form: dict) -> int:
        body = urlencode({**form, "csrfmiddlewaretoken": self.csrf})
        server = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=60)
        try:
            server.request(
                "POST",
                path,
                body=body,
                headers={
                    "Cookie": self.cookie,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            return server.getresponse().status
        finally:
            server.close()


def at_once(*posts) -> list[int]:
    """Sends each (browser, path, form) from its own thread, released together."""
    start = threading.Barrier(len(posts))
    statuses = []

    def send(browser, path, form):
        start.wait()
        statuses.append(browser.post(path, form))

    threads = [threading.Thread(target=send, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def ready_plan(transactional_db, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician, days_ago=15)
    factories.walk_the_stage(patient, count=7)
    return plan


@pytest.mark.parametrize("attempt", range(3))
def test_four_clicks_on_advance_at_once_advance_the_plan_once(
    live_server, client, clinician, ready_plan, attempt
):
    browser = Browser(live_server, client, clinician)
    click = (browser, reverse("plan_advance", args=[ready_plan.pk]), seen_plan(ready_plan))

    statuses = at_once(click, click, click, click)

    assert statuses == [302] * 4
    ready_plan.refresh_from_db()
    assert ready_plan.current_position == 2
    assert ready_plan.changes.filter(kind=StageChangeKind.ADVANCE).count() == 1


@pytest.mark.parametrize("attempt", range(3))
def test_two_clinicians_resolving_one_flag_at_once_resolve_it_once(
    live_server, client, clinician, clinic, patient, clinic_template, attempt
):
    plan = assign(patient, clinic_template, clinician, days_ago=15)
    report_check_in(patient, pain_now=10)
    flag = Flag.objects.get()
    colleague = factories.make_staff(f"colleague{attempt}", clinic)
    path = reverse("flag_resolve", args=[flag.pk])
    form = {**seen_flag(flag), "action": FlagAction.ADVANCE, "note": "Settled"}
    first = Browser(live_server, client, clinician)
    second = Browser(live_server, Client(), colleague)

    statuses = at_once((first, path, form), (second, path, form), (first, path, form))

    assert 500 not in statuses
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.events.filter(kind=FlagEventKind.RESOLVED).count() == 1
    plan.refresh_from_db()
    assert plan.current_position == 2
    assert plan.changes.filter(kind=StageChangeKind.ADVANCE).count() == 1


def test_a_pause_and_an_advance_sent_together_make_one_change(
    live_server, client, clinician, clinic, patient, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=3)
    path = reverse("patient_plan_change", args=[patient.pk])
    page_said = seen_plan(plan)
    colleague = factories.make_staff("colleague", clinic)
    mine = Browser(live_server, client, clinician)
    theirs = Browser(live_server, Client(), colleague)

    statuses = at_once(
        (mine, path, {**page_said, "kind": "pause", "reason": "Flare"}),
        (theirs, path, {**page_said, "kind": "advance", "reason": "Going well", "confirm": "on"}),
    )

    assert sorted(statuses) == [200, 302]  # one made the change; the other is told why not
    plan.refresh_from_db()
    made = list(plan.changes.exclude(kind=StageChangeKind.START).values_list("kind", flat=True))
    assert len(made) == 1
    assert (plan.status, plan.current_position) in {("paused", 1), ("active", 2)}


@pytest.mark.parametrize("attempt", range(3))
def test_saving_a_plan_in_the_admin_while_it_advances_keeps_the_advance(
    live_server, client, clinician, clinic, ready_plan, attempt
):
    """The admin's save once wrote the whole row back as loaded, undoing the advance."""
    colleague = factories.make_staff(f"colleague{attempt}", clinic)
    renaming = Browser(live_server, client, clinician)
    advancing = Browser(live_server, Client(), colleague)
    admin_page = reverse("admin:programs_planassignment_change", args=[ready_plan.pk])

    statuses = at_once(
        (renaming, admin_page, {**plan_post(ready_plan), "name": "Renamed"}),
        (advancing, reverse("plan_advance", args=[ready_plan.pk]), seen_plan(ready_plan)),
    )

    assert statuses == [302, 302]
    ready_plan.refresh_from_db()
    assert (ready_plan.name, ready_plan.current_position) == ("Renamed", 2)
