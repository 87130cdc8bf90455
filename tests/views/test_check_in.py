"""A symptom check-in, and the safety advice shown right after it."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse

from patients.choices import Rule, SeriousSymptom, Severity
from patients.models import Flag, Notification, SymptomCheckIn, SymptomOnset
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
    # As a number of its own: a random id on the page may hold the digits 999.
    assert not re.search(r"\b999\b", page)


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


def test_a_yes_with_everything_else_blank_is_saved_flagged_and_gets_the_advice_first(
    patient_client, patient
):
    """The round-1 failure: one "yes" and nothing else was refused by validation."""
    data = {"submission": str(uuid.uuid4()), "serious_saddle": "yes"}

    response = patient_client.post(NEW, data)

    page = response.content.decode()
    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert check_in.serious_symptoms == ["saddle"]
    assert check_in.pain_now is None and check_in.hard_to_function is None
    assert check_in.answer("bladder") is None  # not answered, never "no"
    assert len(check_in.unanswered) == len(SeriousSymptom) - 1
    assert check_in.advice_shown_at is not None
    assert Flag.objects.get(patient=patient).severity == Severity.URGENT
    assert Notification.objects.count() == 1  # to the clinician (the clinic has no address)
    # The advice comes first, with the number to call and the words to say.
    assert page.index("Get medical help now") < page.index("<h1>")
    assert "Go to an emergency department now, or call 999." in page
    assert "I may have cauda equina syndrome" in page
    # Then the rest is asked again, with what was typed kept.
    assert "Choose how bad your pain is now, from 0 to 10." in page
    assert response.context["form"]["serious_saddle"].value() == "yes"
    assert 'name="serious_bladder"' in page


def test_answering_the_rest_completes_the_same_check_in_and_a_later_no_never_lowers_a_yes(
    patient_client, patient
):
    key = str(uuid.uuid4())
    patient_client.post(NEW, {"submission": key, "serious_saddle": "yes"})
    rest = answers()  # every question "no", saddle included
    rest["submission"] = key

    response = patient_client.post(NEW, rest)

    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert response.status_code == 302
    assert check_in.serious_symptoms == ["saddle"]
    assert check_in.pain_now == 4
    assert check_in.unanswered == []
    assert Flag.objects.get(patient=patient).severity == Severity.URGENT
    assert Notification.objects.count() == 1  # the same report is not news twice


def test_a_yes_given_later_counts_at_once(patient_client, patient):
    key = str(uuid.uuid4())
    patient_client.post(NEW, {**answers(), "submission": key})
    assert not Flag.objects.exists()

    patient_client.post(NEW, {**answers(fever=True), "submission": key})

    assert SymptomCheckIn.objects.get(patient=patient).serious_symptoms == ["fever"]
    assert Flag.objects.get(patient=patient).severity == Severity.SAME_DAY


def test_nothing_worrying_with_a_mistake_saves_nothing_and_keeps_every_answer(patient_client):
    data = answers()
    del data["pain_now"]

    response = patient_client.post(NEW, data)

    assert not SymptomCheckIn.objects.exists()
    assert 'href="#id_pain_now_0"' in response.content.decode()
    assert response.context["form"]["serious_chest"].value() == "no"


def test_unanswered_questions_are_saved_as_not_answered_and_asked_again(patient_client, patient):
    data = {"submission": str(uuid.uuid4()), "pain_now": "3", "hard_to_function": "no"}

    response = patient_client.post(NEW, data, follow=True)

    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert check_in.serious_symptoms == [] and check_in.serious_denied == []
    assert len(response.context["follow_up"].serious_fields()) == len(SeriousSymptom)
    assert "Some questions were not answered" in response.content.decode()


def test_questions_answered_again_after_the_advice_are_acted_on(patient_client, patient):
    data = {"submission": str(uuid.uuid4()), "pain_now": "3", "hard_to_function": "no"}
    check_in_page = patient_client.post(NEW, data)

    response = patient_client.post(
        check_in_page.url, {"serious_bladder": "yes", "serious_bowel": "no"}, follow=True
    )

    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert check_in.answer("bladder") == "yes" and check_in.answer("bowel") == "no"
    assert Flag.objects.get(patient=patient).rule == Rule.CAUDA_EQUINA
    assert "Get medical help now" in response.content.decode()


def test_after_urgent_advice_the_patient_is_asked_when_it_started_without_being_blocked(
    patient_client, patient
):
    check_in_page = patient_client.post(NEW, answers(bladder=True))
    page = patient_client.get(check_in_page.url).content.decode()
    assert "When did these symptoms start?" in page

    response = patient_client.post(check_in_page.url, {"symptoms_started": "recent"}, follow=True)

    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert check_in.symptoms_started == SymptomOnset.RECENT
    assert "They started in the last 2 weeks." in response.content.decode()
    assert "When did these symptoms start?" not in response.content.decode()


def test_a_check_in_is_saved_once_however_often_it_is_sent(patient_client):
    data = answers()

    patient_client.post(NEW, data)
    patient_client.post(NEW, data)

    assert SymptomCheckIn.objects.count() == 1


def test_another_patients_check_in_is_not_found(patient_client, clinic, clinician):
    stranger = make_patient(clinic, clinician, "Stranger")
    check_in = factories.report_check_in(stranger)

    assert patient_client.get(reverse("check_in_detail", args=[check_in.pk])).status_code == 404


def test_every_symptom_page_says_it_is_not_watched_around_the_clock(patient_client, patient):
    for url in (reverse("patient_week"), NEW, reverse("walk_new")):
        page = patient_client.get(url).content.decode()
        assert "Stepwise is not watched around the clock." in page, url
        assert "call 999" in page, url


def test_clinicians_can_read_their_patients_check_ins_but_not_others(
    client, clinician, patient, other_patient
):
    mine = factories.report_check_in(patient, "saddle", pain_now=6, note="Stiffer after gardening")
    theirs = factories.report_check_in(other_patient, pain_now=2)
    factories.sign_in(client, clinician)

    listing = client.get(reverse("admin:patients_symptomcheckin_changelist"))
    page = client.get(reverse("admin:patients_symptomcheckin_change", args=[mine.pk]))
    other = client.get(
        reverse("admin:patients_symptomcheckin_change", args=[theirs.pk]), follow=True
    )

    assert list(listing.context["cl"].queryset) == [mine]
    assert "Stiffer after gardening" in page.content.decode()
    # Each question as the patient left it: yes, no or not answered.
    assert "Not answered" in page.content.decode()
    assert "Numbness, tingling or a different feeling around your genitals" in page.content.decode()
    assert page.context["has_change_permission"] is False
    assert "doesn’t exist" in other.content.decode()


def test_saying_it_is_a_flare_counts_even_with_the_pain_score_missing(patient_client, patient):
    data = {"submission": str(uuid.uuid4()), "says_flare": "yes", "hard_to_function": "no"}

    response = patient_client.post(NEW, data)

    assert SymptomCheckIn.objects.get(patient=patient).says_flare is True
    assert Flag.objects.get(patient=patient).rule == Rule.FLARE
    assert "Take it a little easier" in response.content.decode()


def test_a_corrected_answer_sent_again_counts(patient_client, patient):
    """Sent with one side, then corrected to both legs with worse pain: the worse counts."""
    key = str(uuid.uuid4())
    patient_client.post(
        NEW,
        {
            "submission": key,
            "pain_now": "5",
            "pain_areas": ["thigh"],
            "pain_side": "left",
            "serious_fever": "yes",
        },
    )

    patient_client.post(
        NEW,
        {
            **answers(fever=True),
            "submission": key,
            "pain_now": "9",
            "pain_areas": ["thigh"],
            "pain_side": "both",
        },
    )

    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert (check_in.pain_now, check_in.pain_side) == (9, "both")
    rules = set(Flag.objects.filter(patient=patient).values_list("rule", flat=True))
    assert {"both_legs", "severe_pain", "systemic"} <= rules


def test_a_yes_changed_to_no_stays_yes_and_the_change_is_kept_for_the_clinician(
    patient_client, patient, client, clinician
):
    key = str(uuid.uuid4())
    first = patient_client.post(NEW, {"submission": key, "serious_bladder": "yes"})
    assert "stays with your clinic" in first.content.decode()

    patient_client.post(NEW, {**answers(), "submission": key})

    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert check_in.serious_symptoms == ["bladder"]
    assert check_in.serious_later_no == ["bladder"]
    factories.sign_in(client, clinician)
    page = client.get(reverse("admin:patients_symptomcheckin_change", args=[check_in.pk]))
    assert "then No when the patient sent the form again" in page.content.decode()


def test_a_form_from_another_day_makes_a_check_in_of_its_own(patient_client, patient):
    key = str(uuid.uuid4())
    patient_client.post(NEW, {**answers(), "submission": key})
    SymptomCheckIn.objects.update(reported_on=patient.clinic.today() - datetime.timedelta(days=3))

    patient_client.post(NEW, {**answers(chest=True), "submission": key})

    assert SymptomCheckIn.objects.count() == 2
    assert SymptomCheckIn.objects.get(reported_on=patient.clinic.today()).serious_symptoms == [
        "chest"
    ]


def test_a_page_that_kept_a_worrying_answer_says_so_to_a_phone_sending_it_later(
    patient_client, patient
):
    """The phone sending a report it kept offline reads this: the clinic has the yes, and
    the rest is still to answer (static/js/offline.js)."""
    kept = patient_client.post(NEW, {"submission": str(uuid.uuid4()), "serious_saddle": "yes"})
    nothing_kept = patient_client.post(NEW, {"submission": str(uuid.uuid4())})

    assert kept.status_code == 200 and kept["X-Report-Partly-Saved"] == "yes"
    assert nothing_kept.status_code == 200 and "X-Report-Partly-Saved" not in nothing_kept
