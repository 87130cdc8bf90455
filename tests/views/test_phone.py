"""A telephone number at enrolment, shown as a tap-to-call link beside urgent flags."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients import phones
from patients.models import Flag, Patient
from tests import factories
from tests.admin.test_enrolment_admin import ENROL_URL, enrolment
from tests.factories import make_patient, report_check_in


@pytest.mark.parametrize(
    ("typed", "country", "stored"),
    [
        ("07400 123456", "GB", "+447400123456"),
        ("+44 7400 123456", "US", "+447400123456"),
        ("(212) 736-5000", "US", "+12127365000"),
        ("085 012 3456", "IE", "+353850123456"),
        ("+353 85 012 3456", "EU", "+353850123456"),
    ],
)
def test_numbers_are_read_in_the_clinics_country_and_stored_in_one_form(typed, country, stored):
    assert phones.normalise(typed, country) == stored


@pytest.mark.parametrize("typed", ["123", "call me", "07400 12345678901"])
def test_a_number_that_cannot_be_called_is_refused_with_an_example(typed):
    with pytest.raises(ValidationError, match="for example"):
        phones.normalise(typed, "GB")


def test_an_urgent_flag_shows_the_patients_number_to_tap(client, clinic, clinician):
    patient = make_patient(clinic, clinician, "Ruth", phone="07400 123456")
    report_check_in(patient, "saddle")
    factories.sign_in(client, clinician)

    for url in (
        reverse("staff_home"),
        reverse("patient_record", args=[patient.pk]),
        reverse("flag_resolve", args=[Flag.objects.get().pk]),
    ):
        page = client.get(url).content.decode()
        assert 'href="tel:+447400123456"' in page, url
        assert "Call +44 7400 123456" in page, url


def test_a_review_flag_row_in_the_queue_does_not_show_the_number(client, clinic, clinician):
    patient = make_patient(clinic, clinician, "Ruth", phone="07400 123456")
    report_check_in(patient, pain_now=10)
    factories.sign_in(client, clinician)

    page = client.get(reverse("staff_home")).content.decode()

    assert "tel:+447400123456" not in page


def test_the_alert_email_never_carries_the_number(
    clinic, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    patient = make_patient(clinic, clinician, "Ruth", phone="07400 123456")

    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "bladder")

    assert mailoutbox
    assert all("7400" not in message.body for message in mailoutbox)


def test_clinicians_enter_the_number_at_enrolment_and_correct_it_later(client, clinic, clinician):
    factories.sign_in(client, clinician)

    refused = client.post(ENROL_URL, enrolment(clinic, clinician, phone="12"))
    client.post(ENROL_URL, enrolment(clinic, clinician, phone="07400 123456"))
    patient = Patient.objects.get()
    change = reverse("admin:patients_patient_change", args=[patient.pk])
    client.post(change, enrolment(clinic, clinician, phone="07400 654321"))

    assert "Enter a telephone number that can be called" in refused.content.decode()
    patient.refresh_from_db()
    assert patient.phone == "+447400654321"
