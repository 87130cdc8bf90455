"""Changes for one patient made at the same moment leave a summary that saw all of them.

Each change works the patient's summary out again from what it can read. Without the
patient's lock, a transaction that read before another committed overwrote the summary
with what it saw: an urgent flag raised meanwhile vanished from the dashboard. Only
PostgreSQL runs transactions side by side, so only it can show the race.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from patients import summaries
from patients.models import Flag, FlagAction, Patient, PatientSummary, WalkLog
from patients.safety.engine import flag_resolve
from tests import factories

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a race between database connections"
    ),
    pytest.mark.django_db(transaction=True),
]

# Long enough for the other thread to reach the lock it must wait on.
SETTLE = 1.0


def in_thread(work, results: dict, key: str) -> threading.Thread:
    def run():
        try:
            results[key] = work()
        except Exception as error:  # reported by the test, not lost in the thread
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def open_severities(patient) -> list[str]:
    return sorted(
        Flag.objects.unresolved().filter(patient=patient).values_list("severity", flat=True)
    )


def summary_severities(patient) -> list[str]:
    row = PatientSummary.objects.get(pk=patient.pk)
    counts = {
        "urgent": row.open_urgent,
        "same_day": row.open_same_day,
        "review": row.open_review,
        "info": row.open_info,
    }
    return sorted(severity for severity, n in counts.items() for _ in range(n))


def test_a_resolution_racing_an_urgent_symptom_keeps_the_urgent_flag(
    patient, clinician, clinic_template
):
    factories.assign(patient, clinic_template, clinician)
    factories.report_check_in(patient, pain_now=10)
    review = Flag.objects.get(patient=patient)
    reported, finish = threading.Event(), threading.Event()
    results: dict = {}

    def urgent_report():
        with transaction.atomic():
            factories.report_check_in(patient, "saddle")
            reported.set()
            finish.wait(10)  # not yet committed while the clinician resolves

    def resolve():
        return flag_resolve(flag=review, by=clinician, action=FlagAction.CONTINUE, note="Seen.")

    report = in_thread(urgent_report, results, "report")
    reported.wait(10)
    resolution = in_thread(resolve, results, "resolve")
    time.sleep(SETTLE)
    finish.set()
    report.join()
    resolution.join()

    assert not any(isinstance(result, Exception) for result in results.values()), results
    assert open_severities(patient) == ["urgent"]
    assert summary_severities(patient) == ["urgent"]


def test_a_first_summary_racing_a_walk_loses_nothing(patient, clinician, clinic_template):
    factories.assign(patient, clinic_template, clinician)
    PatientSummary.objects.filter(pk=patient.pk).delete()  # as after an upgrade
    written, finish = threading.Event(), threading.Event()
    results: dict = {}

    def first_summary():  # a page working out a missing summary
        with transaction.atomic():
            summaries.summary_refresh(patient)
            written.set()
            finish.wait(10)

    page = in_thread(first_summary, results, "page")
    written.wait(10)
    walk = in_thread(lambda: factories.report_walk(patient, minutes=12), results, "walk")
    time.sleep(SETTLE)
    finish.set()
    page.join()
    walk.join()

    assert not isinstance(results["walk"], Exception), results
    assert WalkLog.objects.filter(patient=patient).count() == 1
    assert PatientSummary.objects.get(pk=patient.pk).week_minutes == 12


def test_a_rebuild_never_overwrites_a_change_made_while_it_ran(
    patient, clinician, clinic_template, monkeypatch
):
    factories.assign(patient, clinic_template, clinician)
    read, finish = threading.Event(), threading.Event()
    worked_out = summaries._summary_from
    results: dict = {}

    def slowly(*args, **kwargs):
        summary = worked_out(*args, **kwargs)
        read.set()
        finish.wait(10)  # the batch has read its records; the clinic carries on
        return summary

    monkeypatch.setattr(summaries, "_summary_from", slowly)
    rebuild = in_thread(
        lambda: summaries.summaries_rebuild(Patient.objects.select_related("clinic")),
        results,
        "rebuild",
    )
    read.wait(10)
    monkeypatch.setattr(summaries, "_summary_from", worked_out)
    report = in_thread(lambda: factories.report_check_in(patient, "saddle"), results, "report")
    time.sleep(SETTLE)
    finish.set()
    rebuild.join()
    report.join()

    assert not any(isinstance(result, Exception) for result in results.values()), results
    assert open_severities(patient) == summary_severities(patient) == ["urgent"]
