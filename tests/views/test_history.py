"""The patient's history: newest first, paginated, their own walks only, with charts."""

import datetime

import pytest
from django.urls import reverse

from patients.models import WalkLog
from tests import factories
from tests.factories import assign, make_patient


def add_walks(patient, count: int) -> None:
    today = patient.clinic.today()
    WalkLog.objects.bulk_create(
        WalkLog(
            patient=patient,
            walked_on=today - datetime.timedelta(days=index % 14),
            minutes=10 + index % 5,
            terrain="flat",
            pain_before=3,
            pain_after=4,
        )
        for index in range(count)
    )


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


def test_history_is_newest_first_and_paginated(patient_client, patient):
    add_walks(patient, 25)

    first = patient_client.get(reverse("history"))
    second = patient_client.get(reverse("history"), {"page": "2"})

    dates = [log.walked_on for log in first.context["page"].object_list]
    assert dates == sorted(dates, reverse=True)
    assert len(first.context["page"].object_list) == 20
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize("page", ["999", "-1", "abc", "1e9", "<script>"])
def test_a_nonsense_page_number_still_shows_a_page(patient_client, patient, page):
    add_walks(patient, 3)

    response = patient_client.get(reverse("history"), {"page": page})

    assert response.status_code == 200


def test_history_shows_only_the_patients_own_walks(patient_client, patient, clinic, clinician):
    stranger = make_patient(clinic, clinician, "Stranger")
    add_walks(stranger, 4)
    add_walks(patient, 2)

    response = patient_client.get(reverse("history"))

    assert {log.patient for log in response.context["page"].object_list} == {patient}


def test_charts_come_with_their_figures_as_tables(
    patient_client, patient, clinician, clinic_template
):
    patient.enrolled_on = patient.clinic.today() - datetime.timedelta(weeks=10)
    patient.save(update_fields=["enrolled_on"])
    assign(patient, clinic_template, clinician, days_ago=20)
    add_walks(patient, 6)

    response = patient_client.get(reverse("history"))

    page = response.content.decode()
    assert page.count("<svg") == 2
    # Eight weekly bars drawn, and a real drawing area (an empty one was once shipped).
    assert page.count("<rect ") == 8
    assert 'viewBox="0 0 400 220"' in page
    assert page.count("Show these figures as a table") == 2
    this_week = response.context["minutes"]["rows"][-1]
    assert this_week["target"] == 30
    assert len(response.context["pain"]["points"]) == 6


def test_history_with_no_walks_says_so(patient_client):
    page = patient_client.get(reverse("history")).content.decode()

    assert "No walks logged yet." in page
    assert "Your pain chart appears once you have logged a walk." in page


def test_the_minutes_chart_starts_when_the_patient_did(
    patient_client, patient, clinician, clinic_template
):
    """Enrolled last week: two bars, not six empty weeks before them."""
    today = patient.clinic.today()
    patient.enrolled_on = today - datetime.timedelta(days=7)
    patient.save(update_fields=["enrolled_on"])
    assign(patient, clinic_template, clinician, days_ago=7)
    factories.report_walk(patient, minutes=10)

    minutes = patient_client.get(reverse("history")).context["minutes"]

    assert len(minutes["rows"]) == 2
    assert minutes["rows"][0]["start"] <= patient.enrolled_on


def test_the_charts_say_what_their_lines_are_and_date_more_than_the_ends(
    patient_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician, days_ago=20)
    add_walks(patient, 8)

    response = patient_client.get(reverse("history"))

    page = response.content.decode()
    assert "The plan's target for that week." in page
    assert "Dashed line: pain before the walk." in page
    dated = [point for point in response.context["pain"]["points"] if point["dated"]]
    assert len(dated) == 3
