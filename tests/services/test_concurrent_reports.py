"""Two worrying reports from one patient saved at the same moment: both are kept and flagged.

Real threads on a real PostgreSQL (SQLite takes one writer at a time, so it cannot race).
"""

import threading
import uuid

import pytest
from django.db import connection, connections

from patients.models import Flag, Patient, SymptomCheckIn
from patients.services.reports import symptom_check_in_save
from programs.models import PlanStatus
from tests.factories import assign, make_patient

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a race between database connections"
)


def at_once(*calls) -> list[Exception]:
    """Run each call in its own thread and connection, released together."""
    start = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            start.wait()
            call()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def check_in(patient_id, *serious):
    def call():
        patient = Patient.objects.select_related("clinic", "user").get(pk=patient_id)
        symptom_check_in_save(
            patient=patient, submission_key=uuid.uuid4(), serious_yes=serious, pain_now=5
        )

    return call


@pytest.mark.parametrize("second", ["saddle", "chest"])
@pytest.mark.parametrize("attempt", range(3))
def test_two_urgent_reports_at_once_are_both_saved_and_flagged(
    transactional_db, clinic, clinician, clinic_template, second, attempt
):
    patient = make_patient(clinic, clinician, f"Race{attempt}{second}")
    plan = assign(patient, clinic_template, clinician)

    errors = at_once(check_in(patient.pk, "saddle"), check_in(patient.pk, second))

    assert errors == []
    assert SymptomCheckIn.objects.filter(patient=patient).count() == 2
    rules = sorted(Flag.objects.filter(patient=patient).values_list("rule", flat=True))
    assert rules == sorted({"cauda_equina", "chest" if second == "chest" else "cauda_equina"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PAUSED
    assert plan.changes.filter(kind="pause").count() == 1
