"""Clinics tune the intensity thresholds within safe bounds; urgent rules cannot be tuned."""

import pytest
from django.urls import reverse

from patients.models import Clinic, Flag
from patients.safety.rules import Thresholds
from tests import factories
from tests.factories import report_check_in


def clinic_form(clinic, **changes) -> dict:
    data = {
        "alert_email": "",
        "escalation_email": "",
        "escalation_minutes": "60",
        "severe_pain_threshold": "8",
        "severe_pain_rise": "2",
        "walk_pain_advice_above": "5",
        "flare_rise": "2",
        "flare_rise_percent": "30",
        "next_morning_rise": "2",
        "no_activity_days": "7",
        "outcome_review_weeks": "4",
        "name": clinic.name,
        "country": clinic.country,
        "timezone": clinic.timezone,
    }
    return {**data, **{key: str(value) for key, value in changes.items()}}


def test_a_clinic_with_a_higher_severe_pain_threshold_is_not_flagged_at_eight(clinic, patient):
    clinic.severe_pain_threshold = 9
    clinic.save()
    patient.clinic.refresh_from_db()

    report_check_in(patient, pain_now=8)

    assert not Flag.objects.filter(rule="severe_pain").exists()


def test_the_default_threshold_flags_eight(patient):
    report_check_in(patient, pain_now=8)

    assert Flag.objects.filter(rule="severe_pain").exists()


def test_urgent_rules_fire_whatever_the_thresholds(clinic, patient):
    clinic.severe_pain_threshold, clinic.flare_rise = 10, 4
    clinic.save()

    report_check_in(patient, "saddle", pain_now=1)

    assert Flag.objects.get().severity == "urgent"


def test_a_clinic_admin_tunes_their_clinic_but_cannot_change_its_country(
    client, clinic, clinic_admin
):
    factories.sign_in(client, clinic_admin)
    url = reverse("admin:patients_clinic_change", args=[clinic.pk])

    response = client.post(url, clinic_form(clinic, severe_pain_threshold=9, country="US"))

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.severe_pain_threshold, clinic.country) == (9, "GB")


def test_a_clinic_admin_sets_how_often_the_outcome_questionnaire_is_asked(
    client, clinic, clinic_admin
):
    factories.sign_in(client, clinic_admin)
    url = reverse("admin:patients_clinic_change", args=[clinic.pk])

    response = client.post(url, clinic_form(clinic, outcome_review_weeks=6))

    assert response.status_code == 302
    clinic.refresh_from_db()
    assert clinic.outcome_review_weeks == 6


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("severe_pain_threshold", 11),
        ("severe_pain_threshold", 5),
        ("no_activity_days", 60),
        ("outcome_review_weeks", 1),
        ("outcome_review_weeks", 13),
    ],
)
def test_thresholds_outside_safe_bounds_are_refused(client, clinic, clinic_admin, field, value):
    factories.sign_in(client, clinic_admin)
    url = reverse("admin:patients_clinic_change", args=[clinic.pk])

    response = client.post(url, clinic_form(clinic, **{field: value}))

    assert response.status_code == 200
    assert "Ensure this value is" in response.content.decode()


def test_a_clinician_cannot_change_the_clinics_thresholds(client, clinic, clinician):
    factories.sign_in(client, clinician)
    url = reverse("admin:patients_clinic_change", args=[clinic.pk])

    response = client.post(url, clinic_form(clinic, severe_pain_threshold=10))

    assert response.status_code == 403
    clinic.refresh_from_db()
    assert clinic.severe_pain_threshold == 8


def test_every_limit_a_clinic_sets_reaches_the_rules():
    clinic = Clinic(
        severe_pain_threshold=9,
        severe_pain_rise=3,
        walk_pain_advice_above=6,
        flare_rise=3,
        next_morning_rise=4,
        no_activity_days=10,
    )

    assert Thresholds.of(clinic) == Thresholds(
        severe_pain=9,
        severe_pain_rise=3,
        walk_pain_advice_above=6,
        flare_rise=3,
        next_morning_rise=4,
        no_activity_days=10,
    )
