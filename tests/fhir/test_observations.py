"""Observations: each walk's duration and pain, and the next-morning check, as served."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.fhir.sources import sources_of
from patients.services.reports import walk_log_correct, walk_log_delete
from tests import factories
from tests.fhir.helpers import connect, validated

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
TUESDAY = datetime.datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
LOINC = "http://loinc.org"


def ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


@pytest.fixture
def api(client, clinic, clinic_admin):
    return connect(client, clinic, clinic_admin)


def walk(patient, **values):
    """A walk through the real service (factories.report_walk) on a fixed day."""
    defaults = {"walked_on": datetime.date(2026, 11, 3), "minutes": 20, "terrain": "mixed"}
    return factories.report_walk(
        patient, **{**defaults, "pain_before": 2, "pain_after": 4, **values}
    )


@pytest.fixture
def logged(patient, clinician, clinic_template):
    with time_machine.travel(TUESDAY, tick=False):
        factories.assign(patient, clinic_template, clinician, days_ago=1)
        return walk(
            patient,
            effort="moderate",
            steps=2400,
            pain_character=["aching", "pins_and_needles"],
            pain_areas=["lower_back", "thigh"],
            pain_side="left",
            stopped_early=True,
            stopped_reason="Rain",
            note="Went round the park",
        )


def test_a_walk_as_its_duration(api, logged, patient):
    duration = api.read(f"/fhir/R4/Observation/{logged.pk}-duration")
    assert duration["status"] == "final"
    assert duration["category"][0]["coding"][0]["code"] == "activity"
    assert duration["code"]["coding"][0] == {
        "system": LOINC,
        "code": "55411-3",
        "display": "Exercise duration",
    }
    assert duration["valueQuantity"] == {
        "value": 20,
        "unit": "min",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }
    assert duration["effectiveDateTime"] == "2026-11-03"
    assert duration["subject"] == duration["performer"][0] == {"reference": f"Patient/{patient.pk}"}
    assert duration["basedOn"] == [{"reference": f"CarePlan/{logged.assignment_id}"}]
    terrain, effort = duration["component"]
    assert terrain["valueCodeableConcept"]["coding"][0]["code"] == "mixed"
    assert terrain["valueCodeableConcept"]["text"] == "Mixed ground"
    assert effort["valueCodeableConcept"]["coding"][0]["code"] == "moderate"
    notes = [note["text"] for note in duration["note"]]
    assert notes == [
        "Walked at stage 1 of the plan.",
        "Steps: 2,400.",
        "Stopped early: Rain",
        "The patient's note: Went round the park",
    ]


def test_a_walk_as_its_pain_before_and_after(api, logged):
    pain = api.read(f"/fhir/R4/Observation/{logged.pk}-pain")
    assert pain["status"] == "final"
    assert pain["category"][0]["coding"][0]["code"] == "survey"
    assert pain["code"]["coding"][0]["code"] == "72514-3"
    assert pain["effectiveDateTime"] == "2026-11-03"
    assert "valueQuantity" not in pain
    before, after = pain["component"]
    assert before["code"]["coding"][0]["code"] == after["code"]["coding"][0]["code"] == "72514-3"
    assert (before["code"]["text"], before["valueInteger"]) == ("Pain before the walk", 2)
    assert (after["code"]["text"], after["valueInteger"]) == ("Pain after the walk", 4)
    assert pain["derivedFrom"] == [{"reference": f"Observation/{logged.pk}-duration"}]
    assert [note["text"] for note in pain["note"]] == [
        "What the pain felt like: aching, pins and needles or tingling.",
        "Where it was felt: lower back, thigh.",
        "Which side: left.",
    ]


def test_the_next_morning_check(api, logged):
    with time_machine.travel(TUESDAY + datetime.timedelta(hours=15), tick=False):
        check = factories.answer_morning(logged, "bit_worse", 5)
    morning = api.read(f"/fhir/R4/Observation/{check.pk}")
    assert morning["status"] == "final"
    assert morning["code"]["coding"][0]["system"] == "urn:stepwise:observation"
    assert morning["code"]["coding"][0]["code"] == "next-morning-check"
    assert morning["valueCodeableConcept"]["coding"][0] == {
        "system": "urn:stepwise:morning-feeling",
        "code": "bit_worse",
        "display": "A bit worse",
    }
    assert morning["component"][0]["code"]["coding"][0]["code"] == "72514-3"
    assert morning["component"][0]["valueInteger"] == 5
    assert morning["effectiveDateTime"].startswith("2026-11-04T09:00:00")
    assert morning["derivedFrom"] == [{"reference": f"Observation/{logged.pk}-duration"}]


def test_a_corrected_walk_is_amended(api, logged, patient):
    with time_machine.travel(TUESDAY + datetime.timedelta(hours=1), tick=False):
        walk_log_correct(log=logged, by=patient.user, now=TUESDAY, minutes=25, pain_after=3)
    duration = api.read(f"/fhir/R4/Observation/{logged.pk}-duration")
    pain = api.read(f"/fhir/R4/Observation/{logged.pk}-pain")
    assert (duration["status"], duration["valueQuantity"]["value"]) == ("amended", 25)
    assert (pain["status"], pain["component"][1]["valueInteger"]) == ("amended", 3)
    assert duration["meta"]["lastUpdated"].startswith("2026-11-03T19:00:00")


def test_a_deleted_walk_is_entered_in_error_with_nothing_in_it(api, logged, patient):
    with time_machine.travel(TUESDAY + datetime.timedelta(hours=12), tick=False):
        check = factories.answer_morning(logged, "usual", 2)
    deleted_at = TUESDAY + datetime.timedelta(hours=13)
    with time_machine.travel(deleted_at, tick=False):
        walk_log_delete(log=logged, by=patient.user, now=deleted_at)
    for resource_id in (f"{logged.pk}-duration", f"{logged.pk}-pain", str(check.pk)):
        resource = api.read(f"/fhir/R4/Observation/{resource_id}")
        assert resource["status"] == "entered-in-error", resource_id
        assert resource["meta"]["lastUpdated"].startswith("2026-11-04T07:00:00"), resource_id
        for element in ("valueQuantity", "valueCodeableConcept", "component", "note"):
            assert element not in resource, (resource_id, element)
    since = api.read("/fhir/R4/Observation", _lastUpdated="ge2026-11-04T06:00:00Z")
    assert sorted(ids(since)) == sorted(
        [f"{logged.pk}-duration", f"{logged.pk}-pain", str(check.pk)]
    )


def test_search_by_patient_and_last_updated(api, clinic, clinician, logged, patient):
    other = factories.make_patient(clinic, clinician, "Gus")
    with time_machine.travel(TUESDAY + datetime.timedelta(days=3), tick=False):
        later = walk(other, walked_on=datetime.date(2026, 11, 6))
    mine = api.read("/fhir/R4/Observation", patient=f"Patient/{patient.pk}")
    assert sorted(ids(mine)) == sorted([f"{logged.pk}-duration", f"{logged.pk}-pain"])
    theirs = api.read("/fhir/R4/Observation", _lastUpdated="ge2026-11-05")
    assert sorted(ids(theirs)) == sorted([f"{later.pk}-duration", f"{later.pk}-pain"])
    early = api.read("/fhir/R4/Observation", _lastUpdated="le2026-11-04")
    assert sorted(ids(early)) == sorted([f"{logged.pk}-duration", f"{logged.pk}-pain"])
    one = api.read("/fhir/R4/Observation", _id=f"{later.pk}-pain")
    assert ids(one) == [f"{later.pk}-pain"]


def test_reads_refuse_wrong_suffixes_and_other_clinics(api, logged, other_patient):
    check = factories.answer_morning(logged, "usual", 1)
    theirs = walk(other_patient)
    for wrong in (
        f"{logged.pk}",
        f"{logged.pk}-steps",
        f"{check.pk}-duration",
        f"{theirs.pk}-duration",
        f"{theirs.pk}-pain",
    ):
        api.read(f"/fhir/R4/Observation/{wrong}", status=404)


def test_everything_includes_the_walks(api, logged, patient):
    check = factories.answer_morning(logged, "usual", 1)
    everything = api.read(f"/fhir/R4/Patient/{patient.pk}/$everything")
    found = {e["resource"]["id"] for e in everything["entry"]}
    assert {f"{logged.pk}-duration", f"{logged.pk}-pain", str(check.pk)} <= found


def _walks_with_checks(patient, count: int, start: int) -> None:
    for day in range(start, start + count):
        log = walk(patient, walked_on=datetime.date(2026, 10, 1) + datetime.timedelta(days=day))
        factories.answer_morning(log, "usual", 2)


def test_a_page_costs_the_same_for_twenty_as_for_two(api, patient):
    """A walk with its check is 3 resources, one of each source; 7 walks are 21."""
    _walks_with_checks(patient, 1, 0)
    with CaptureQueriesContext(connection) as few:
        assert len(api.read("/fhir/R4/Observation")["entry"]) == 3
    _walks_with_checks(patient, 6, 1)
    with CaptureQueriesContext(connection) as many:
        assert len(api.read("/fhir/R4/Observation")["entry"]) == 21
    assert len(many) <= len(few)


def test_every_resource_validates(logged, patient):
    factories.answer_morning(logged, "much_worse", 7)
    walk(patient, minutes=5, terrain="flat")  # nothing optional given
    for source in sources_of("Observation"):
        for row in source.rows(patient.clinic_id):
            validated(source.resource(row))
