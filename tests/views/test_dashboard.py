"""The clinician's dashboard: the flag queue, the lifecycle, and patients at a glance."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import AuditEvent, Flag, FlagStatus
from patients.views import dashboard as dashboard_views
from programs.models import PlanStatus
from tests import factories
from tests.factories import (
    assign,
    make_patient,
    report_check_in,
    report_walk,
    seen_flag,
    seen_plan,
)

DASHBOARD = reverse("staff_home")


def opened(flag: Flag, hours_ago: int) -> None:
    Flag.objects.filter(pk=flag.pk).update(
        opened_at=timezone.now() - datetime.timedelta(hours=hours_ago)
    )


@pytest.fixture
def staff_client(client, clinician):
    factories.sign_in(client, clinician)
    return client


def test_the_queue_shows_urgent_first_then_the_longest_waiting(staff_client, clinic, clinician):
    old_review = make_patient(clinic, clinician, "Olga")
    report_check_in(old_review, pain_now=10)
    new_urgent = make_patient(clinic, clinician, "Nell")
    report_check_in(new_urgent, "bladder")
    newer_review = make_patient(clinic, clinician, "Nora")
    report_check_in(newer_review, pain_now=10)
    opened(Flag.objects.get(patient=old_review), hours_ago=5)
    opened(Flag.objects.get(patient=newer_review), hours_ago=1)

    queue = list(staff_client.get(DASHBOARD).context["queue"])

    assert [row.patient for row in queue] == [new_urgent, old_review, newer_review]


def test_the_queue_holds_only_the_clinics_own_flags(staff_client, patient, other_patient):
    report_check_in(patient, "fever")
    report_check_in(other_patient, "fever")

    response = staff_client.get(DASHBOARD)

    assert [row.patient for row in response.context["queue"]] == [patient]
    assert "Bob" not in response.content.decode()


def test_acknowledging_records_who_and_when(staff_client, patient, clinician):
    report_check_in(patient, "chest")
    flag = Flag.objects.get()

    response = staff_client.post(reverse("flag_acknowledge", args=[flag.pk]), seen_flag(flag))

    flag.refresh_from_db()
    assert response.url == DASHBOARD
    assert (flag.status, flag.acknowledged_by) == (FlagStatus.ACKNOWLEDGED, clinician)
    assert flag.acknowledged_at is not None


def test_nobody_acknowledges_a_flag_outside_their_clinic(staff_client, other_patient):
    report_check_in(other_patient, "chest")
    flag = Flag.objects.get()

    acknowledge = staff_client.post(reverse("flag_acknowledge", args=[flag.pk]))
    resolve = staff_client.post(
        reverse("flag_resolve", args=[flag.pk]),
        {**seen_flag(flag), "action": "continue", "note": "x"},
    )

    assert acknowledge.status_code == resolve.status_code == 404
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_a_reviewer_sees_the_queue_but_cannot_act(client, reviewer, patient):
    report_check_in(patient, "chest")
    flag = Flag.objects.get()
    factories.sign_in(client, reviewer)

    page = client.get(DASHBOARD)

    assert [row.flags for row in page.context["queue"]] == [[flag]]
    assert page.context["can_act"] is False
    assert client.post(reverse("flag_acknowledge", args=[flag.pk])).status_code == 404


def test_resolving_with_hold_holds_the_plan_and_keeps_the_note(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=10)
    report_check_in(patient, pain_now=10)
    flag = Flag.objects.get()

    response = staff_client.post(
        reverse("flag_resolve", args=[flag.pk]),
        {**seen_flag(flag), "action": "hold", "note": "Spoke to her; repeat the stage"},
    )

    assert response.url == DASHBOARD
    flag.refresh_from_db()
    assert (flag.status, flag.resolution_action) == (FlagStatus.RESOLVED, "hold")
    plan.refresh_from_db()
    assert plan.changes.last().kind == "hold"
    assert plan.changes.last().reason == "Spoke to her; repeat the stage"


def test_resolving_with_an_impossible_plan_change_resolves_nothing(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    report_check_in(patient, pain_now=10)
    flag = Flag.objects.get()

    response = staff_client.post(
        reverse("flag_resolve", args=[flag.pk]),
        {**seen_flag(flag), "action": "step_back", "note": "Too much"},
    )

    assert "first stage" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert plan.changes.count() == 1


def test_resolving_needs_an_action_and_a_note(staff_client, patient):
    report_check_in(patient, pain_now=10)
    flag = Flag.objects.get()

    response = staff_client.post(
        reverse("flag_resolve", args=[flag.pk]),
        seen_flag(flag),
    )

    page = response.content.decode()
    assert "Choose what you are doing about it." in page
    assert "Write a short note for the record." in page
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_an_urgent_flag_leaves_the_plan_paused_on_the_dashboard(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)
    report_check_in(patient, "saddle")

    row = staff_client.get(DASHBOARD).context["rows"][0]

    assert row["paused"] is True
    assert row["plan"].status == PlanStatus.PAUSED


def test_patients_rows_show_this_week_last_walk_and_pain_trend(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)
    today = patient.clinic.today()
    for days_ago, pain in [(2, 3), (1, 4), (0, 5)]:
        report_walk(patient, walked_on=today - datetime.timedelta(days=days_ago), pain_after=pain)

    response = staff_client.get(DASHBOARD)
    summary = response.context["rows"][0]["summary"]

    assert summary.pain_trend == [3, 4, 5]
    assert summary.last_walk_on == today
    assert (summary.target_walks, summary.target_minutes) == (3, 30)
    assert "3 → 4 → 5" in response.content.decode()


def test_search_and_the_flagged_filter_narrow_the_list(staff_client, clinic, clinician):
    make_patient(clinic, clinician, "Quiet")
    loud = make_patient(clinic, clinician, "Loud")
    report_check_in(loud, "fever")

    by_name = staff_client.get(DASHBOARD, {"q": "qui"}).context["rows"]
    flagged = staff_client.get(DASHBOARD, {"flagged": "1"}).context["rows"]

    assert [row["patient"].user.first_name for row in by_name] == ["Quiet"]
    assert [row["patient"] for row in flagged] == [loud]


def test_a_long_queue_shows_the_most_urgent_and_says_how_many_wait(
    staff_client, clinic, clinician, monkeypatch
):
    monkeypatch.setattr(dashboard_views, "QUEUE_LIMIT", 1)
    report_check_in(make_patient(clinic, clinician, "Fevered"), "fever")
    report_check_in(make_patient(clinic, clinician, "Chest"), "chest")

    response = staff_client.get(DASHBOARD)

    assert [row.worst.rule for row in response.context["queue"]] == ["chest"]
    page = response.content.decode()
    assert "(2)" in page
    assert "Showing the 1 most urgent, longest waiting first." in page


def test_a_large_clinic_pages_its_patients_flagged_first_and_audits_only_those_shown(
    staff_client, clinic, clinician, monkeypatch
):
    monkeypatch.setattr(dashboard_views, "PATIENTS_PER_PAGE", 3)
    for number in range(5):
        make_patient(clinic, clinician, f"Quiet{number}")
    loud = make_patient(clinic, clinician, "Zed")  # last by name, first by flags
    report_check_in(loud, "fever")

    first = staff_client.get(DASHBOARD)
    second = staff_client.get(DASHBOARD, {"page": "2"})
    nonsense = staff_client.get(DASHBOARD, {"page": "lots"})

    assert next(row["patient"] for row in first.context["rows"]) == loud
    assert len(first.context["rows"]) == len(second.context["rows"]) == 3
    assert "Page 1 of 2 (6 patients)" in first.content.decode()
    assert nonsense.context["page"].number == 1
    # Each view is one event listing the rows it showed, plus the queue's patient (Zed, on
    # every page).
    views = AuditEvent.objects.filter(subject="dashboard").order_by("id")
    assert [len(view.patients_shown.split()) for view in views] == [3, 4, 3]


@pytest.mark.parametrize("size", [2, 12])
def test_the_dashboard_costs_the_same_queries_for_any_number_of_patients(
    staff_client, clinic, clinician, clinic_template, size, django_assert_num_queries
):
    for index in range(size):
        patient = make_patient(clinic, clinician, f"P{index}")
        assign(patient, clinic_template, clinician)
        report_check_in(patient, pain_now=10)
        report_walk(patient, pain_after=4)

    # Session and user; the second-factor device; memberships (once, cached for the
    # request); the patients with their summaries and current plans (one query: the week,
    # trend, light and flags are in the summary); the queue's places, then the flags that
    # fill its rows with their patients; undelivered alerts; one insert auditing every row
    # shown; counting the patients for the page links and the unresolved flags for the
    # queue's heading; the safety processes' heartbeats and the alert emails waiting.
    with django_assert_num_queries(13):
        staff_client.get(DASHBOARD)


def test_a_stage_done_on_green_is_ready_and_advances_in_one_click(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=15)
    factories.walk_the_stage(patient, count=7)

    row = staff_client.get(DASHBOARD).context["rows"][0]
    assert (row["summary"].light, row["ready"]) == ("green", True)
    response = staff_client.post(reverse("plan_advance", args=[plan.pk]), seen_plan(plan))

    plan.refresh_from_db()
    assert response.url == DASHBOARD
    assert plan.current_position == 2
    assert plan.changes.last().reason == "Stage complete on green."


def test_an_open_review_flag_holds_progress_back(staff_client, patient, clinician, clinic_template):
    assign(patient, clinic_template, clinician, days_ago=15)
    report_check_in(patient, pain_now=10)

    row = staff_client.get(DASHBOARD).context["rows"][0]

    assert (row["summary"].light, row["ready"]) == ("red", False)


def test_no_one_advances_another_clinics_plan(
    staff_client, other_patient, other_clinician, other_clinic_template
):
    plan = assign(other_patient, other_clinic_template, other_clinician)

    assert (
        staff_client.post(reverse("plan_advance", args=[plan.pk]), seen_plan(plan)).status_code
        == 404
    )
    plan.refresh_from_db()
    assert plan.current_position == 1


def test_one_bad_day_makes_one_row_per_patient_listing_every_review_rule(staff_client, patient):
    """Severe pain, new nerve symptoms and spreading from one walk: one row, three rules."""
    factories.report_walk(
        patient,
        pain_after=9,
        pain_character=["shooting"],
        pain_areas=["below_knee"],
        pain_side="left",
    )
    assert Flag.objects.count() == 3

    response = staff_client.get(DASHBOARD)

    [row] = response.context["queue"]
    assert {flag.rule for flag in row.flags} == {"severe_pain", "new_nerve", "spreading"}
    page = response.content.decode()
    assert "3 flags to review for this patient" in page
    assert page.count('class="flag-group"') == 1
    assert "Showing the" not in page


def test_urgent_and_same_day_flags_keep_their_own_rows(staff_client, patient):
    report_check_in(patient, "fever", "saddle", pain_now=10)

    queue = staff_client.get(DASHBOARD).context["queue"]

    assert [[flag.rule for flag in row.flags] for row in queue] == [
        ["cauda_equina"],
        ["systemic"],
        ["severe_pain"],
    ]
