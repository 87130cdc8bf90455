"""Attacks on the reviewer's red-flag report, its CSVs and a flag's governance page:
other clinics' data, junk and extreme filters, figures that disagree, time zones."""

import datetime
import functools

import pytest
import time_machine
from django.urls import reverse

from patients.models import AuditAction, AuditEvent, StaffRole
from tests import factories

REPORT = reverse("flag_report")
CSV = reverse("flag_report_csv")
RULES_CSV = reverse("rule_report_csv")
NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)  # a Friday
make_flag = functools.partial(factories.make_flag, severity="urgent")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reviewer_client(client, reviewer):
    factories.sign_in(client, reviewer)
    return client


def zoned_clinic(name, zone, country="US"):
    clinic = factories.make_clinic(name, country=country)
    clinic.timezone = zone
    clinic.save()
    return clinic


JUNK = [
    "",
    "junk",
    "-1",
    "0",
    "1.5",
    str(10**20),
    "é🙂",
    "a\x00b",
    "x" * 5000,
    "0001-01-01",
    "9999-12-31",
    "NaN",
    "inf",
]
PARAMS = [
    "date_from",
    "date_to",
    "clinic",
    "clinician",
    "rule",
    "severity",
    "status",
    "window",
    "escalated",
    "sort",
    "page",
    "events",
]


@pytest.mark.parametrize("url", [REPORT, CSV, RULES_CSV])
@pytest.mark.parametrize("name", PARAMS)
def test_junk_in_any_filter_is_never_a_server_error(reviewer_client, patient, url, name):
    make_flag(patient, acked_at=NOW - datetime.timedelta(minutes=5))
    for value in JUNK:
        response = reviewer_client.get(url, {name: value})
        assert response.status_code in (200, 302, 400), (name, value)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)


@pytest.mark.parametrize("url", [REPORT, CSV, RULES_CSV])
@pytest.mark.parametrize(
    "dates",
    [
        {"date_from": "0001-01-01"},
        {"date_to": "0001-01-01"},
        {"date_from": "0001-01-01", "date_to": "0001-01-01"},
        {"date_from": "0001-01-02", "date_to": "0001-01-02"},
        {"date_from": "9999-12-31"},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
        {"date_from": "9999-12-25", "date_to": "9999-12-30"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
    ],
)
def test_date_extremes_in_every_zone(reviewer_client, reviewer, patient, url, dates):
    for name, zone in [("NY", "America/New_York"), ("SYD", "Australia/Sydney")]:
        far = zoned_clinic(name, zone)
        carer = factories.make_staff(f"c{name}", far)
        reviewer.memberships.create(clinic=far, role=StaffRole.REVIEWER)
        make_flag(factories.make_patient(far, carer, name))
    make_flag(patient)
    response = reviewer_client.get(url, dates)
    assert response.status_code in (200, 302)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)


def test_a_flag_raised_today_in_sydney_is_counted_in_the_weeks_and_their_links(client, reviewer):
    """At 23:00 UTC on a Sunday it is already Monday in Sydney: a flag raised there that
    morning is in the total of a reviewer of Sydney and New York, so it must be in the
    weeks' table too, and the week's link must list it."""
    sydney = zoned_clinic("Sydney Clinic", "Australia/Sydney", "AU")
    reviewer.memberships.all().delete()
    reviewer.memberships.create(clinic=sydney, role=StaffRole.REVIEWER)
    new_york = zoned_clinic("New York Clinic", "America/New_York")
    reviewer.memberships.create(clinic=new_york, role=StaffRole.REVIEWER)  # two zones: UTC
    carer = factories.make_staff("syd", sydney)
    sunday_night = datetime.datetime(2026, 11, 22, 23, 0, tzinfo=datetime.UTC)
    with time_machine.travel(sunday_night, tick=False):
        sue = factories.make_patient(sydney, carer, "Sue")
        make_flag(sue, "flare", severity="review", opened=sunday_night - datetime.timedelta(days=3))
        make_flag(sue, severity="review", opened=sunday_night - datetime.timedelta(minutes=30))
        factories.sign_in(client, reviewer)
        response = client.get(REPORT)
        assert response.context["total"] == 2
        weeks = response.context["weeks"]
        assert sum(week.total for week in weeks) == 2
        for count, link in [cell for week in weeks for cell in week.cells if cell[0]]:
            listed = client.get(link)
            assert listed.context["flag_page"].paginator.count == count


def test_the_names_in_the_safety_events_are_recorded_as_seen(reviewer_client, reviewer, patient):
    """The safety events name their patients: a view of those names is recorded even
    when the flag list's page does not show them."""
    late = make_flag(patient, opened=NOW - datetime.timedelta(days=3))  # window passed
    other = factories.make_patient(patient.clinic, patient.clinician, "Zed")
    for hours in range(30):  # newer flags push the late one off the list's first page
        make_flag(
            other,
            severity="info",
            opened=NOW - datetime.timedelta(hours=hours),
            status="resolved",
            resolved_at=NOW,
        )
    response = reviewer_client.get(REPORT)
    assert late.pk in [row["flag"].pk for row in response.context["event_rows"]]
    assert patient.pk not in [row.flag.patient_id for row in response.context["flag_rows"]]
    seen = AuditEvent.objects.filter(actor_id=reviewer.pk, action=AuditAction.VIEWED)
    assert any(patient.pk.hex in event.patients_shown for event in seen)


def test_a_clinic_admin_of_another_clinic_sees_nothing_of_this_one(
    client, patient, clinician, other_clinic
):
    flag = make_flag(patient)
    admin = factories.make_staff("olga", other_clinic, StaffRole.CLINIC_ADMIN)
    factories.sign_in(client, admin)
    assert client.get(reverse("flag_detail", args=[flag.pk])).status_code == 404
    assert client.post(reverse("flag_review_mark", args=[flag.pk])).status_code == 404
    response = client.get(REPORT, {"clinic": patient.clinic_id})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.get(REPORT, {"clinician": clinician.pk})
    assert response.status_code == 200 and response.context["form"].errors
    body = b"".join(client.get(CSV).streaming_content).decode()
    assert str(flag.pk) not in body and "Alice" not in body
    assert client.get(CSV, {"clinic": patient.clinic_id}).status_code == 302


def test_a_deactivated_reviewer_sees_nothing(client, reviewer, patient):
    flag = make_flag(patient)
    factories.sign_in(client, reviewer)
    reviewer.is_active = False
    reviewer.save()
    for url in [REPORT, CSV, RULES_CSV, reverse("flag_detail", args=[flag.pk])]:
        assert client.get(url).status_code in (302, 404), url
    assert client.post(reverse("flag_review_mark", args=[flag.pk])).status_code in (302, 404)


def test_the_mark_needs_a_post_with_the_csrf_token(client, reviewer, patient):
    from django.test import Client

    flag = make_flag(patient)
    strict = Client(enforce_csrf_checks=True)
    factories.sign_in(strict, reviewer)
    url = reverse("flag_review_mark", args=[flag.pk])
    assert strict.post(url, {"note": "x"}).status_code == 403
    assert strict.get(url).status_code == 405
    assert not flag.reviews.exists()


def test_a_note_in_html_is_shown_as_text_and_never_in_the_audit(reviewer_client, patient):
    flag = make_flag(patient)
    note = '<script>alert(1)</script>=HYPERLINK("http://x","y")'
    url = reverse("flag_review_mark", args=[flag.pk])
    assert reviewer_client.post(url, {"note": note}).status_code == 302
    page = reviewer_client.get(reverse("flag_detail", args=[flag.pk])).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert not AuditEvent.objects.filter(detail__contains="HYPERLINK").exists()
    assert not AuditEvent.objects.filter(detail__contains="script").exists()


def test_names_and_notes_with_formulas_and_html_are_safe_in_the_report_and_csv(
    reviewer_client, patient
):
    patient.user.first_name = '=HYPERLINK("http://evil","x")'
    patient.user.last_name = "<b>bold</b>"
    patient.user.save()
    make_flag(
        patient,
        status="resolved",
        acked_at=NOW,
        resolved_at=NOW,
        resolution_action="continue",
        resolution_note="@SUM(1)<img src=x onerror=alert(1)>",
    )
    page = reviewer_client.get(REPORT).content.decode()
    assert "<b>bold</b>" not in page and "<img src=x" not in page
    body = b"".join(reviewer_client.get(CSV).streaming_content).decode()
    for cell in body.replace("\r\n", ",").split(","):
        assert not cell.strip('"').startswith(("=", "@", "+", "-")), cell


def test_a_flag_acknowledged_before_it_was_raised_does_not_break_the_figures(
    reviewer_client, patient
):
    """Clock skew between servers: the acknowledgement is stamped before the opening."""
    flag = make_flag(
        patient,
        acked_at=NOW - datetime.timedelta(minutes=10),
        opened=NOW - datetime.timedelta(minutes=5),
    )
    assert reviewer_client.get(REPORT).status_code == 200
    assert reviewer_client.get(reverse("flag_detail", args=[flag.pk])).status_code == 200
    body = b"".join(reviewer_client.get(CSV).streaming_content).decode()
    assert str(flag.pk) in body
    assert reviewer_client.get(RULES_CSV).status_code == 200


def test_a_flag_acknowledged_by_someone_since_deleted_or_deactivated(
    reviewer_client, patient, clinic
):
    gone = factories.make_staff("gone", clinic)
    idle = factories.make_staff("idle", clinic)
    a = make_flag(
        patient,
        acked_at=NOW,
        acknowledged_by=gone,
        resolved_by=gone,
        resolved_at=NOW,
        status="resolved",
        resolution_action="continue",
    )
    b = make_flag(patient, "flare", acked_at=NOW, acknowledged_by=idle)
    for flag in (a, b):
        for by in (gone, idle):
            flag.reviews.create(reviewed_by=by, note="seen")
    gone.delete()
    idle.is_active = False
    idle.save()
    response = reviewer_client.get(REPORT)
    assert response.status_code == 200
    for flag in (a, b):
        assert reviewer_client.get(reverse("flag_detail", args=[flag.pk])).status_code == 200
    assert b"".join(reviewer_client.get(CSV).streaming_content)


def test_no_plans_no_flags_and_only_open_flags(reviewer_client, patient):
    assert reviewer_client.get(REPORT).status_code == 200
    assert reviewer_client.get(RULES_CSV).status_code == 200
    make_flag(patient, rule="flare", severity="review")
    response = reviewer_client.get(REPORT)
    assert response.status_code == 200
    body = b"".join(reviewer_client.get(RULES_CSV).streaming_content).decode()
    assert "Flare" in body or "flare" in body.lower()


def test_the_export_records_every_filter_even_after_junk(reviewer_client, reviewer, patient):
    """The export's audit event keeps its filters, so it can be reproduced: a long junk
    parameter in front must not push the real filters out of it."""
    reviewer_client.get(CSV + "?junk=" + "x" * 300 + "&severity=urgent&rule=flare")
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED, actor_id=reviewer.pk)
    assert "severity=urgent" in event.detail and "rule=flare" in event.detail


def test_a_reviewer_of_twenty_clinics_costs_the_same_queries_as_of_one(client, reviewer, clinic):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    carer = factories.make_staff("cara", clinic)
    make_flag(factories.make_patient(clinic, carer, "P0"), acked_at=NOW)
    factories.sign_in(client, reviewer)
    query = {"date_from": "2026-01-01", "window": "late", "sort": "acknowledge"}
    with CaptureQueriesContext(connection) as one:
        assert client.get(REPORT, query).status_code == 200
    for index in range(1, 20):
        other = zoned_clinic(f"C{index}", "Australia/Sydney" if index % 2 else "America/New_York")
        reviewer.memberships.create(clinic=other, role=StaffRole.REVIEWER)
        helper = factories.make_staff(f"h{index}", other)
        make_flag(factories.make_patient(other, helper, f"P{index}"), acked_at=NOW)
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(REPORT, query)
    assert response.status_code == 200
    assert len(twenty) == len(one)
