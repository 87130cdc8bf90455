import pytest

from tests.fhir.helpers import connect, validated

pytestmark = pytest.mark.django_db


def test_patient_search_and_read(client, clinic, clinic_admin, patient, other_patient):
    api = connect(client, clinic, clinic_admin)
    found = api.read("/fhir/R4/Patient")
    assert [e["resource"]["id"] for e in found["entry"]] == [str(patient.pk)]
    one = api.read(f"/fhir/R4/Patient/{patient.pk}")
    assert one["id"] == str(patient.pk)
    api.read(f"/fhir/R4/Patient/{other_patient.pk}", status=404)


def test_metadata_is_open(client, db):
    validated(client.get("/fhir/R4/metadata").json())
