"""The Bulk Data export end to end: kick-off, status, manifest, files, for every type.

The tests read TYPES, so each resource type registered later is exported, validated and
counted here with no change to this file.
"""

import datetime
import json
import logging
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from patients.fhir import bulk
from patients.fhir.sources import TYPES, sources_of
from patients.models import AuditEvent, BulkExport, BulkExportFile, Clinic, Patient
from patients.services.api_clients import api_client_revoke
from patients.services.erasure import patient_erase
from scripts import generate_data
from tests import factories
from tests.fhir.helpers import Api, connect, make_api_client, token_for, validated

pytestmark = pytest.mark.django_db

ASYNC = {"HTTP_PREFER": "respond-async"}


def kick_off(api: Api, status: int = 202, **params):
    response = api.client.get(
        "/fhir/R4/$export", params, HTTP_AUTHORIZATION=f"Bearer {api.token}", **ASYNC
    )
    assert response.status_code == status, response.content
    validated(response.json())
    return response


def status_of(api: Api, url: str, status: int = 200):
    response = api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == status, response.content
    return response


def lines_of(api: Api, url: str) -> list[dict]:
    response = api.client.get(url, HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/fhir+ndjson")
    text = b"".join(response.streaming_content).decode()
    assert text.endswith("\n")
    return [validated(json.loads(line)) for line in text.splitlines()]


def export(api: Api, run, **params) -> dict[str, list[dict]]:
    """Kicks off, runs the worker, reads the manifest and every file: resources by type."""
    with run(execute=True):
        started = kick_off(api, **params)
    manifest = status_of(api, started["Content-Location"]).json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["error"] == []
    by_type: dict[str, list[dict]] = {}
    for output in manifest["output"]:
        lines = lines_of(api, output["url"])
        assert len(lines) == output["count"]
        assert {line["resourceType"] for line in lines} == {output["type"]}
        by_type.setdefault(output["type"], []).extend(lines)
    return by_type


def database_counts(clinic_id, since=None) -> dict[str, int]:
    """Each type's rows in the database, by the registry and by the source's own query."""
    counts = {}
    for resource_type, sources in TYPES.items():
        by_rows = sum(source.rows(clinic_id, since=since).count() for source in sources)
        if since is None:
            by_model = sum(
                source.queryset().filter(**{source.clinic_field: clinic_id}).count()
                for source in sources
            )
            assert by_rows == by_model, resource_type
        if by_rows:
            counts[resource_type] = by_rows
    return counts


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def busy_clinic(clinic, clinician, patient, standard_template):
    """Two patients with plans, walks, a check-in, a morning answer and a flag: rows for
    whichever types are registered."""
    second = factories.make_patient(clinic, clinician, "Dora")
    for person in (patient, second):
        factories.assign(person, standard_template, clinician, days_ago=14)
        factories.walk_the_stage(person, count=3)
        walk = factories.report_walk(person)
        factories.answer_morning(walk, "usual", 3)
        factories.report_check_in(person)
        an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
        factories.make_flag(person, by=clinician, opened=an_hour_ago, acked_after=5)
    return clinic


def test_the_whole_clinic_exports_every_type_and_validates(
    client, busy_clinic, clinic_admin, other_patient, run
):
    api = connect(client, busy_clinic, clinic_admin)
    by_type = export(api, run)

    assert {t: len(lines) for t, lines in by_type.items()} == database_counts(busy_clinic.pk)
    others = {str(other_patient.pk)}
    for lines in by_type.values():
        assert not others & {line["id"] for line in lines}
        assert "Patient/" + str(other_patient.pk) not in json.dumps(lines)
    expected = {
        f"{row.pk}{source.suffix}"
        for resource_type in by_type
        for source in sources_of(resource_type)
        for row in source.rows(busy_clinic.pk)
    }
    assert {line["id"] for lines in by_type.values() for line in lines} == expected


def test_manifest_headers_and_request(client, busy_clinic, clinic_admin, run):
    api = connect(client, busy_clinic, clinic_admin)
    moment = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=1)
    with time_machine.travel(moment, tick=False):
        with run(execute=True):
            url = kick_off(api, _type="Patient")["Content-Location"]
        answer = status_of(api, url)
    manifest = answer.json()
    assert manifest["transactionTime"] == moment.astimezone(datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert manifest["request"].endswith("/fhir/R4/$export?_type=Patient")
    assert answer["Expires"] == http_date((moment + datetime.timedelta(hours=24)).timestamp())
    assert [o["type"] for o in manifest["output"]] == ["Patient"]


def test_files_hold_at_most_lines_per_file(client, busy_clinic, clinic_admin, run, monkeypatch):
    monkeypatch.setattr(bulk, "LINES_PER_FILE", 1)
    monkeypatch.setattr(bulk.write_export, "__defaults__", (1,))
    api = connect(client, busy_clinic, clinic_admin)
    by_type = export(api, run)
    files = BulkExportFile.objects.all()
    assert all(file.count == 1 for file in files)
    assert files.count() == sum(len(lines) for lines in by_type.values()) >= 2


def test_since_and_type_narrow_the_export(client, clinic, clinician, clinic_admin, run):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=3)):
        factories.make_patient(clinic, clinician, "Old")
    new = factories.make_patient(clinic, clinician, "New")
    api = connect(client, clinic, clinic_admin)
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()

    by_type = export(api, run, _type="Patient", _since=since)
    assert [line["id"] for line in by_type["Patient"]] == [str(new.pk)]
    assert set(by_type) == {"Patient"}


def test_nothing_changed_at_or_after_the_transaction_time_goes_in(clinic, clinician, clinic_admin):
    factories.make_patient(clinic, clinician, "Before")
    api_client, _secret = make_api_client(clinic, clinic_admin)
    export = BulkExport.objects.create(
        client=api_client,
        clinic=clinic,
        request_url="x",
        status="running",
        transaction_time=timezone.now(),
    )
    factories.make_patient(clinic, clinician, "After")
    assert bulk.write_export(export) == 1


def test_another_clinics_client_sees_none_of_it(
    client, busy_clinic, clinic_admin, other_clinic, other_clinician, run
):
    api = connect(client, busy_clinic, clinic_admin)
    with run(execute=True):
        url = kick_off(api)["Content-Location"]
    file_url = status_of(api, url).json()["output"][0]["url"]
    admin = factories.make_staff("olga", other_clinic, "clinic_admin")
    stranger = connect(client, other_clinic, admin, name="Other system")
    status_of(stranger, url, status=404)
    status_of(stranger, file_url, status=404)
    # A second client of the same clinic is a stranger to this export too.
    sibling = connect(client, busy_clinic, clinic_admin, name="Warehouse")
    status_of(sibling, url, status=404)
    by_type = export(stranger, run)
    assert by_type == {}


def test_parameters_are_checked(client, clinic, clinic_admin, patient):
    api = connect(client, clinic, clinic_admin)
    refused = [
        {"_type": "Patient,Spaceship"},
        {"_type": ""},
        {"_since": "2024-05-01"},
        {"_since": "2024-05-01T00:00:00"},
        {"_since": "yesterday"},
        {"_outputFormat": "text/csv"},
        {"_typeFilter": "Patient?gender=female"},
        {"_elements": "id"},
        {"includeAssociatedData": "LatestProvenanceResources"},
        {"colour": "blue"},
    ]
    for params in refused:
        outcome = kick_off(api, status=400, **params).json()
        assert outcome["issue"][0]["diagnostics"], params
    no_prefer = client.get("/fhir/R4/$export", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert no_prefer.status_code == 400
    assert "respond-async" in no_prefer.json()["issue"][0]["diagnostics"]
    assert not BulkExport.objects.exists()
    kick_off(api, status=202, _outputFormat="ndjson", _since="2024-05-01T00:00:00+01:00")
    no_token = client.get("/fhir/R4/$export", **ASYNC)
    assert no_token.status_code == 401


@pytest.mark.parametrize(
    "since",
    [
        "2024-02-30T00:00:00Z",  # no such day
        "2024-01-01T25:00:00Z",  # no such hour
        "2024-01-01T00:00:00+99:00",  # no such offset
        "0001-01-01T00:00:00+01:00",  # before the first moment in UTC
        "9999-12-31T23:59:59-01:00",  # after the last
    ],
)
def test_a_since_that_is_well_formed_but_no_moment_is_400(client, clinic, clinic_admin, since):
    api = connect(client, clinic, clinic_admin)
    outcome = kick_off(api, status=400, _since=since).json()
    assert "_since" in outcome["issue"][0]["diagnostics"]
    assert not BulkExport.objects.exists()


def test_one_export_at_a_time_and_progress(client, clinic, clinic_admin, patient):
    api = connect(client, clinic, clinic_admin)
    # Not run: the on-commit hook never fires inside the test's transaction.
    url = kick_off(api)["Content-Location"]
    busy = kick_off(api, status=429)
    assert busy["Retry-After"]
    waiting = status_of(api, url, status=202)
    assert waiting["X-Progress"] == "queued"
    assert waiting["Retry-After"]

    bulk.run_bulk_export.call(url.rsplit("/", 1)[1])
    assert status_of(api, url).json()["output"]
    kick_off(api, status=202)


def test_an_export_whose_worker_died_stops_blocking_after_two_hours(client, clinic, clinic_admin):
    api_client, secret = make_api_client(clinic, clinic_admin)
    api = Api(client, token_for(client, api_client, secret))
    url = kick_off(api)["Content-Location"]  # never run: as if no worker took it
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=119)):
        api.token = token_for(client, api_client, secret)  # tokens last an hour
        kick_off(api, status=429)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=121)):
        api.token = token_for(client, api_client, secret)
        # Polling alone says so: the client is not told "queued" until it expires.
        outcome = validated(status_of(api, url, status=500).json())
        kick_off(api, status=202)
    assert "did not finish" in outcome["issue"][0]["diagnostics"]


def test_cancel_deletes_the_files_and_stops_a_queued_export(client, busy_clinic, clinic_admin, run):
    api = connect(client, busy_clinic, clinic_admin)
    with run(execute=True):
        url = kick_off(api)["Content-Location"]
    file_url = status_of(api, url).json()["output"][0]["url"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api.token}"}
    assert client.delete(url, **auth).status_code == 202
    assert not BulkExportFile.objects.exists()
    status_of(api, url, status=404)
    status_of(api, file_url, status=404)
    assert client.delete(url, **auth).status_code == 404

    queued = kick_off(api)["Content-Location"]
    assert client.delete(queued, **auth).status_code == 202
    bulk.run_bulk_export.call(queued.rsplit("/", 1)[1])
    assert not BulkExportFile.objects.exists()
    assert BulkExport.objects.get(pk=queued.rsplit("/", 1)[1]).status == "cancelled"


def test_a_cancel_while_running_stops_at_the_next_file(busy_clinic, clinic_admin, monkeypatch):
    api_client, _secret = make_api_client(busy_clinic, clinic_admin)
    export = BulkExport.objects.create(client=api_client, clinic=busy_clinic, request_url="x")
    written = []

    def cancel_after_first(self):
        if written:
            BulkExport.objects.filter(pk=export.pk).update(status="cancelled")
        written.append(1)
        return original(self)

    original = bulk.FileWriter.flush
    monkeypatch.setattr(bulk.FileWriter, "flush", cancel_after_first)
    monkeypatch.setattr(bulk.write_export, "__defaults__", (1,))
    bulk.run_bulk_export.call(str(export.pk))
    export.refresh_from_db()
    assert export.status == "cancelled"
    assert not BulkExportFile.objects.exists()


def test_expired_exports_are_gone(client, busy_clinic, clinic_admin, run):
    api = connect(client, busy_clinic, clinic_admin)
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=25)), run(execute=True):
        url = kick_off(api)["Content-Location"]
    status_of(api, url, status=404)
    assert BulkExport.objects.count() == 1
    # The next kick-off sweeps it, files and all.
    with run(execute=True):
        fresh = kick_off(api)["Content-Location"]
    assert [str(pk) for pk in BulkExport.objects.values_list("pk", flat=True)] == [
        fresh.rsplit("/", 1)[1]
    ]
    assert not BulkExportFile.objects.exclude(export_id=fresh.rsplit("/", 1)[1]).exists()


def test_a_failed_export_says_so_plainly(
    client, clinic, clinic_admin, patient, run, monkeypatch, caplog
):
    def broken(export, lines_per_file=1):
        raise RuntimeError("disk on fire at /secret/path")

    monkeypatch.setattr(bulk, "write_export", broken)
    api = connect(client, clinic, clinic_admin)
    with caplog.at_level(logging.ERROR, logger="patients.fhir.bulk"), run(execute=True):
        url = kick_off(api)["Content-Location"]
    assert "failed" in caplog.text
    answer = status_of(api, url, status=500)
    outcome = validated(answer.json())
    assert "could not be written" in outcome["issue"][0]["diagnostics"]
    assert "secret" not in answer.content.decode()
    assert BulkExport.objects.get().error
    kick_off(api, status=202)  # a failed export does not block the next


def test_kick_off_and_downloads_are_audited(client, busy_clinic, clinic_admin, run):
    api = connect(client, busy_clinic, clinic_admin)
    before = AuditEvent.objects.filter(action="exported").count()
    by_type = export(api, run)
    files = BulkExportFile.objects.count()
    events = AuditEvent.objects.filter(action="exported").order_by("pk")[before:]
    assert len(events) == 1 + files
    assert all(event.clinic_id == busy_clinic.pk for event in events)
    assert all("API client Record system" in event.actor for event in events)
    assert by_type
    # Each file's download names every patient in it, so "who read this patient's
    # records?" finds the export.
    for patient in Patient.objects.filter(clinic=busy_clinic):
        read = AuditEvent.objects.concerning(patient.pk).filter(action="exported")
        files = {event.detail.split(": ")[1].split(" file ")[0] for event in read}
        assert {event.subject for event in read} == {"FHIR bulk export file"}
        assert set(by_type) <= files


def test_erasing_a_patient_deletes_the_clinics_exports(
    client, busy_clinic, clinic_admin, patient, other_patient, run
):
    api = connect(client, busy_clinic, clinic_admin)
    export(api, run)
    other_admin = factories.make_staff("olga", other_patient.clinic, "clinic_admin")
    elsewhere = connect(client, other_patient.clinic, other_admin, name="Other")
    export(elsewhere, run)
    counts = patient_erase(patient=patient, by=clinic_admin, reason="asked")
    assert counts["bulk exports"] == 1
    assert not BulkExport.objects.filter(clinic=busy_clinic).exists()
    assert not BulkExportFile.objects.filter(export__clinic=busy_clinic).exists()
    assert BulkExport.objects.filter(clinic=other_patient.clinic).count() == 1


def test_the_worker_reads_in_a_fixed_number_of_queries(
    busy_clinic, clinic, clinician, clinic_admin
):
    """More rows cost no more queries while they fit one chunk and one file per type."""
    api_client, _secret = make_api_client(clinic, clinic_admin)

    def queries_for_an_export() -> int:
        export = BulkExport.objects.create(client=api_client, clinic=clinic, request_url="x")
        with CaptureQueriesContext(connection) as captured:
            bulk.run_bulk_export.call(str(export.pk))
        return len(captured)

    small = queries_for_an_export()
    for n in range(10):
        factories.make_patient(clinic, clinician, f"More{n}")
    assert queries_for_an_export() == small


def test_a_generated_clinic_exports_with_the_databases_counts(client, standard_template, run):
    call_command(
        generate_data.Command(),
        "--clinics=2",
        "--clinicians=2",
        "--patients=16",
        "--focus-patients=10",
        "--walks=300",
        "--check-ins=30",
        "--flags=20",
        "--seed=17",
        "--password=generated-password-1",
        stdout=StringIO(),
    )
    generated = Clinic.objects.get(name="Clinic 01 (generated)")
    admin = factories.make_staff("gina", generated, "clinic_admin")
    api = connect(client, generated, admin)
    by_type = export(api, run)

    assert {t: len(lines) for t, lines in by_type.items()} == database_counts(generated.pk)
    assert len(by_type["Patient"]) == 10 == Patient.objects.filter(clinic=generated).count()
    ids = {line["id"] for lines in by_type.values() for line in lines}
    elsewhere = Patient.objects.exclude(clinic=generated).values_list("pk", flat=True)
    assert not ids & {str(pk) for pk in elsewhere}


def test_revoking_a_client_deletes_its_exports(client, busy_clinic, clinic_admin, run):
    # Nobody may download them any more: a copy of the clinic's records kept for no one.
    api_client, secret = make_api_client(busy_clinic, clinic_admin)
    api = Api(client, token_for(client, api_client, secret))
    export(api, run)
    sibling = connect(client, busy_clinic, clinic_admin, name="Sibling")
    export(sibling, run)

    api_client_revoke(client=api_client, by=clinic_admin)

    assert not BulkExport.objects.filter(client=api_client).exists()
    assert not BulkExportFile.objects.filter(export__client=api_client).exists()
    assert BulkExportFile.objects.filter(export__client__name="Sibling").exists()


def test_the_hourly_job_deletes_expired_exports_nobody_asks_for_again(
    client, busy_clinic, clinic_admin, run
):
    api = connect(client, busy_clinic, clinic_admin)
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=25)):
        export(api, run)
    fresh = export(api, run)
    kept = BulkExport.objects.order_by("-requested_at").first()
    # The second kick-off swept the first; make one expire with nobody asking again.
    BulkExport.objects.filter(pk=kept.pk).update(
        requested_at=timezone.now() - datetime.timedelta(hours=25)
    )
    out = StringIO()

    call_command("delete_expired_exports", stdout=out)

    assert "1 expired bulk export deleted" in out.getvalue()
    assert not BulkExport.objects.exists()
    assert not BulkExportFile.objects.exists()
    assert fresh


def test_a_patients_own_words_cannot_name_another_patient_in_the_download_audit(
    client, clinic, clinician, clinic_admin, patient, other_patient, standard_template, run
):
    """The audit of a file names the patients it holds by their references, not by a
    pattern over the text a patient wrote into it."""
    factories.assign(patient, standard_template, clinician, days_ago=3)
    factories.report_walk(patient, note=f'Walked with "Patient/{other_patient.pk}')
    api = connect(client, clinic, clinic_admin)

    assert export(api, run, _type="Observation")["Observation"]

    assert not AuditEvent.objects.concerning(other_patient.pk).filter(action="exported")
    downloads = AuditEvent.objects.concerning(patient.pk).filter(action="exported")
    assert downloads.filter(
        subject="FHIR bulk export file", detail__contains=": Observation file "
    ).exists()
