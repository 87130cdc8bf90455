"""Patient data is kept on the server: no copies in the browser's cache or cookies, and the
signed-in cookie changes when the second factor is passed."""

import pytest
from django.urls import reverse

from patients.models import Flag
from tests import factories
from tests.factories import report_check_in, seen_flag

PATIENT_PAGES = [
    "patient_week",
    "history",
    "my_data",
    "my_fhir_data",
    "check_in_new",
    "walk_new",
    "reminder_settings",
]


@pytest.mark.parametrize("page", PATIENT_PAGES)
def test_a_patients_pages_are_never_stored(client, patient, page):
    factories.sign_in(client, patient.user)

    response = client.get(reverse(page))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_staff_pages_and_downloads_are_never_stored(client, clinician, reviewer, patient):
    report_check_in(patient, "fever")
    factories.sign_in(client, clinician)
    pages = [
        reverse("staff_home"),
        reverse("patient_record", args=[patient.pk]),
        reverse("flag_resolve", args=[Flag.objects.get().pk]),
        reverse("admin:patients_patient_change", args=[patient.pk]),
    ]
    for url in pages:
        assert "no-store" in client.get(url)["Cache-Control"], url
    factories.sign_in(client, reviewer)
    for url in (reverse("flag_report"), reverse("flag_report_csv")):
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_messages_naming_a_patient_stay_on_the_server(client, clinician, patient):
    report_check_in(patient, "fever")
    factories.sign_in(client, clinician)

    flag = Flag.objects.get()
    response = client.post(reverse("flag_acknowledge", args=[flag.pk]), seen_flag(flag))

    assert "messages" not in response.cookies
    page = client.get(response.url).content.decode()
    assert "Acknowledged: Alice Patient" in page


def test_the_session_key_changes_when_the_second_factor_is_passed(client, clinician):
    assert factories.password_signs_in(client, "carol", factories.PASSWORD)
    after_password = client.cookies["sessionid"].value

    response = client.post(
        reverse("two_factor_verify"), {"code": factories.current_code(clinician)}
    )

    assert response.status_code == 302
    assert client.cookies["sessionid"].value != after_password
    assert client.get(reverse("staff_home")).status_code == 200
