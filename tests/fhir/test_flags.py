"""Red flags as Flag and DetectedIssue: raised by the real rules, acted on, searched."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients.choices import Rule, SeriousSymptom
from patients.fhir import codes
from patients.fhir.dates import instant
from patients.fhir.sources import sources_of
from patients.models import Flag
from patients.safety.engine import flag_acknowledge, flag_resolve
from patients.services.reports import walk_log_delete
from tests.factories import make_flag, make_patient, report_check_in, report_walk
from tests.fhir.helpers import connect

pytestmark = pytest.mark.django_db

ELECTRIC_THIGH = {
    "pain_after": 5,
    "pain_character": ["electric_shock"],
    "pain_areas": ["thigh"],
    "pain_side": "left",
}


def _resolves(api, reference: str) -> None:
    """A reference the API serves reads; one to a type not registered (yet) is well formed."""
    resource_type, resource_id = reference.split("/")
    if sources_of(resource_type):
        assert api.read(f"/fhir/R4/{reference}")["id"] == resource_id


def test_a_flag_from_open_to_resolved(client, clinic, clinician, clinic_admin, patient):
    check_in = report_check_in(patient, SeriousSymptom.SADDLE, pain_now=6)
    flag = Flag.objects.get(patient=patient, rule=Rule.CAUDA_EQUINA)
    api = connect(client, clinic, clinic_admin)

    opened = api.read(f"/fhir/R4/Flag/{flag.pk}")
    assert opened["status"] == "active"
    assert opened["category"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/flag-category",
        "code": "clinical",
        "display": "Clinical",
    }
    rule, severity = opened["code"]["coding"]
    assert rule == {
        "system": codes.RED_FLAG_RULE,
        "code": "cauda_equina",
        "display": "Cauda equina symptoms",
    }
    assert (severity["system"], severity["code"]) == (codes.SEVERITY, "urgent")
    assert opened["code"]["text"] == flag.summary
    assert opened["period"] == {"start": instant(flag.opened_at)}
    assert opened["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert opened["author"] == {"display": "Stepwise red-flag rules"}
    assert opened["extension"] == [
        {"url": codes.FLAG_DETAIL, "valueReference": {"reference": f"DetectedIssue/{flag.pk}"}}
    ]

    issue = api.read(f"/fhir/R4/DetectedIssue/{flag.pk}")
    assert (issue["status"], issue["severity"]) == ("preliminary", "high")
    assert issue["code"] == opened["code"]
    assert "mitigation" not in issue
    [evidence] = issue["evidence"]
    assert evidence["detail"][0]["reference"] == f"QuestionnaireResponse/{check_in.pk}"
    _resolves(api, evidence["detail"][0]["reference"])

    flag_acknowledge(flag=flag, by=clinician)
    acknowledged = api.read(f"/fhir/R4/Flag/{flag.pk}")
    assert acknowledged["status"] == "active"
    assert acknowledged["meta"]["lastUpdated"] > opened["meta"]["lastUpdated"]
    flag_resolve(flag=flag, by=clinician, action="refer", note="Sent to A&E.")
    flag.refresh_from_db()

    resolved = api.read(f"/fhir/R4/Flag/{flag.pk}")
    assert resolved["status"] == "inactive"
    assert resolved["period"]["end"] == instant(flag.resolved_at)
    issue = api.read(f"/fhir/R4/DetectedIssue/{flag.pk}")
    assert issue["status"] == "final"
    acknowledgement, resolution = issue["mitigation"]
    assert acknowledgement["action"]["coding"][0]["code"] == "acknowledged"
    assert resolution["action"]["coding"][0] == {
        "system": codes.FLAG_MITIGATION,
        "code": "refer",
        "display": "Refer",
    }
    assert resolution["action"]["text"] == "Refer; Sent to A&E."
    assert resolution["date"] == instant(flag.resolved_at)
    assert resolution["author"]["display"] == clinician.get_full_name() or clinician.username


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("urgent", "high"), ("same_day", "high"), ("review", "moderate"), ("info", "low")],
)
def test_severity(client, clinic, clinic_admin, patient, severity, expected):
    flag = make_flag(patient, severity=severity)
    api = connect(client, clinic, clinic_admin)
    assert api.read(f"/fhir/R4/DetectedIssue/{flag.pk}")["severity"] == expected


def test_a_walks_evidence_and_its_withdrawal(client, clinic, clinic_admin, patient):
    walk = report_walk(patient, **ELECTRIC_THIGH)
    flag = Flag.objects.get(patient=patient, rule=Rule.NEW_NERVE)
    api = connect(client, clinic, clinic_admin)
    issue = api.read(f"/fhir/R4/DetectedIssue/{flag.pk}")
    [evidence] = issue["evidence"]
    reference = evidence["detail"][0]["reference"]
    assert reference == f"Observation/{walk.pk}-pain"
    _resolves(api, reference)
    # When, in words a clinician reads on a record's screen, before what was found.
    assert re.match(r"\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} UTC: \S", evidence["code"][0]["text"])
    before = issue["meta"]["lastUpdated"]

    walk_log_delete(log=walk, by=patient.user, now=timezone.now())

    issue = api.read(f"/fhir/R4/DetectedIssue/{flag.pk}")
    assert "Evidence withdrawn" in issue["detail"]
    # The deleted walk is served no more: named in words, not referenced.
    assert issue["evidence"][0]["detail"] == [{"display": "A report the patient has since deleted"}]
    assert issue["meta"]["lastUpdated"] > before
    changed = api.read("/fhir/R4/DetectedIssue", _lastUpdated=f"ge{issue['meta']['lastUpdated']}")
    assert [entry["resource"]["id"] for entry in changed["entry"]] == [str(flag.pk)]


def test_search_read_everything_and_another_clinics(
    client, clinic, clinic_admin, patient, other_patient
):
    report_check_in(patient, SeriousSymptom.SADDLE)
    report_check_in(other_patient, SeriousSymptom.SADDLE)
    mine = Flag.objects.get(patient=patient)
    theirs = Flag.objects.get(patient=other_patient)
    api = connect(client, clinic, clinic_admin)
    for resource_type in ("Flag", "DetectedIssue"):
        found = api.read(f"/fhir/R4/{resource_type}", patient=f"Patient/{patient.pk}")
        assert [entry["resource"]["id"] for entry in found["entry"]] == [str(mine.pk)]
        assert api.read(f"/fhir/R4/{resource_type}")["total"] == 1
        api.read(f"/fhir/R4/{resource_type}/{theirs.pk}", status=404)
    everything = api.read(f"/fhir/R4/Patient/{patient.pk}/$everything")
    served = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in everything["entry"]}
    assert {("Flag", str(mine.pk)), ("DetectedIssue", str(mine.pk))} <= served


def _page_queries(api, resource_type: str, count: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        found = api.read(f"/fhir/R4/{resource_type}", _count=count)
    assert len(found["entry"]) == count
    return len(queries)


def test_a_page_of_twenty_costs_what_a_page_of_two_does(client, clinic, clinician, clinic_admin):
    for number in range(20):
        patient = make_patient(clinic, clinician, f"P{number}")
        report_walk(patient, **ELECTRIC_THIGH)
        report_check_in(patient, SeriousSymptom.SADDLE)
    flags = Flag.objects.filter(patient__clinic=clinic)
    for flag in flags[:5]:
        flag_resolve(flag=flag, by=clinician, action="continue", note="ok", against_warning=True)
    api = connect(client, clinic, clinic_admin)
    for resource_type in ("Flag", "DetectedIssue"):
        assert _page_queries(api, resource_type, 20) <= _page_queries(api, resource_type, 2)
