"""The flags behind the red-flag report's figures: the paged list, its filters and order,
the links from each figure, and the CSV a reviewer reads without a code book."""

import csv
import datetime
import io

import pytest
import time_machine
from django.urls import reverse

from patients.models import (
    AuditAction,
    AuditEvent,
    Flag,
    FlagReview,
    StaffMembership,
    StaffRole,
    shown_key,
)
from tests import factories
from tests.factories import make_flag, make_patient

REPORT = reverse("flag_report")
CSV = reverse("flag_report_csv")
NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
RULES = ["severe_pain", "new_nerve", "flare", "spreading", "overuse"]


def ago(**elapsed) -> datetime.datetime:
    return NOW - datetime.timedelta(**elapsed)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def reviewer_client(client, reviewer):
    factories.sign_in(client, reviewer)
    return client


def listed(response) -> list:
    return [row.flag for row in response.context["flag_rows"]]


def test_pages_keep_the_filters_and_a_bad_page_number_shows_a_page(reviewer_client, patient):
    for index in range(27):
        make_flag(patient, RULES[index % 5], opened=ago(hours=index), resolved=True)
    make_flag(patient, "chest", "urgent", opened=ago(minutes=5))  # filtered out

    first = reviewer_client.get(REPORT, {"severity": "review"})
    second = reviewer_client.get(REPORT, {"severity": "review", "page": "2"})

    assert len(listed(first)) == 25
    assert len(listed(second)) == 2
    assert 'href="?severity=review&amp;page=2#flags"' in first.content.decode()
    assert 'href="?severity=review&amp;page=1#flags"' in second.content.decode()
    assert "Page 1 of 2 (27 flags)" in first.content.decode()
    assert listed(reviewer_client.get(REPORT, {"severity": "review", "page": "abc"})) == listed(
        first
    )
    assert listed(reviewer_client.get(REPORT, {"severity": "review", "page": "999"})) == listed(
        second
    )


def test_the_list_is_newest_first_by_default(reviewer_client, patient):
    old = make_flag(patient, "flare", opened=ago(days=3), resolved=True)
    new = make_flag(patient, "overuse", opened=ago(hours=1))

    assert listed(reviewer_client.get(REPORT)) == [new, old]


def test_sorting_by_time_to_acknowledge_counts_a_waiting_flag_until_now(reviewer_client, patient):
    quick = make_flag(patient, "flare", opened=ago(hours=10), acked_after=30)  # 30 min
    waiting = make_flag(patient, "overuse", opened=ago(hours=2))  # 2 h so far
    slow = make_flag(patient, "spreading", opened=ago(hours=5), acked_after=180)  # 3 h
    fresh = make_flag(patient, "new_nerve", opened=ago(minutes=5))  # 5 min so far

    response = reviewer_client.get(REPORT, {"sort": "acknowledge"})

    assert listed(response) == [slow, waiting, quick, fresh]
    assert "flags not yet acknowledged count as waiting until now" in response.content.decode()


@pytest.fixture
def second_clinic(reviewer, clinician):
    """A clinic of the same reviewer whose window is two hours, not one."""
    clinic = factories.make_clinic("East Clinic")
    clinic.escalation_minutes = 120
    clinic.save(update_fields=["escalation_minutes"])
    StaffMembership.objects.create(user=reviewer, clinic=clinic, role=StaffRole.REVIEWER)
    return clinic


def test_the_window_filter_uses_each_clinics_own_window(
    reviewer_client, patient, second_clinic, clinician
):
    east = make_patient(second_clinic, clinician, "Eve")
    in_time = make_flag(patient, "cauda_equina", "urgent", opened=ago(days=1), acked_after=30)
    late = make_flag(patient, "chest", "urgent", opened=ago(days=1), acked_after=90)
    missed = make_flag(patient, "systemic", "same_day", opened=ago(hours=3))
    make_flag(patient, "weakness", "urgent", opened=ago(minutes=10))  # window still open
    make_flag(patient, "severe_pain", "review", opened=ago(days=1), acked_after=300)  # no window
    east_in_time = make_flag(east, "chest", "urgent", opened=ago(days=1), acked_after=90)
    east_missed = make_flag(east, "systemic", "urgent", opened=ago(hours=3))

    within = reviewer_client.get(REPORT, {"window": "within"})
    behind = reviewer_client.get(REPORT, {"window": "late"})

    assert set(listed(within)) == {in_time, east_in_time}
    assert set(listed(behind)) == {late, missed, east_missed}
    page = behind.content.decode()
    assert "30 min late" in page  # 90 minutes against a window of 60
    assert "Not acknowledged (window passed)" in page


def test_the_escalated_filter(reviewer_client, patient):
    escalated = make_flag(
        patient, "chest", "urgent", opened=ago(hours=3), escalated_at=ago(hours=2)
    )
    quiet = make_flag(patient, "cauda_equina", "urgent", opened=ago(hours=3), acked_after=20)

    assert listed(reviewer_client.get(REPORT, {"escalated": "yes"})) == [escalated]
    assert listed(reviewer_client.get(REPORT, {"escalated": "no"})) == [quiet]


def test_each_count_links_to_a_list_of_exactly_its_flags(
    reviewer_client, patient, clinic, clinician
):
    second = make_patient(clinic, clinician, "Second")
    make_flag(patient, "cauda_equina", "urgent", opened=ago(hours=1), acked_after=90)
    make_flag(second, "cauda_equina", "urgent", opened=ago(hours=30), acked_after=10)
    make_flag(patient, "severe_pain", "review", opened=ago(hours=2))
    make_flag(second, "severe_pain", "info", opened=ago(hours=3))
    make_flag(second, "new_nerve", "review", opened=ago(hours=4))

    response = reviewer_client.get(REPORT, {"date_from": "2026-11-01"})

    page = response.content.decode()
    assert (
        '2<span class="visually-hidden"> – show the flags: Cauda equina symptoms, urgent</span>'
        in page
    )
    links = [
        (url, count, {"rule": row["rule"].value, "severity": severity.value})
        for row in response.context["count_rows"]
        for severity, count, url in row["cells"]
        if count
    ]
    assert len(links) == 4
    for url, count, filters in links:
        assert url.startswith(REPORT + "?date_from=2026-11-01&") and url.endswith("#flags")
        assert f'href="{url.replace("&", "&amp;")}"' in page
        shown = listed(reviewer_client.get(url))
        assert len(shown) == count
        assert set(shown) == set(Flag.objects.filter(**filters))


def test_the_urgent_figure_links_to_the_urgent_flags_not_acknowledged_in_time(
    reviewer_client, patient
):
    make_flag(patient, "cauda_equina", "urgent", opened=ago(hours=5), acked_after=20)
    late = make_flag(patient, "chest", "urgent", opened=ago(hours=5), acked_after=80)

    response = reviewer_client.get(REPORT)

    url = response.context["urgent_late_url"]
    assert url == REPORT + "?severity=urgent&window=late#flags"
    assert listed(reviewer_client.get(url)) == [late]
    assert reviewer_client.get(response.context["open_url"]).context["flag_rows"] == []


def test_a_stranger_clinics_flags_never_appear(reviewer_client, patient, other_patient):
    mine = make_flag(patient, "chest", "urgent", opened=ago(hours=2))
    make_flag(other_patient, "chest", "urgent", opened=ago(hours=1))
    make_flag(other_patient, "flare", "review", opened=ago(hours=2), acked_after=5)

    for params in ({}, {"sort": "acknowledge"}, {"window": "late"}, {"severity": "urgent"}):
        response = reviewer_client.get(REPORT, params)
        assert listed(response) == [mine]
        assert str(other_patient) not in response.content.decode()


def test_a_row_says_who_acknowledged_and_resolved_and_links_to_the_flag(
    reviewer_client, patient, clinic, clinician
):
    clinic.timezone = "Europe/Paris"
    clinic.save(update_fields=["timezone"])
    flag = make_flag(
        patient,
        "chest",
        "urgent",
        opened=ago(hours=3),
        acked_after=85,
        by=clinician,
        resolved=True,
        resolved_at=ago(hours=1),
        resolved_by=clinician,
        resolution_action="continue",
        resolution_note="Rang her; " + "settling. " * 20,
        resolved_against_warning=True,
    )

    page = reviewer_client.get(REPORT).content.decode()

    assert f'href="{reverse("flag_detail", args=[flag.pk])}"' in page
    # Raised at 09:00 UTC: 10:00 in Paris in November.
    assert "the flag for Alice Patient, raised 20 Nov 2026, 10:00" in page
    assert "<td>20 Nov 2026, 10:00 CET</td>" in page
    assert "Carol Staff, after 1 h 25 min" in page
    assert "25 min late" in page
    assert "Carol Staff: Continue the plan" in page
    assert "Confirmed against a warning" in page
    assert "settling. " * 20 not in page  # the whole note is on the flag's page


def test_the_list_records_who_saw_which_patients_once_per_clinic(
    reviewer_client, reviewer, patient, clinic, second_clinic, clinician
):
    east = make_patient(second_clinic, clinician, "Eve")
    make_flag(patient, "chest", "urgent", opened=ago(hours=1))
    make_flag(patient, "flare", "review", opened=ago(hours=2), resolved=True)
    make_flag(east, "chest", "urgent", opened=ago(hours=1))

    reviewer_client.get(REPORT)

    events = AuditEvent.objects.filter(action=AuditAction.VIEWED, subject="flag report")
    assert {(event.clinic_id, event.patients_shown) for event in events} == {
        (clinic.pk, shown_key(patient.pk)),
        (second_clinic.pk, shown_key(east.pk)),
    }
    assert {event.actor for event in events} == {reviewer.username}


def read_csv(response) -> tuple[str, list[list[str]]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    return content, list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def test_the_csv_reads_as_the_screen_does(reviewer_client, patient, clinic, clinician):
    clinic.timezone = "Europe/Paris"
    clinic.save(update_fields=["timezone"])
    patient.user.first_name = "José"
    patient.user.save(update_fields=["first_name"])
    clinician.last_name = "Núñez"
    clinician.save(update_fields=["last_name"])
    opened = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
    flag = make_flag(
        patient,
        "cauda_equina",
        "urgent",
        opened=opened,
        acked_after=75,
        by=clinician,
        resolved=True,
        resolved_at=opened + datetime.timedelta(hours=2),
        resolved_by=clinician,
        resolution_action="refer",
        resolution_note='=HYPERLINK("http://x","y")',
        escalated_at=opened + datetime.timedelta(hours=1),
    )
    # Two governance reviews: the latest is the one a row shows.
    FlagReview.objects.create(flag=flag, reviewed_by=clinician, note="First look")
    latest = FlagReview.objects.create(flag=flag, reviewed_by=None, note="@SUM(A1) rota gap")
    FlagReview.objects.filter(pk=latest.pk).update(reviewed_at=opened + datetime.timedelta(days=3))
    FlagReview.objects.exclude(pk=latest.pk).update(reviewed_at=opened + datetime.timedelta(days=2))

    content, rows = read_csv(reviewer_client.get(CSV))

    assert content.startswith("\ufeff")  # so a spreadsheet reads the accents as UTF-8
    header, row = rows
    assert dict(zip(header, row, strict=True)) == {
        "Raised": "2026-11-02T10:00:00+01:00",
        "Clinic": "North Clinic",
        "Patient": "José Patient",
        "Patient id": str(patient.pk),
        "Clinician": "Carol Núñez",
        "Rule": "Cauda equina symptoms",
        "Severity": "Urgent",
        "Status": "Resolved",
        "Acknowledged": "2026-11-02T11:15:00+01:00",
        "Acknowledged by": "Carol Núñez",
        "Minutes to acknowledge": "75.0",
        "Within the window": "no",
        "Escalated": "yes",
        "Resolved": "2026-11-02T12:00:00+01:00",
        "Resolved by": "Carol Núñez",
        "Action": "Refer",
        "Note": '\'=HYPERLINK("http://x","y")',
        "Confirmed against a warning": "no",
        "Reviewed": "2026-11-05T10:00:00+01:00",
        "Reviewed by": "",  # their account is gone
        "Review note": "'@SUM(A1) rota gap",
        "Flag id": str(flag.pk),
    }


def test_the_csv_leaves_the_window_blank_for_flags_that_have_none(reviewer_client, patient):
    make_flag(patient, "flare", "review", opened=ago(hours=5), acked_after=200)
    make_flag(patient, "chest", "urgent", opened=ago(minutes=10))

    _content, rows = read_csv(reviewer_client.get(CSV))

    window = rows[0].index("Within the window")
    assert [row[window] for row in rows[1:]] == ["", "not yet"]


@pytest.mark.parametrize("clinics", [1, 6])
def test_the_list_costs_the_same_queries_over_many_clinics_and_filters(
    client, clinician, clinics, django_assert_num_queries
):
    reviewer = factories.make_staff("vera", None)
    for number in range(clinics):
        clinic = factories.make_clinic(f"Clinic {number}")
        StaffMembership.objects.create(user=reviewer, clinic=clinic, role=StaffRole.REVIEWER)
        patient = make_patient(clinic, clinician, f"Pat{number}")
        for index in range(clinics * 3):
            make_flag(patient, "chest", "urgent", opened=ago(hours=index + 2), resolved=True)
    factories.sign_in(client, reviewer)
    filters = {"window": "late", "date_from": "2026-11-01", "sort": "acknowledge"}

    # As the unfiltered report (13), and the reviewer's clinics once, for the per-clinic
    # dates and windows.
    with django_assert_num_queries(14):
        response = client.get(REPORT, filters)
    assert len(listed(response)) == min(clinics * clinics * 3, 25)
