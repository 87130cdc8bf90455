"""Questionnaires and QuestionnaireResponses: our forms, and what patients answered in them."""

import datetime
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from patients.choices import Instrument, Occasion, SeriousSymptom
from patients.fhir import codes, questionnaires
from patients.fhir.dates import instant
from patients.forms.follow_ups import RecurrenceQuestionForm
from patients.forms.outcomes import OutcomeForm
from patients.forms.reports import SymptomCheckInForm
from patients.models import FollowUpQuestion
from patients.outcomes.instruments import GROC_WORDS, PSFS_MAX_ACTIVITIES
from patients.services.outcomes import outcome_response_save
from tests.factories import make_patient, report_check_in
from tests.fhir.helpers import connect, validated
from tests.outcomes import builders

pytestmark = pytest.mark.django_db

SEARCH = "/fhir/R4/QuestionnaireResponse"


def _items(resource) -> dict:
    return {item["linkId"]: item["answer"] for item in resource.get("item", [])}


def _questionnaire_items(questionnaire_id) -> dict:
    return {item["linkId"]: item for item in questionnaires.by_id(questionnaire_id)["item"]}


def _outcome(patient, *, occasion=Occasion.REVIEW, psfs=None, pain=None, change=None):
    answers = {}
    if psfs:
        answers[Instrument.PSFS] = psfs
    if pain is not None:
        answers[Instrument.NPRS] = pain
    if change is not None:
        answers[Instrument.GROC] = change
    response, _new = outcome_response_save(
        patient=patient,
        occasion=occasion,
        due_on=patient.clinic.today(),
        submission_key=uuid.uuid4(),
        answers=answers,
        by=patient.user,
    )
    return response


def test_each_questionnaire_validates_and_is_read_by_id(client, clinic, clinic_admin):
    api = connect(client, clinic, clinic_admin)
    found = api.read("/fhir/R4/Questionnaire")
    assert {entry["resource"]["id"] for entry in found["entry"]} == {
        "symptom-check-in",
        "outcome",
        "follow-up",
    }
    for questionnaire in questionnaires.ALL:
        validated(questionnaire)
        read = api.read(f"/fhir/R4/Questionnaire/{questionnaire['id']}")
        assert read["url"] == codes.questionnaire_url(questionnaire["id"])
        assert read["status"] == "active"
    api.read("/fhir/R4/Questionnaire/no-such-form", status=404)


def test_the_questionnaires_ask_what_the_forms_ask():
    """The layer cannot import the forms, so this holds the words to them."""
    with translation.override("en"):
        check_in = SymptomCheckInForm()
        follow_up = RecurrenceQuestionForm(
            today=datetime.date(2026, 6, 1), discharged_on=datetime.date(2026, 1, 1), month=2
        )
        outcome = OutcomeForm(occasion=Occasion.REVIEW, activities=[])
        forms = {
            "symptom-check-in": check_in,
            "follow-up": follow_up,
            "outcome": outcome,
        }
        for questionnaire_id, form in forms.items():
            items = _questionnaire_items(questionnaire_id)
            for name, field in form.fields.items():
                if name in ("submission", "another_walk"):
                    continue
                assert items[name]["text"] == str(field.label), name
        assert {n: str(w) for n, w in GROC_WORDS.items()} == questionnaires.GROC_WORDS
        assert PSFS_MAX_ACTIVITIES == questionnaires.PSFS_MAX_ACTIVITIES


def test_a_partly_answered_check_in_leaves_the_unanswered_questions_out(
    client, clinic, clinic_admin, patient
):
    check_in = report_check_in(
        patient,
        SeriousSymptom.SADDLE,
        pain_now=7,
        serious_no=[SeriousSymptom.BLADDER],
        pain_character=["shooting"],
        pain_areas=["thigh"],
        pain_side="left",
    )
    api = connect(client, clinic, clinic_admin)
    response = api.read(f"{SEARCH}/{check_in.pk}")

    assert response["questionnaire"] == "urn:stepwise:questionnaire:symptom-check-in"
    assert response["status"] == "completed"
    assert response["authored"] == instant(check_in.created_at)
    patient_ref = {"reference": f"Patient/{patient.pk}"}
    assert response["subject"] == response["author"] == response["source"] == patient_ref
    items = _items(response)
    assert items["pain_now"] == [{"valueInteger": 7}]
    assert items["serious_saddle"] == [{"valueBoolean": True}]
    assert items["serious_bladder"] == [{"valueBoolean": False}]
    assert items["pain_character"][0]["valueCoding"]["code"] == "shooting"
    assert items["pain_side"][0]["valueCoding"]["display"] == "Left"
    # Not answered is not "no": those questions are simply not in the response.
    for unanswered in ("serious_bowel", "hard_to_function", "says_flare", "note"):
        assert unanswered not in items
    _answers_are_the_questionnaires(response, "symptom-check-in")


def _answers_are_the_questionnaires(response, questionnaire_id):
    """Every item is a question of its Questionnaire, every coded answer one of its options."""
    asked = _questionnaire_items(questionnaire_id)
    for link_id, answers in _items(response).items():
        question = asked[link_id]
        options = [option["valueCoding"] for option in question.get("answerOption", [])]
        for answer in answers:
            if "valueCoding" in answer:
                assert answer["valueCoding"] in options, link_id
        if len(answers) > 1:
            assert question.get("repeats"), link_id


def test_an_outcome_questionnaire_keeps_its_activities_and_scores(
    client, clinic, clinic_admin, patient
):
    response = _outcome(
        patient,
        psfs=[{"activity": "Gardening", "rating": 4}, {"activity": "Lifting", "rating": 7}],
        pain=5,
        change=2,
    )
    api = connect(client, clinic, clinic_admin)
    read = api.read(f"{SEARCH}/{response.pk}")
    items = _items(read)
    assert read["questionnaire"] == "urn:stepwise:questionnaire:outcome"
    assert read["authored"] == instant(response.answered_at)
    assert items["occasion"][0]["valueCoding"]["code"] == "review"
    assert items["activity_1"] == [{"valueString": "Gardening"}]
    assert items["rating_2"] == [{"valueInteger": 7}]
    assert items["psfs_score"] == [{"valueDecimal": 5.5}]
    assert items["pain"] == [{"valueInteger": 5}]
    assert items["change"][0]["valueCoding"] == {
        "system": codes.GLOBAL_RATING_OF_CHANGE,
        "code": "2",
        "display": "Much better",
    }
    assert "activity_3" not in items
    _answers_are_the_questionnaires(read, "outcome")

    only_pain = _outcome(make_patient(clinic, clinic_admin, "Pat"), occasion="start", pain=3)
    items = _items(api.read(f"{SEARCH}/{only_pain.pk}"))
    assert set(items) == {"occasion", "pain"}


def test_only_answered_follow_ups_are_served(client, clinic, clinician, clinic_admin):
    patient = builders.discharged(
        clinic, clinician, "Dora", ended_on=clinic.today() - datetime.timedelta(days=100)
    )
    answered = builders.answer(patient, 1, limitation="moderate")
    FollowUpQuestion.objects.filter(pk=answered.pk).update(care_sought=True)
    said_no = builders.answer(patient, 2, pain=False)
    unanswered = FollowUpQuestion.objects.create(
        patient=patient,
        recipient="x@example.com",
        discharged_on=answered.discharged_on,
        month=3,
        due_on=answered.discharged_on + datetime.timedelta(days=90),
    )
    api = connect(client, clinic, clinic_admin)
    found = api.read(SEARCH, patient=f"Patient/{patient.pk}")
    assert {entry["resource"]["id"] for entry in found["entry"]} == {
        str(answered.pk),
        str(said_no.pk),
    }
    api.read(f"{SEARCH}/{unanswered.pk}", status=404)

    yes = _items(api.read(f"{SEARCH}/{answered.pk}"))
    assert yes["back_pain_over_a_day"] == [{"valueBoolean": True}]
    assert yes["limitation"][0]["valueCoding"]["code"] == "moderate"
    assert yes["care_sought"] == [{"valueBoolean": True}]
    assert yes["month"] == [{"valueInteger": 1}]
    no = _items(api.read(f"{SEARCH}/{said_no.pk}"))
    assert set(no) == {"month", "back_pain_over_a_day"}


def test_search_by_patient_and_last_updated_read_and_everything(
    client, clinic, clinic_admin, patient, other_patient
):
    first_day = timezone.make_aware(datetime.datetime(2026, 3, 2, 10))
    with time_machine.travel(first_day, tick=False):
        early = report_check_in(patient, pain_now=2)
    with time_machine.travel(first_day + datetime.timedelta(days=3), tick=False):
        late = report_check_in(patient, pain_now=4)
        outcome = _outcome(patient, pain=4)
    stranger = report_check_in(other_patient, pain_now=1)
    api = connect(client, clinic, clinic_admin)

    mine = api.read(SEARCH, patient=str(patient.pk))
    assert [entry["resource"]["id"] for entry in mine["entry"]] == [
        str(early.pk),
        str(late.pk),
        str(outcome.pk),
    ]
    since = api.read(SEARCH, _lastUpdated="ge2026-03-04")
    assert {entry["resource"]["id"] for entry in since["entry"]} == {str(late.pk), str(outcome.pk)}
    until = api.read(SEARCH, _lastUpdated="lt2026-03-04")
    assert [entry["resource"]["id"] for entry in until["entry"]] == [str(early.pk)]
    api.read(f"{SEARCH}/{stranger.pk}", status=404)

    everything = api.read(f"/fhir/R4/Patient/{patient.pk}/$everything")
    served = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in everything["entry"]}
    assert {
        ("QuestionnaireResponse", str(early.pk)),
        ("QuestionnaireResponse", str(outcome.pk)),
    } <= served


def _page_queries(api, count: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        found = api.read(SEARCH, _count=count)
    assert len(found["entry"]) == count
    return len(queries)


def test_a_page_costs_the_same_whatever_its_size(client, clinic, clinic_admin):
    """A page reads each of the type's three sources it reaches: a fixed number of queries
    per source, never per resource. 17 and 24 both reach all three (8 rows each)."""
    for number in range(8):
        patient = make_patient(clinic, clinic_admin, f"P{number}")
        report_check_in(patient, pain_now=number, pain_areas=["lower_back"])
        _outcome(patient, psfs=[{"activity": "Sitting", "rating": number}], pain=3, change=1)
        builders.answer(
            builders.discharged(
                clinic, clinic_admin, f"D{number}", ended_on=clinic.today() - datetime.timedelta(60)
            ),
            1,
            limitation="little",
        )
    api = connect(client, clinic, clinic_admin)
    assert _page_queries(api, 24) <= _page_queries(api, 17)
    # Within one source, too: the check-ins' page of 8 costs what their page of 2 does.
    assert _page_queries(api, 8) <= _page_queries(api, 2)
