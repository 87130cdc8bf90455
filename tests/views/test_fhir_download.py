"""The patient's own data as a FHIR Bundle: valid, theirs alone, for them alone, audited.

The Bundle is read through the resource registry, so every type registered there is in
it; these tests give the patient (and two others) a plan, walks, a next-morning answer and
a check-in, so each type as it is registered is checked here too.
"""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.fhir.sources import all_sources
from patients.models import AuditAction, AuditEvent
from tests import factories
from tests.fhir.helpers import JSON, connect, validated

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"Patient/([0-9a-f-]{36})")


def give_history(patient, template, clinician, walks: int = 2):
    factories.assign(patient, template, clinician, days_ago=walks * 2 + 2)
    today = patient.clinic.today()
    walk = None
    for index in range(walks):
        walk = factories.report_walk(
            patient, walked_on=today - datetime.timedelta(days=1 + 2 * index)
        )
    factories.answer_morning(walk, "usual", 2)
    factories.report_check_in(patient, pain_now=4)


@pytest.fixture
def neighbour(clinic, clinician):
    """Another patient of the same clinic: the download must not show them either."""
    return factories.make_patient(clinic, clinician, "Nell")


@pytest.fixture
def histories(patient, neighbour, other_patient, clinician, other_clinician, standard_template):
    give_history(patient, standard_template, clinician)
    give_history(neighbour, standard_template, clinician)
    give_history(other_patient, standard_template, other_clinician)


def download(client, user):
    factories.sign_in(client, user)
    return client.get(reverse("my_fhir_data"))


def test_the_patient_downloads_a_valid_collection_bundle(client, patient, histories):
    response = download(client, patient.user)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(JSON)
    assert response["Content-Disposition"].startswith('attachment; filename="my-stepwise-fhir-')
    assert response["Content-Disposition"].endswith('.json"')
    assert "no-store" in response["Cache-Control"]
    bundle = validated(json.loads(response.content))
    assert bundle["type"] == "collection"
    assert bundle["timestamp"].endswith("Z")
    [me] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert me["id"] == str(patient.pk)
    assert me["name"][0]["given"] == ["Alice"]
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == (
            f"http://testserver/fhir/R4/{resource['resourceType']}/{resource['id']}"
        )


def test_it_holds_everything_the_api_gives_for_the_patient_and_nothing_more(
    client, patient, neighbour, other_patient, clinic, clinic_admin, histories
):
    bundle = json.loads(download(client, patient.user).content)
    everything = connect(client, clinic, clinic_admin).read(
        f"/fhir/R4/Patient/{patient.pk}/$everything", _count=500
    )

    mine = sorted((e["fullUrl"], e["resource"]["id"]) for e in bundle["entry"])
    api = sorted((e["fullUrl"], e["resource"]["id"]) for e in everything["entry"])
    assert mine == api
    assert len(mine) == everything["total"]
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} >= {"Patient"}


def test_nothing_of_another_patient_is_in_it(client, patient, neighbour, other_patient, histories):
    text = download(client, patient.user).content.decode()

    assert set(REFERENCE.findall(text)) == {str(patient.pk)}
    for other in (neighbour, other_patient):
        assert str(other.pk) not in text
        for walk in other.walk_logs.all():
            assert str(walk.pk) not in text
        for check_in in other.check_ins.all():
            assert str(check_in.pk) not in text
        assert other.user.first_name not in text


@pytest.mark.parametrize("who", ["clinician", "reviewer", "clinic_admin", "superuser"])
def test_staff_have_no_fhir_download(client, request, who):
    assert download(client, request.getfixturevalue(who)).status_code == 404


def test_signed_out_goes_to_sign_in(client, patient):
    response = client.get(reverse("my_fhir_data"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_download_is_in_the_audit_trail(client, patient, histories):
    before = AuditEvent.objects.filter(action=AuditAction.EXPORTED).count()

    download(client, patient.user)

    event = AuditEvent.objects.filter(action=AuditAction.EXPORTED).get()
    assert before == 0
    assert (event.actor, event.patient_id, event.clinic_id) == (
        "the patient",
        patient.pk,
        patient.clinic_id,
    )
    assert "FHIR" in event.subject


def queries_for(client, patient) -> int:
    factories.sign_in(client, patient.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("my_fhir_data")).status_code == 200
    return len(queries)


# The request's own (session, user, patient and clinic, the audit row), and per source its
# rows and at most three prefetches. Never one per row. (Patient alone: 5 queries.)
REQUEST_QUERIES = 4
QUERIES_PER_SOURCE = 4


def test_the_download_costs_the_same_queries_for_a_long_history(
    client, patient, neighbour, clinician, standard_template
):
    give_history(neighbour, standard_template, clinician, walks=1)
    give_history(patient, standard_template, clinician, walks=12)

    short = queries_for(client, neighbour)
    long = queries_for(client, patient)

    assert short == long, (short, long)
    assert long <= REQUEST_QUERIES + QUERIES_PER_SOURCE * len(list(all_sources()))
