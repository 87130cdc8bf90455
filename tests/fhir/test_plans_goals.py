"""CarePlan and Goal: a patient's plan and goals as the clinic's record system reads them."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.fhir import plans
from programs import services
from programs.models import PlanStatus
from tests import factories
from tests.fhir.helpers import connect, validated

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MONDAY = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def days_after(start: datetime.datetime, days: int) -> datetime.datetime:
    return start + datetime.timedelta(days=days)


def ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


@pytest.fixture
def api(client, clinic, clinic_admin):
    return connect(client, clinic, clinic_admin)


@pytest.fixture
def plan(patient, clinician, clinic_template):
    with time_machine.travel(MONDAY, tick=False):
        patient.goal = "Walk to my granddaughter's school"
        patient.save()
        return factories.assign(patient, clinic_template, clinician)


def statuses(care_plan: dict) -> list[str]:
    return [activity["detail"]["status"] for activity in care_plan["activity"]]


def test_every_plan_status_has_a_fhir_status():
    assert set(plans.STATUS) == set(PlanStatus)


def test_care_plan_shows_the_plan_and_its_stages(api, plan, patient):
    care_plan = api.read(f"/fhir/R4/CarePlan/{plan.pk}")
    assert care_plan["status"] == "active"
    assert care_plan["intent"] == "plan"
    assert care_plan["title"] == "North ladder"
    assert care_plan["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert care_plan["period"] == {"start": "2026-11-02"}
    assert care_plan["created"].startswith("2026-11-02T09:00:00")
    assert care_plan["author"] == {"display": "Carol Staff"}
    assert care_plan["goal"] == [
        {"reference": f"Goal/{patient.pk}-walking"},
        {"reference": f"Goal/{patient.pk}-own"},
    ]
    assert statuses(care_plan) == ["in-progress", "not-started", "not-started"]
    second = care_plan["activity"][1]["detail"]
    assert second["code"] == {"text": "Walking"}
    assert second["scheduledTiming"]["repeat"] == {
        "boundsDuration": {
            "value": 2,
            "unit": "wk",
            "system": "http://unitsofmeasure.org",
            "code": "wk",
        },
        "frequency": 3,
        "period": 1,
        "periodUnit": "wk",
        "duration": 15,
        "durationUnit": "min",
    }
    assert second["description"] == (
        "Stage 2: walk 15 minutes on flat ground, 3 times a week, for 2 weeks. Guidance for stage 2"
    )


def test_care_plan_follows_every_change(api, plan, clinician):
    """Advance, hold, step back, pause, resume and end each show, and each is a change."""
    steps = [
        (services.plan_advance, "active", ["completed", "in-progress", "not-started"]),
        (services.plan_hold, "active", ["completed", "in-progress", "not-started"]),
        (services.plan_step_back, "active", ["in-progress", "not-started", "not-started"]),
        (services.plan_pause, "on-hold", ["on-hold", "not-started", "not-started"]),
        (services.plan_resume, "active", ["in-progress", "not-started", "not-started"]),
    ]
    seen = api.read(f"/fhir/R4/CarePlan/{plan.pk}")["meta"]["lastUpdated"]
    for day, (change, status, stages) in enumerate(steps, start=1):
        moment = days_after(MONDAY, day)
        with time_machine.travel(moment, tick=False):
            change(assignment=plan, by=clinician, reason="", today=moment.date())
        care_plan = api.read(f"/fhir/R4/CarePlan/{plan.pk}")
        assert (care_plan["status"], statuses(care_plan)) == (status, stages), change
        assert care_plan["meta"]["lastUpdated"] > seen, change
        seen = care_plan["meta"]["lastUpdated"]
    services.plan_advance(assignment=plan, by=clinician, reason="", today=MONDAY.date())
    services.plan_end(assignment=plan, by=clinician, reason="Discharged")
    ended = api.read(f"/fhir/R4/CarePlan/{plan.pk}")
    assert ended["status"] == "completed"
    assert ended["period"]["end"] == plan.patient.clinic.today().isoformat()
    assert statuses(ended) == ["completed", "stopped", "cancelled"]


def test_a_plan_ended_at_its_last_stage_completed_it(api, plan, clinician):
    for _ in range(2):
        services.plan_advance(assignment=plan, by=clinician, reason="", today=MONDAY.date())
    services.plan_end(assignment=plan, by=clinician, reason="Discharged")
    assert statuses(api.read(f"/fhir/R4/CarePlan/{plan.pk}")) == ["completed"] * 3


def test_goals_follow_the_plan_to_discharge(api, plan, patient, clinician):
    walking = api.read(f"/fhir/R4/Goal/{patient.pk}-walking")
    assert walking["lifecycleStatus"] == "active"
    assert walking["description"]["text"] == "Walk 30 minutes, 5 times a week"
    assert walking["subject"] == {"reference": f"Patient/{patient.pk}"}
    assert walking["startDate"] == "2026-11-02"
    minutes, walks = walking["target"]
    assert minutes["measure"]["coding"][0]["code"] == "55411-3"
    assert minutes["measure"]["coding"][0]["system"] == "http://loinc.org"
    assert minutes["detailQuantity"] == {
        "value": 30,
        "unit": "min",
        "system": "http://unitsofmeasure.org",
        "code": "min",
    }
    assert walks["detailQuantity"]["value"] == 5
    assert walks["detailQuantity"]["code"] == "/wk"
    own = api.read(f"/fhir/R4/Goal/{patient.pk}-own")
    assert own["description"]["text"] == "Walk to my granddaughter's school"
    assert own["expressedBy"] == {"reference": f"Patient/{patient.pk}"}
    assert own["lifecycleStatus"] == "active"

    before = walking["meta"]["lastUpdated"]
    services.plan_end(assignment=plan, by=clinician, reason="Discharged")
    walking = api.read(f"/fhir/R4/Goal/{patient.pk}-walking")
    assert walking["lifecycleStatus"] == "completed"
    assert walking["statusDate"] == patient.clinic.today().isoformat()
    assert walking["meta"]["lastUpdated"] > before
    assert api.read(f"/fhir/R4/Goal/{patient.pk}-own")["lifecycleStatus"] == "completed"


def test_goals_only_where_there_is_one(api, clinic, clinician, plan, patient):
    """No plan yet: no program goal; no words of their own: no own goal."""
    planless = factories.make_patient(clinic, clinician, "Dora", goal="Play golf again")
    wordless = factories.make_patient(clinic, clinician, "Eve")
    factories.assign(wordless, factories.make_template("Other", clinic), clinician)
    found = ids(api.read("/fhir/R4/Goal", _count=50))
    assert sorted(found) == sorted(
        [
            f"{patient.pk}-walking",
            f"{wordless.pk}-walking",
            f"{patient.pk}-own",
            f"{planless.pk}-own",
        ]
    )
    api.read(f"/fhir/R4/Goal/{planless.pk}-walking", status=404)
    api.read(f"/fhir/R4/Goal/{wordless.pk}-own", status=404)
    care_plan = api.read("/fhir/R4/CarePlan", patient=f"Patient/{wordless.pk}")["entry"][0]
    assert care_plan["resource"]["goal"] == [{"reference": f"Goal/{wordless.pk}-walking"}]


def test_reads_refuse_wrong_suffixes_and_other_clinics(
    api, plan, patient, other_patient, other_clinician, other_clinic_template
):
    other_plan = factories.assign(other_patient, other_clinic_template, other_clinician)
    api.read(f"/fhir/R4/Goal/{patient.pk}-running", status=404)
    api.read(f"/fhir/R4/Goal/{patient.pk}", status=404)
    api.read(f"/fhir/R4/CarePlan/{plan.pk}-walking", status=404)
    api.read(f"/fhir/R4/CarePlan/{other_plan.pk}", status=404)
    api.read(f"/fhir/R4/Goal/{other_patient.pk}-walking", status=404)
    assert ids(api.read("/fhir/R4/CarePlan")) == [str(plan.pk)]


def test_search_by_patient_and_last_updated(api, clinic, clinician, plan, patient):
    later = factories.make_patient(clinic, clinician, "Fay")
    with time_machine.travel(days_after(MONDAY, 10), tick=False):
        later_plan = factories.assign(later, factories.make_template("Later", clinic), clinician)
    assert ids(api.read("/fhir/R4/CarePlan", patient=f"Patient/{later.pk}")) == [str(later_plan.pk)]
    assert ids(api.read("/fhir/R4/CarePlan", patient=str(patient.pk))) == [str(plan.pk)]
    assert ids(api.read("/fhir/R4/CarePlan", _lastUpdated="ge2026-11-05")) == [str(later_plan.pk)]
    assert ids(api.read("/fhir/R4/CarePlan", _lastUpdated="le2026-11-05")) == [str(plan.pk)]
    assert ids(api.read("/fhir/R4/Goal", _lastUpdated="ge2026-11-05")) == [f"{later.pk}-walking"]
    both = api.read("/fhir/R4/Goal", _lastUpdated=["ge2026-11-01", "le2026-11-03"])
    assert sorted(ids(both)) == sorted([f"{patient.pk}-walking", f"{patient.pk}-own"])


def test_everything_includes_the_plan_and_goals(api, plan, patient):
    everything = api.read(f"/fhir/R4/Patient/{patient.pk}/$everything")
    found = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in everything["entry"]}
    assert {
        ("CarePlan", str(plan.pk)),
        ("Goal", f"{patient.pk}-walking"),
        ("Goal", f"{patient.pk}-own"),
    } <= found


def _queries(api, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        bundle = api.read(path, _count=100)
    return len(queries), len(bundle["entry"])


def test_a_page_costs_the_same_for_twenty_as_for_two(api, clinic, clinician, clinic_template):
    for index in range(2):
        patient = factories.make_patient(clinic, clinician, f"Few{index}", goal="Garden")
        factories.assign(patient, clinic_template, clinician)
    few = {kind: _queries(api, f"/fhir/R4/{kind}") for kind in ("CarePlan", "Goal")}
    for index in range(18):
        patient = factories.make_patient(clinic, clinician, f"Many{index}", goal="Garden")
        factories.assign(patient, clinic_template, clinician)
    many = {kind: _queries(api, f"/fhir/R4/{kind}") for kind in ("CarePlan", "Goal")}
    assert few["CarePlan"][1] == 2 and many["CarePlan"][1] == 20
    assert few["Goal"][1] == 4 and many["Goal"][1] == 40
    for kind in few:
        assert many[kind][0] <= few[kind][0], kind


def test_every_resource_validates(plan, patient):
    from patients.fhir.sources import sources_of

    for kind in ("CarePlan", "Goal"):
        for source in sources_of(kind):
            for row in source.rows(patient.clinic_id):
                validated(source.resource(row))


def test_a_new_own_goal_is_a_change_to_the_plan_that_points_at_it(api, plan, patient):
    before = api.read(f"/fhir/R4/CarePlan/{plan.pk}")
    with time_machine.travel(days_after(MONDAY, 1), tick=False):
        patient.goal = ""
        patient.save()
    after = api.read(f"/fhir/R4/CarePlan/{plan.pk}")
    assert after["goal"] == [{"reference": f"Goal/{patient.pk}-walking"}]
    assert after["meta"]["lastUpdated"] > before["meta"]["lastUpdated"]
    api.read(f"/fhir/R4/Goal/{patient.pk}-own", status=404)
