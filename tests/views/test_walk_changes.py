"""A patient may correct or delete their own walk for 24 hours; every change is kept."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.models import WalkLog
from patients.services.reports import walk_log_create, walk_log_delete
from tests import factories
from tests.factories import make_patient


def log_walk(patient, *, hours_ago: float = 0, **values) -> WalkLog:
    log, _created = walk_log_create(
        patient=patient,
        submission_key=uuid.uuid4(),
        by=patient.user,
        walked_on=patient.clinic.today(),
        minutes=values.pop("minutes", 10),
        terrain="flat",
        pain_before=3,
        pain_after=4,
        **values,
    )
    if hours_ago:
        WalkLog.objects.filter(pk=log.pk).update(
            created_at=timezone.now() - datetime.timedelta(hours=hours_ago)
        )
        log.refresh_from_db()
    return log


def correction(log, **overrides) -> dict:
    data = {
        "walked_on": log.walked_on.isoformat(),
        "minutes": str(log.minutes),
        "terrain": log.terrain,
        "pain_before": str(log.pain_before),
        "pain_after": str(log.pain_after),
        "stopped_early": "no",
        "pain_side": "",
        "effort": "",
        "steps": "",
        "note": "",
    }
    return {**data, **overrides}


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


def test_a_mistake_is_corrected_within_24_hours_and_the_original_is_kept(patient_client, patient):
    log = log_walk(patient, hours_ago=23)

    response = patient_client.post(
        reverse("walk_edit", args=[log.pk]), correction(log, minutes="15")
    )

    log.refresh_from_db()
    assert response.status_code == 302
    assert log.minutes == 15
    history = list(log.revisions.values_list("action", "values__minutes"))
    assert history == [("created", 10), ("corrected", 15)]


def test_after_24_hours_a_walk_is_read_only(patient_client, patient):
    log = log_walk(patient, hours_ago=24.1)

    edit = patient_client.post(reverse("walk_edit", args=[log.pk]), correction(log, minutes="99"))
    delete = patient_client.post(reverse("walk_delete", args=[log.pk]))

    log.refresh_from_db()
    assert edit.status_code == delete.status_code == 302
    assert (log.minutes, log.deleted_at) == (10, None)
    page = patient_client.get(reverse("walk_detail", args=[log.pk])).content.decode()
    assert "Correct this walk" not in page


def test_a_deleted_walk_leaves_the_record_but_is_kept_with_its_history(patient_client, patient):
    log = log_walk(patient)

    confirm = patient_client.get(reverse("walk_delete", args=[log.pk]))
    response = patient_client.post(reverse("walk_delete", args=[log.pk]))

    assert confirm.status_code == 200
    assert response.url == reverse("history")
    log.refresh_from_db()
    assert log.deleted_at is not None
    assert [r.action for r in log.revisions.all()] == ["created", "deleted"]
    assert patient_client.get(reverse("walk_detail", args=[log.pk])).status_code == 404
    assert log not in patient_client.get(reverse("history")).context["page"].object_list


def test_a_correction_with_bad_input_changes_nothing(patient_client, patient):
    log = log_walk(patient)

    response = patient_client.post(
        reverse("walk_edit", args=[log.pk]), correction(log, minutes="0")
    )

    assert "Enter at least 1 minute." in response.content.decode()
    log.refresh_from_db()
    assert log.minutes == 10
    assert log.revisions.count() == 1


@pytest.mark.parametrize("view", ["walk_detail", "walk_edit", "walk_delete", "morning_check"])
def test_another_patients_walk_is_not_found(patient_client, clinic, clinician, view):
    stranger = make_patient(clinic, clinician, "Stranger")
    log = log_walk(stranger)

    assert patient_client.get(reverse(view, args=[log.pk])).status_code == 404
    assert patient_client.post(reverse(view, args=[log.pk]), correction(log)).status_code == 404
    log.refresh_from_db()
    assert log.deleted_at is None


def test_an_unknown_walk_id_is_not_found(patient_client):
    assert patient_client.get(reverse("walk_detail", args=[uuid.uuid4()])).status_code == 404
    assert patient_client.get("/walks/not-a-uuid/").status_code == 404


def test_staff_see_a_deleted_walk_marked_as_deleted(client, clinician, patient):
    log = walk_log_delete(log=log_walk(patient), by=patient.user, now=timezone.now())
    factories.sign_in(client, clinician)

    listing = client.get(reverse("admin:patients_walklog_changelist"))

    assert listing.context["cl"].model_admin.deleted(log) is True
    assert 'alt="True"' in listing.content.decode()
