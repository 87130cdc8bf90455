"""Search parameters read as an integration engineer types them, and refused plainly."""

import pytest

from tests.factories import make_patient
from tests.fhir.helpers import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, clinic, clinic_admin):
    return connect(client, clinic, clinic_admin)


def test_patient_does_not_narrow_a_patient_search_it_is_refused(api, patient, clinician, clinic):
    make_patient(clinic, clinician, "Other")
    outcome = api.read("/fhir/R4/Patient", status=400, patient=str(patient.pk))
    assert "_id" in outcome["issue"][0]["diagnostics"]
    found = api.read("/fhir/R4/Patient", _id=str(patient.pk))
    assert [entry["resource"]["id"] for entry in found["entry"]] == [str(patient.pk)]


def test_a_zone_whose_plus_was_not_encoded_is_read_as_plus(api, patient):
    # In a query string an unencoded "+" arrives as a space.
    found = api.read("/fhir/R4/Patient", _lastUpdated="ge2000-01-01T09:00:00 01:00")
    assert found["total"] == 1
    assert api.read("/fhir/R4/Patient", _lastUpdated="ge2999-01-01T09:00:00 01:00")["total"] == 0


def test_a_type_not_served_is_not_supported_for_search_and_read(api):
    for path in ("/fhir/R4/Encounter", "/fhir/R4/Encounter/1"):
        outcome = api.read(path, status=404)
        assert outcome["issue"][0]["code"] == "not-supported"


@pytest.mark.parametrize("value", ["", " ", "ge2026-01-01\nx", "ge" + "9" * 5000])
def test_an_empty_or_broken_last_updated_is_a_plain_400(api, patient, value):
    outcome = api.read("/fhir/R4/Patient", status=400, _lastUpdated=value)
    diagnostics = outcome["issue"][0]["diagnostics"]
    assert "_lastUpdated" in diagnostics or "is not a date" in diagnostics
    assert len(diagnostics) < 200
