"""The clinician's view of one patient: plan, timeline, charts and actions."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import WalkLog
from patients.services.reports import symptom_check_in_save
from tests import factories
from tests.factories import assign, report_walk, seen_plan_of


def record(patient):
    return reverse("patient_record", args=[patient.pk])


@pytest.fixture
def staff_client(client, clinician):
    factories.sign_in(client, clinician)
    return client


def test_the_record_shows_plan_flags_and_a_timeline_of_what_happened(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)
    report_walk(patient, minutes=10, pain_after=4, note="Along the canal")
    symptom_check_in_save(
        patient=patient, submission_key=uuid.uuid4(), pain_now=9, note="Bad night"
    )

    response = staff_client.get(record(patient))

    page = response.content.decode()
    assert "Stage 1 of 3, week 1 of 2" in page
    assert "Along the canal" in page and "Bad night" in page
    assert [flag.rule for flag in response.context["unresolved"]] == ["severe_pain"]
    assert {entry["kind"] for entry in response.context["timeline"]} == {
        "walk",
        "check_in",
        "flag",
        "change",
    }
    assert page.count("<svg") == 2
    assert page.count('viewBox="0 0 400 220"') == 2
    # Each flag in the timeline opens its whole story: who acknowledged it, the emails.
    (flag,) = response.context["unresolved"]
    assert reverse("flag_detail", args=[flag.pk]) in page


def test_another_clinics_patient_is_not_found(staff_client, other_patient):
    assert staff_client.get(record(other_patient)).status_code == 404


def test_a_reviewer_may_look_but_has_no_actions(
    client, reviewer, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    factories.sign_in(client, reviewer)

    response = client.get(record(patient))
    post = client.post(
        reverse("patient_plan_change", args=[patient.pk]),
        {**seen_plan_of(patient), "kind": "hold", "reason": "x"},
    )

    assert response.status_code == 200
    assert response.context["can_act"] is False
    assert post.status_code == 404
    assert plan.changes.count() == 1


def test_the_clinician_holds_the_plan_from_the_record(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=10)

    response = staff_client.post(
        reverse("patient_plan_change", args=[patient.pk]),
        {**seen_plan_of(patient), "kind": "hold", "reason": "Pain up after gardening"},
    )

    assert response.url == record(patient)
    change = plan.changes.last()
    assert (change.kind, change.reason, change.changed_by) == (
        "hold",
        "Pain up after gardening",
        clinician,
    )


def test_a_change_that_is_not_possible_keeps_the_reason_and_says_why(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)

    response = staff_client.post(
        reverse("patient_plan_change", args=[patient.pk]),
        {**seen_plan_of(patient), "kind": "step_back", "reason": "Too much too soon"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Too much too soon" in page
    assert "Select a valid choice" in page
    assert plan.changes.count() == 1


@pytest.mark.parametrize("walks", [2, 30])
def test_the_record_costs_the_same_queries_for_any_history(
    staff_client, patient, clinician, clinic_template, walks, django_assert_num_queries
):
    assign(patient, clinic_template, clinician, days_ago=40)
    WalkLog.objects.bulk_create(
        WalkLog(
            patient=patient,
            walked_on=timezone.localdate() - datetime.timedelta(days=index),
            minutes=10,
            terrain="flat",
            pain_before=3,
            pain_after=4,
        )
        for index in range(walks)
    )

    # Session, user, the second-factor device, memberships, the patient with their summary
    # (which holds the stage's light), the audit row, the plan, its stages, its history,
    # walks with next-morning answers, check-ins, flags, and the reminder settings with the
    # last reminder sent (one query, a subquery), the outcome scores, and the follow-up
    # questions asked after a discharge (none here: the section is left out).
    with django_assert_num_queries(15):
        staff_client.get(record(patient))


def test_the_record_says_why_the_light_is_not_green(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)
    report_walk(patient, pain_after=6)

    page = staff_client.get(record(patient)).content.decode()

    assert "Amber: repeat the stage, walk shorter or slower" in page
    assert "Why: pain after a walk above 5 and above usual." in page
