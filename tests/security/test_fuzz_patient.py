"""Hostile input to every patient form and parameter: a clear error or a redirect, never a 500.

Whatever a patient manages to store is shown escaped, to them and to their clinic.
"""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from patients.choices import BodyArea, Effort, PainCharacter, SeriousSymptom, Side, Terrain
from patients.models import MorningFeeling, SymptomCheckIn, WalkLog
from tests import factories
from tests.fuzz import (
    answered,
    choice_or_junk,
    fuzz_settings,
    hostile_client,
    list_of,
    marked_up,
    numbers,
    rolled_back,
    shown_escaped,
    shows_form_errors,
    texts,
    unless_nul,
    url_with,
    uuid_like,
    values,
)

PAIN = [str(n) for n in range(11)]
YES_NO = ["yes", "no"]

# A valid walk, then some of its fields replaced with hostile values (None: left out).
WALK_CHANGES = {
    "submission": st.one_of(uuid_like, st.none()),
    "walked_on": st.one_of(st.integers(-3, 20), values, st.none()),
    "minutes": st.one_of(numbers, st.none()),
    "terrain": st.one_of(choice_or_junk(Terrain.values), st.none()),
    "pain_before": st.one_of(choice_or_junk(PAIN), numbers, st.none()),
    "pain_after": st.one_of(choice_or_junk(PAIN), numbers, st.none()),
    "pain_character": list_of(PainCharacter.values),
    "pain_areas": list_of(BodyArea.values),
    "pain_side": choice_or_junk(Side.values),
    "stopped_early": choice_or_junk(YES_NO),
    "stopped_reason": texts,
    "effort": choice_or_junk(Effort.values),
    "steps": numbers,
    "note": texts,
}

CHECK_IN_CHANGES = {
    "submission": st.one_of(uuid_like, st.none()),
    "pain_now": st.one_of(choice_or_junk(PAIN), numbers, st.none()),
    "pain_character": list_of(PainCharacter.values),
    "pain_areas": list_of(BodyArea.values),
    "pain_side": choice_or_junk(Side.values),
    "hard_to_function": st.one_of(choice_or_junk(YES_NO), st.none()),
    "note": texts,
    **{f"serious_{symptom.value}": choice_or_junk(YES_NO) for symptom in SeriousSymptom},
}


def changed(base: dict, changes: dict) -> dict:
    data = {**base, **changes}
    return {key: value for key, value in data.items() if value is not None}


def valid_walk(today: datetime.date) -> dict:
    return {
        "submission": str(uuid.uuid4()),
        "walked_on": today.isoformat(),
        "minutes": "10",
        "terrain": "flat",
        "pain_before": "3",
        "pain_after": "3",
        "stopped_early": "no",
        "note": "",
    }


def walk_data(today: datetime.date, changes: dict) -> dict:
    data = changed(valid_walk(today), changes)
    if isinstance(data.get("walked_on"), int):  # days ago, to reach the edges of the window
        data["walked_on"] = (today - datetime.timedelta(days=data["walked_on"])).isoformat()
    return data


def valid_check_in() -> dict:
    return {
        "submission": str(uuid.uuid4()),
        "pain_now": "3",
        "hard_to_function": "no",
        "note": "",
        **{f"serious_{symptom.value}": "no" for symptom in SeriousSymptom},
    }


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return hostile_client(client)


@pytest.fixture
def clinician_client(clinician):
    staff = hostile_client(Client())
    factories.sign_in(staff, clinician)
    return staff


def form_answer(response):
    """A form post is saved (a redirect) or shown again with its errors."""
    answered(response, {200, 302})
    if response.status_code == 200:
        assert shows_form_errors(response)
    return response


@fuzz_settings
@given(changes=st.fixed_dictionaries({}, optional=WALK_CHANGES))
def test_logging_a_walk_never_fails(patient_client, clinician_client, patient, changes):
    data = walk_data(patient.clinic.today(), changes)
    with rolled_back():
        response = form_answer(patient_client.post(reverse("walk_new"), data))
        if response.status_code == 302:
            walk = WalkLog.objects.get(patient=patient)
            shown = patient_client.get(reverse("walk_detail", args=[walk.pk]))
            shown_escaped(answered(shown, {200}).content.decode(), data.get("note", ""))
            record = clinician_client.get(reverse("patient_record", args=[patient.pk]))
            shown_escaped(answered(record, {200}).content.decode(), data.get("note", ""))


@fuzz_settings
@given(note=marked_up, reason=marked_up)
def test_a_walks_note_and_reason_are_shown_escaped(
    patient_client, clinician_client, patient, note, reason
):
    data = {**valid_walk(patient.clinic.today()), "note": note, "stopped_early": "yes"}
    data["stopped_reason"] = reason
    with rolled_back():
        response = form_answer(patient_client.post(reverse("walk_new"), data))
        if "\x00" in note + reason:
            assert response.status_code == 200
            return
        walk = WalkLog.objects.get(patient=patient)
        shown = patient_client.get(reverse("walk_detail", args=[walk.pk])).content.decode()
        shown_escaped(shown, note)
        shown_escaped(shown, reason)
        record = clinician_client.get(reverse("patient_record", args=[patient.pk]))
        shown_escaped(answered(record, {200}).content.decode(), note)


@fuzz_settings
@given(changes=st.fixed_dictionaries({}, optional=WALK_CHANGES))
def test_correcting_a_walk_never_fails(patient_client, patient, changes):
    with rolled_back():
        walk = factories.report_walk(patient)
        data = walk_data(patient.clinic.today(), changes)
        response = form_answer(patient_client.post(reverse("walk_edit", args=[walk.pk]), data))
        if response.status_code == 302:
            shown = patient_client.get(reverse("walk_detail", args=[walk.pk]))
            shown_escaped(answered(shown, {200}).content.decode(), data.get("note", ""))


@fuzz_settings
@given(data=st.dictionaries(texts, texts, max_size=4))
def test_deleting_a_walk_ignores_whatever_else_is_posted(patient_client, patient, data):
    with rolled_back():
        walk = factories.report_walk(patient)
        answered(patient_client.post(reverse("walk_delete", args=[walk.pk]), data), {302})
        assert not WalkLog.objects.live().filter(pk=walk.pk).exists()


@fuzz_settings
@given(
    changes=st.fixed_dictionaries(
        {},
        optional={
            "feeling": choice_or_junk(MorningFeeling.values),
            "pain_now": st.one_of(choice_or_junk(PAIN), numbers),
            "submission": uuid_like,
        },
    )
)
def test_the_morning_check_never_fails(patient_client, patient, changes):
    with rolled_back():
        yesterday = patient.clinic.today() - datetime.timedelta(days=1)
        walk = factories.report_walk(patient, walked_on=yesterday)
        data = changed({"feeling": "usual", "pain_now": "3"}, changes)
        form_answer(patient_client.post(reverse("morning_check", args=[walk.pk]), data))


@fuzz_settings
@given(changes=st.fixed_dictionaries({}, optional=CHECK_IN_CHANGES))
def test_a_check_in_never_fails(patient_client, clinician_client, patient, changes):
    data = changed(valid_check_in(), changes)
    with rolled_back():
        response = form_answer(patient_client.post(reverse("check_in_new"), data))
        if response.status_code == 302:
            check_in = SymptomCheckIn.objects.get(patient=patient)
            shown = patient_client.get(reverse("check_in_detail", args=[check_in.pk]))
            answered(shown, {200})
            record = clinician_client.get(reverse("patient_record", args=[patient.pk]))
            shown_escaped(answered(record, {200}).content.decode(), data.get("note", ""))


@fuzz_settings
@given(note=marked_up)
def test_a_check_ins_note_is_shown_escaped(patient_client, clinician_client, patient, note):
    with rolled_back():
        response = form_answer(
            patient_client.post(reverse("check_in_new"), {**valid_check_in(), "note": note})
        )
        if "\x00" in note:
            assert response.status_code == 200
            return
        record = clinician_client.get(reverse("patient_record", args=[patient.pk]))
        shown_escaped(answered(record, {200}).content.decode(), note)


@fuzz_settings
@given(choice=st.one_of(st.sampled_from(["up", "stay"]), values))
def test_stepping_up_with_any_choice_redirects(patient_client, patient, standard_template, choice):
    with rolled_back():
        factories.assign(patient, standard_template, patient.clinician, automatic_progression=True)
        answered(patient_client.post(reverse("step_up"), {"choice": choice}), {302})


@fuzz_settings
@given(page=st.one_of(numbers, texts))
def test_any_history_page_number_shows_a_page(patient_client, patient, page):
    answered(patient_client.get(reverse("history"), {"page": page}), unless_nul({200}, page))


PATIENT_ROUTES = ["walk_detail", "walk_edit", "walk_delete", "morning_check", "check_in_detail"]


@fuzz_settings
@given(
    route=st.sampled_from(PATIENT_ROUTES),
    identifier=st.one_of(st.uuids().map(str), texts.filter(lambda text: text != "new")),
)
def test_any_id_in_a_patient_url_is_not_found(patient_client, patient, route, identifier):
    factories.report_walk(patient)
    answered(patient_client.get(url_with(route, identifier)), {404})


@pytest.mark.parametrize("route", PATIENT_ROUTES)
def test_another_patients_walk_or_check_in_is_not_found(patient_client, other_patient, route):
    walk = factories.report_walk(other_patient)
    check_in = factories.report_check_in(other_patient)
    target = check_in if route == "check_in_detail" else walk
    for method in ("get", "post"):
        response = getattr(patient_client, method)(reverse(route, args=[target.pk]))
        answered(response, {404})
