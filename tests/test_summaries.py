"""The per-patient summary (patients/summaries.py): what it holds, that the services keep
it, and the command that rebuilds it. tests/test_summary_property.py checks any sequence."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from patients.models import PatientSummary
from patients.summaries import summary_refresh
from programs import services as plans
from programs.progression import Light, LightReason
from tests import factories
from tests.safety.test_clinic_thresholds import clinic_form

pytestmark = pytest.mark.django_db

# Wednesday 2 December 2026, midday in London.
WEDNESDAY = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def people(db):
    clinic = factories.make_clinic("Summary Clinic")
    clinician = factories.make_staff("summary-doc", clinic)
    template = factories.make_template("Summary ladder", clinic)
    return clinic, clinician, template


def summary(patient) -> PatientSummary:
    return PatientSummary.objects.get(pk=patient.pk)


def test_enrolling_makes_an_empty_summary(people):
    clinic, clinician, _template = people
    patient = factories.make_patient(clinic, clinician, "Nell")
    row = summary(patient)
    assert (row.plan_id, row.light, row.week_walks, row.open_flags) == (None, "", 0, 0)
    assert row.pain_trend == [] and row.last_walk_on is None


def test_a_walk_updates_the_week_the_trend_and_the_light(people):
    clinic, clinician, template = people
    with time_machine.travel(WEDNESDAY, tick=False):
        patient = factories.make_patient(clinic, clinician, "Olu")
        plan = factories.assign(patient, template, clinician, days_ago=2)
        factories.report_walk(patient, minutes=12, pain_after=2)
        factories.report_walk(
            patient, walked_on=datetime.date(2026, 11, 30), minutes=10, pain_after=7
        )
        row = summary(patient)
    assert row.plan_id == plan.pk
    assert (row.stage_position, row.stage_count) == (1, 3)
    assert (row.target_walks, row.target_minutes) == (3, 30)
    assert (row.week_walks, row.week_minutes) == (2, 22)
    assert row.last_walk_on == datetime.date(2026, 12, 2)
    assert row.pain_trend == [7, 2]  # oldest first
    assert (row.light, row.light_reason) == (Light.AMBER, LightReason.PAIN_AFTER)


def test_a_new_week_reads_as_nothing_walked_yet(people):
    clinic, clinician, template = people
    with time_machine.travel(WEDNESDAY, tick=False):
        patient = factories.make_patient(clinic, clinician, "Pia")
        factories.assign(patient, template, clinician)
        factories.report_walk(patient, minutes=15)
    row = summary(patient)
    assert row.this_week(datetime.date(2026, 12, 6)) == (1, 15)  # Sunday, same week
    assert row.this_week(datetime.date(2026, 12, 7)) == (0, 0)  # Monday, a new week
    assert row.last_walk_on == datetime.date(2026, 12, 2)


def test_a_serious_symptom_shows_as_an_open_urgent_flag_and_a_paused_plan(people):
    clinic, clinician, template = people
    patient = factories.make_patient(clinic, clinician, "Quin")
    factories.assign(patient, template, clinician)
    factories.report_check_in(patient, "saddle")
    row = summary(patient)
    assert (row.open_flags, row.open_urgent) == (1, 1)
    assert row.oldest_open_at is not None
    assert row.light == ""  # a paused plan has no light
    assert row.plan.status == "paused"


def test_ready_once_the_stage_is_over_on_green(people):
    clinic, clinician, template = people
    patient = factories.make_patient(clinic, clinician, "Rhea")
    factories.assign(patient, template, clinician, days_ago=14)
    factories.walk_the_stage(patient)
    row = summary(patient)
    today = clinic.today()
    assert row.ready(today)
    assert not row.ready(today - datetime.timedelta(days=1))  # the stage was not yet over


def test_a_plan_change_is_in_the_summary_at_once(people):
    clinic, clinician, template = people
    patient = factories.make_patient(clinic, clinician, "Sol")
    plan = factories.assign(patient, template, clinician)
    plans.plan_advance(assignment=plan, by=clinician, reason="Well.", today=clinic.today())
    assert (summary(patient).stage_position, summary(patient).target_minutes) == (2, 45)
    plans.plan_end(assignment=plan, by=clinician, reason="Done.")
    assert (summary(patient).plan_id, summary(patient).stage_position) == (None, None)


def test_the_rebuild_command_builds_missing_and_stale_rows(people):
    clinic, clinician, template = people
    patient = factories.make_patient(clinic, clinician, "Tam")
    factories.assign(patient, template, clinician)
    factories.report_walk(patient, minutes=20)
    other = factories.make_patient(clinic, clinician, "Uma")
    PatientSummary.objects.filter(pk=other.pk).delete()
    PatientSummary.objects.filter(pk=patient.pk).update(week_walks=99)

    out = io.StringIO()
    call_command("rebuild_summaries", "--missing", stdout=out)
    assert "Rebuilt 1 patient summaries" in out.getvalue()
    assert summary(other).week_walks == 0 and summary(patient).week_walks == 99

    again = io.StringIO()
    call_command("rebuild_summaries", "--missing", stdout=again)
    assert again.getvalue() == "Every patient has a summary; nothing to rebuild.\n"

    call_command("rebuild_summaries", stdout=io.StringIO())
    assert summary(patient).week_walks == 1


def test_refreshing_twice_changes_nothing(people):
    clinic, clinician, template = people
    patient = factories.make_patient(clinic, clinician, "Vic")
    factories.assign(patient, template, clinician)
    factories.report_walk(patient)
    today = clinic.today()
    before = summary(patient).as_read_on(today)
    summary_refresh(patient)
    assert summary(patient).as_read_on(today) == before


def test_a_patient_without_a_summary_comes_first_and_counts_as_flagged(client, people):
    """Until their row exists (after a bulk load or an upgrade) they are not known to be
    quiet: shown first, and under "only patients with flags"; the page then makes it."""
    clinic, clinician, _template = people
    factories.make_patient(clinic, clinician, "Abe")
    unknown = factories.make_patient(clinic, clinician, "Zoe")
    PatientSummary.objects.filter(pk=unknown.pk).delete()
    factories.sign_in(client, clinician)

    flagged = client.get(reverse("staff_home"), {"flagged": "1"}).context["rows"]
    everyone = client.get(reverse("staff_home")).context["rows"]

    assert [row["patient"] for row in flagged] == [unknown]
    assert PatientSummary.objects.filter(pk=unknown.pk).exists()  # made when shown
    assert [row["patient"].user.first_name for row in everyone] == ["Abe", "Zoe"]


def test_deleting_a_plan_in_the_admin_takes_it_off_the_summary(client, people):
    clinic, clinician, template = people
    patient = factories.make_patient(clinic, clinician, "Wyn")
    plan = factories.assign(patient, template, clinician)
    root = factories.make_staff("root-summary", None, is_superuser=True)
    factories.sign_in(client, root)

    url = reverse("admin:programs_planassignment_delete", args=[plan.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302

    row = summary(patient)
    assert (row.plan_id, row.stage_position, row.target_walks) == (None, None, None)


def test_moving_a_clinic_to_another_time_zone_reworks_its_patients_weeks(client, people):
    clinic, clinician, template = people
    # Monday 09:00 in Auckland is still Sunday in London.
    monday_in_auckland = datetime.datetime(2026, 11, 29, 20, 0, tzinfo=datetime.UTC)
    clinic.timezone = "Pacific/Auckland"
    clinic.save()
    root = factories.make_staff("root-zones", None, is_superuser=True)
    with time_machine.travel(monday_in_auckland, tick=False):
        patient = factories.make_patient(clinic, clinician, "Xan")
        factories.assign(patient, template, clinician)
        factories.report_walk(patient, walked_on=datetime.date(2026, 11, 30), minutes=10)
        factories.sign_in(client, root)
        url = reverse("admin:patients_clinic_change", args=[clinic.pk])
        form = clinic_form(clinic, timezone="Europe/London")
        assert client.post(url, form).status_code == 302
        clinic.refresh_from_db()
        today = clinic.today()
        assert today == datetime.date(2026, 11, 29)
        assert summary(patient).as_read_on(today)["week_walks"] == 0  # Sunday's week: none
        assert summary(patient).week_starts_on == datetime.date(2026, 11, 23)
