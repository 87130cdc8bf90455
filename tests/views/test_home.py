"""After sign-in each role lands on its own page."""

from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD, assign


def sign_in(client, username: str):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD}, follow=True)


def test_patient_lands_on_this_week_with_their_stage_in_plain_words(
    client, patient, clinician, standard_template
):
    assign(patient, standard_template, clinician)

    response = sign_in(client, patient.user.username)

    assert response.redirect_chain[-1][0] == reverse("patient_week")
    page = response.content.decode()
    assert "Stage 1 of 8, week 1 of 2: walk 8 minutes on flat ground, 3 times a week" in page
    assert "not watched around the clock" in page


def test_patient_without_a_plan_gets_a_friendly_explanation(client, patient):
    response = sign_in(client, patient.user.username)

    assert response.status_code == 200
    assert "Your clinic has not set up your walking plan yet." in response.content.decode()


def test_clinician_lands_on_their_clinics_patients_only(client, clinician, patient, other_patient):
    asked = sign_in(client, clinician.username)
    response = client.post(
        asked.redirect_chain[-1][0], {"code": factories.current_code(clinician)}, follow=True
    )

    assert asked.redirect_chain[-1][0].startswith(reverse("two_factor_verify"))

    assert response.redirect_chain[-1][0] == reverse("staff_home")
    assert [row["patient"] for row in response.context["rows"]] == [patient]


def test_wrong_password_says_so_plainly(client, patient):
    response = client.post(
        reverse("login"), {"username": patient.user.username, "password": "nope"}
    )

    assert response.status_code == 200
    assert "The username or password is not right." in response.content.decode()


def test_staff_cannot_open_the_patient_page_and_patients_cannot_open_the_staff_page(
    client, clinician, patient
):
    factories.sign_in(client, clinician)
    assert client.get(reverse("patient_week")).status_code == 404
    factories.sign_in(client, patient.user)
    assert client.get(reverse("staff_home")).status_code == 404


def test_anonymous_visitors_are_asked_to_sign_in(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sign_in_ignores_the_capitals_a_phone_adds(client, patient):
    response = sign_in(client, patient.user.username.upper())

    assert response.redirect_chain[-1][0] == reverse("patient_week")


def test_two_accounts_differing_only_in_case_sign_in_with_neither(client, clinic):
    from tests.factories import make_staff

    make_staff("sam", clinic)
    make_staff("Sam", clinic)

    response = client.post(reverse("login"), {"username": "sam", "password": PASSWORD})

    assert response.status_code == 200
    assert "The username or password is not right." in response.content.decode()
