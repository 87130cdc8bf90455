"""A symptom check-in, and the safety advice shown right after it."""

import uuid

import pytest
from django.urls import reverse

from patients.models import SymptomCheckIn
from patients.rules import SeriousSymptom
from tests import factories
from tests.factories import make_patient

NEW = reverse("check_in_new")


def answers(**yes) -> dict:
    data = {
        "submission": str(uuid.uuid4()),
        "pain_now": "4",
        "pain_side": "",
        "hard_to_function": "no",
        "note": "",
    }
    for symptom in SeriousSymptom:
        data[f"serious_{symptom.value}"] = "yes" if yes.get(symptom.value) else "no"
    return data


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


def test_saddle_numbness_tells_the_patient_to_go_to_the_emergency_department_now(
    patient_client, patient
):
    response = patient_client.post(NEW, answers(saddle=True), follow=True)

    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert check_in.serious_symptoms == ["saddle"]
    page = response.content.decode()
    assert "Get medical help now" in page
    assert "Go to an emergency department now, or call 999." in page
    assert 'href="tel:999"' in page
    # The advice comes before anything else on the page.
    assert page.index("Get medical help now") < page.index("<h1>")


def test_the_emergency_number_follows_the_clinics_country(client, other_patient):
    factories.sign_in(client, other_patient.user)  # a clinic in the United States

    page = client.post(NEW, answers(bladder=True), follow=True).content.decode()

    assert "call 911" in page
    assert "999" not in page


def test_a_fever_says_contact_your_gp_or_clinic_today(patient_client):
    page = patient_client.post(NEW, answers(fever=True), follow=True).content.decode()

    assert "Contact your GP or your clinic today. If you cannot reach them, call 111." in page
    assert "Get medical help now" not in page


def test_pain_too_bad_to_cope_gets_review_advice(patient_client):
    data = answers()
    data["hard_to_function"] = "yes"

    page = patient_client.post(NEW, data, follow=True).content.decode()

    assert "Take it a little easier" in page


def test_no_worrying_answers_no_alarm(patient_client):
    page = patient_client.post(NEW, answers(), follow=True).content.decode()

    assert "Nothing you told us needs action now." in page
    assert 'role="alert"' not in page


def test_every_serious_question_must_be_answered_and_nothing_is_lost(patient_client):
    data = answers(chest=True)
    del data["serious_bowel"]

    response = patient_client.post(NEW, data)

    page = response.content.decode()
    assert "Answer yes or no: Not noticing that you need to poo" in page
    assert 'href="#id_serious_bowel_0"' in page
    assert response.context["form"]["serious_chest"].value() == "yes"
    assert not SymptomCheckIn.objects.exists()


def test_a_check_in_is_saved_once_however_often_it_is_sent(patient_client):
    data = answers()

    patient_client.post(NEW, data)
    patient_client.post(NEW, data)

    assert SymptomCheckIn.objects.count() == 1


def test_another_patients_check_in_is_not_found(patient_client, clinic, clinician):
    stranger = make_patient(clinic, clinician, "Stranger")
    check_in = SymptomCheckIn.objects.create(patient=stranger, pain_now=3)

    assert patient_client.get(reverse("check_in_detail", args=[check_in.pk])).status_code == 404


def test_every_symptom_page_says_it_is_not_watched_around_the_clock(patient_client, patient):
    for url in (reverse("patient_week"), NEW, reverse("walk_new")):
        page = patient_client.get(url).content.decode()
        assert "Stepwise is not watched around the clock." in page, url
        assert "call 999" in page, url


def test_unanswered_serious_questions_are_one_line_in_the_summary(patient_client):
    data = {"submission": str(uuid.uuid4()), "pain_now": "3", "hard_to_function": "no"}

    response = patient_client.post(NEW, data)

    summary = response.context["form"].error_summary()
    assert [item["message"] for item in summary] == [
        "Answer yes or no to 13 questions about serious symptoms."
    ]
    assert summary[0]["anchor"] == "id_serious_saddle_0"
    assert response.content.decode().count('class="error-message"') == 13


def test_clinicians_can_read_their_patients_check_ins_but_not_others(
    client, clinician, patient, other_patient
):
    mine = SymptomCheckIn.objects.create(
        patient=patient, pain_now=6, note="Stiffer after gardening"
    )
    theirs = SymptomCheckIn.objects.create(patient=other_patient, pain_now=2)
    factories.sign_in(client, clinician)

    listing = client.get(reverse("admin:patients_symptomcheckin_changelist"))
    page = client.get(reverse("admin:patients_symptomcheckin_change", args=[mine.pk]))
    other = client.get(
        reverse("admin:patients_symptomcheckin_change", args=[theirs.pk]), follow=True
    )

    assert list(listing.context["cl"].queryset) == [mine]
    assert "Stiffer after gardening" in page.content.decode()
    assert page.context["has_change_permission"] is False
    assert "doesn’t exist" in other.content.decode()
