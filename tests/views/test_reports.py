"""The reviewer's red-flag report: figures against hand-computed values, scope, the CSV."""

import csv
import datetime
import functools
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import AuditAction, AuditEvent, Flag, FlagReview
from patients.safety.response_times import acknowledge_times, percentile
from tests import factories
from tests.factories import make_patient

REPORT = reverse("flag_report")
CSV = reverse("flag_report_csv")
RULES_CSV = reverse("rule_report_csv")
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)
make_flag = functools.partial(factories.make_flag, opened=T0)


def minutes(value: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=value)


def test_percentiles_by_hand():
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]

    assert percentile(values, 0.5) == 55
    assert percentile(values, 0.9) == 91
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


def test_acknowledge_times_by_hand():
    rows = [
        ("urgent", T0, T0 + minutes(30), 60),  # in time
        ("urgent", T0, T0 + minutes(90), 60),  # late
        ("urgent", T0, None, 60),  # never, and the window has passed
        ("urgent", T0 + minutes(200), None, 60),  # raised 40 minutes ago: not late yet
        ("review", T0, T0 + minutes(240), 60),
    ]

    times = acknowledge_times(rows, now=T0 + minutes(240))

    assert (times.acknowledged, times.waiting) == (3, 2)
    assert times.median_minutes == 90
    assert times.p90_minutes == pytest.approx(210)
    assert (times.urgent_within_window, times.urgent_total) == (1, 3)
    assert times.urgent_share == pytest.approx(1 / 3)


@pytest.fixture
def reviewer_client(client, reviewer):
    factories.sign_in(client, reviewer)
    return client


def test_reviewers_land_on_the_report(client, reviewer):
    factories.sign_in(client, reviewer)

    assert client.get(reverse("home")).url == REPORT


def test_the_report_counts_by_rule_and_severity_in_the_reviewers_clinics_only(
    reviewer_client, patient, other_patient
):
    make_flag(patient, "severe_pain", "review", acked_after=20)
    make_flag(patient, "cauda_equina", "urgent", acked_after=40)
    make_flag(patient, "new_nerve", "review")
    make_flag(other_patient, "cauda_equina", "urgent")

    context = reviewer_client.get(REPORT).context

    assert context["total"] == 3
    rows = {row["rule"].value: row["counts"] for row in context["by_rule"]}
    # Columns: urgent, same day, review, info.
    assert rows == {
        "cauda_equina": [1, 0, 0, 0],
        "severe_pain": [0, 0, 1, 0],
        "new_nerve": [0, 0, 1, 0],
    }
    assert context["times"].median_minutes == 30
    assert (context["times"].urgent_within_window, context["times"].urgent_total) == (1, 1)


def test_filters_narrow_the_report(reviewer_client, patient, clinic, clinician):
    make_flag(patient, "severe_pain", "review", opened=T0)
    make_flag(patient, "cauda_equina", "urgent", opened=T0 + datetime.timedelta(days=10))

    by_date = reviewer_client.get(REPORT, {"date_from": "2026-11-05"}).context
    by_severity = reviewer_client.get(REPORT, {"severity": "review"}).context

    assert by_date["total"] == 1
    assert [row["rule"].value for row in by_date["by_rule"]] == ["cauda_equina"]
    assert [row["rule"].value for row in by_severity["by_rule"]] == ["severe_pain"]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2026-13-45"},
        {"date_from": "2026-11-20", "date_to": "2026-11-01"},
        {"severity": "catastrophic"},
        {"clinic": "999999"},
        {"clinician": "<script>"},
    ],
)
def test_bad_filters_say_so_and_never_break_the_page(reviewer_client, patient, params):
    make_flag(patient)

    response = reviewer_client.get(REPORT, params)

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    # Never figures that ignore the filters, nor a download of them.
    assert "Time to acknowledge" not in page
    assert "Download these flags as CSV" not in page


def test_a_download_with_bad_filters_goes_back_to_the_report_to_show_the_problem(
    reviewer_client, patient
):
    make_flag(patient)
    params = {"date_from": "2026-11-20", "date_to": "2026-11-01"}

    response = reviewer_client.get(CSV, params, follow=True)

    assert response.redirect_chain[0][0].startswith(REPORT)
    assert "The end date must be on or after the start date." in response.content.decode()


def test_another_clinic_cannot_be_chosen(reviewer_client, patient, other_clinic, other_patient):
    make_flag(other_patient)

    response = reviewer_client.get(REPORT, {"clinic": other_clinic.pk})

    assert "There is a problem" in response.content.decode()
    assert "total" not in response.context


def test_clinicians_and_patients_do_not_get_the_report(client, clinician, patient):
    factories.sign_in(client, clinician)
    assert client.get(REPORT).status_code == 404
    factories.sign_in(client, patient.user)
    assert client.get(CSV).status_code == 404


def test_the_csv_streams_every_matching_flag(reviewer_client, reviewer, patient, clinic, clinician):
    make_flag(patient, "severe_pain", "review", acked_after=12.5)
    second = make_patient(clinic, clinician, "Second")
    make_flag(second, "chest", "urgent")

    response = reviewer_client.get(CSV, {"severity": "review"})

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 1
    assert rows[0]["Rule"] == "Severe pain"
    assert rows[0]["Minutes to acknowledge"] == "12.5"
    assert rows[0]["Patient id"] == str(patient.pk)
    export = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (export.actor, export.clinic, export.detail) == (
        reviewer.username,
        clinic,
        "severity=review",
    )


@pytest.mark.parametrize("size", [3, 30])
def test_the_report_costs_the_same_queries_for_any_number_of_flags(
    reviewer_client, patient, size, django_assert_num_queries
):
    for index in range(size):
        make_flag(patient, "severe_pain" if index % 2 else "new_nerve", acked_after=index)
        Flag.objects.filter(status="acknowledged").update(status="resolved")

    # Session, user, the second-factor device, memberships, the clinic and clinician
    # choices, the flags' rows, the plans in scope, the safety events shown and the staff's
    # names; the list's count and page, and its audit row.
    with django_assert_num_queries(13):
        reviewer_client.get(REPORT)


def resolve(flag, action, *, after_minutes=60):
    flag.refresh_from_db(fields=["opened_at"])
    resolved = flag.opened_at + minutes(after_minutes)
    Flag.objects.filter(pk=flag.pk).update(
        status="resolved",
        acknowledged_at=resolved,
        resolved_at=resolved,
        resolution_action=action,
    )


@pytest.fixture
def four_weeks(patient, other_patient, clinic, clinician, clinic_template, other_clinic_template):
    """Over the last 28 days: Alice on a plan all along (4 patient-weeks), Dan for the last
    14 days (2 more); three severe-pain flags, one held, one carried on, one open. Bob, in
    another clinic, has a plan and flags too, never counted."""
    today = clinic.today()
    factories.assign(patient, clinic_template, clinician, days_ago=60)
    dan = make_patient(clinic, clinician, "Dan")
    factories.assign(dan, clinic_template, clinician, days_ago=13)
    factories.assign(other_patient, other_clinic_template, other_patient.clinician, days_ago=60)
    now = timezone.now()
    resolve(make_flag(patient, opened=now - datetime.timedelta(days=20)), "hold")
    resolve(make_flag(dan, opened=now - datetime.timedelta(days=10)), "continue")
    make_flag(dan, opened=now - datetime.timedelta(days=2))
    for rule in ("cauda_equina", "chest", "severe_pain"):
        make_flag(other_patient, rule, "urgent", opened=now - datetime.timedelta(days=3))
    return {"date_from": (today - datetime.timedelta(days=27)).isoformat(), "date_to": today}


def test_what_each_rule_leads_to_by_hand_in_the_reviewers_clinics_only(reviewer_client, four_weeks):
    response = reviewer_client.get(REPORT, four_weeks)

    (row,) = response.context["rules"]
    figures = row["figures"]
    assert response.context["patient_weeks"] == pytest.approx(6)
    assert figures.flags == 3
    assert figures.per_100_weeks == pytest.approx(50)  # 3 flags in 6 patient-weeks
    assert (figures.acted, figures.resolved) == (1, 2)
    assert figures.median_minutes == 60
    page = response.content.decode()
    assert "What each rule leads to" in page
    assert "never to switch it off" in page
    assert "Rules that fire often but rarely lead to action may need" not in page
    assert 'href="/reports/flags/?' in page and "rule=severe_pain" in page


def test_trends_and_clinicians_are_shown_with_a_table(reviewer_client, four_weeks, clinician):
    response = reviewer_client.get(REPORT, four_weeks)

    weeks = response.context["weeks"]
    assert sum(week.total for week in weeks) == 3
    assert all(week.start.weekday() == 0 for week in weeks)
    (carol,) = response.context["clinicians"]
    assert (carol["figures"].user, carol["figures"].open) == (clinician.pk, 1)
    page = response.content.decode()
    for title in ("Trends", "Flags each week by severity", "Per clinician", "not a ranking"):
        assert title in page
    assert 'role="img"' in page


def test_safety_events_list_breaches_with_their_review_mark(
    reviewer_client, reviewer, patient, other_patient
):
    now = timezone.now()
    waiting = make_flag(patient, "cauda_equina", "urgent", opened=now - datetime.timedelta(hours=3))
    late = make_flag(
        patient, "chest", "same_day", opened=now - datetime.timedelta(days=1), acked_after=90
    )
    make_flag(patient, "weakness", "urgent", opened=now - datetime.timedelta(minutes=5))  # in time
    make_flag(other_patient, "cauda_equina", "urgent", opened=now - datetime.timedelta(hours=3))
    FlagReview.objects.create(flag=late, reviewed_by=reviewer, note="Rota gap; fixed.")

    response = reviewer_client.get(REPORT)
    hidden = reviewer_client.get(REPORT, {"events": "unreviewed"})

    rows = response.context["event_rows"]
    assert [row["flag"].pk for row in rows] == [waiting.pk, late.pk]
    assert [str(reason) for reason in rows[0]["reasons"]] == [
        "Not acknowledged and the clinic's window has passed"
    ]
    page = response.content.decode()
    assert reverse("flag_detail", args=[waiting.pk]) in page
    assert "Not reviewed yet" in page
    assert f"Reviewed by {reviewer.get_full_name()}" in page
    assert [row["flag"].pk for row in hidden.context["event_rows"]] == [waiting.pk]


def test_the_rules_csv_has_the_table_on_screen_and_is_recorded(
    reviewer_client, reviewer, clinic, four_weeks
):
    response = reviewer_client.get(RULES_CSV, four_weeks)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode()
    assert content.startswith("\ufeff")  # as the flags CSV: Excel then reads UTF-8
    rows = list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))
    assert rows == [
        {
            "Rule": "Severe pain",
            "Flags": "3",
            "Flags per 100 patient-weeks on a plan": "50.0",
            "Resolved": "2",
            "Led to an action (hold, step back, refer)": "1",
            "Share that led to an action (%)": "50.0",
            "Re-opened within 7 days or escalated": "0",
            "Share re-opened or escalated (%)": "0.0",
            "Acknowledged": "2",
            "Median minutes to acknowledge": "60.0",
        }
    ]
    export = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (export.actor, export.clinic) == (reviewer.username, clinic)
    assert "date_from=" in export.detail


def test_the_rules_csv_with_bad_filters_goes_back_to_the_report(reviewer_client, patient):
    response = reviewer_client.get(RULES_CSV, {"severity": "catastrophic"})

    assert response.status_code == 302
    assert response.url.startswith(REPORT)
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()
