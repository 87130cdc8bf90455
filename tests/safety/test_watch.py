"""A stopped worker or a missing schedule is seen: on /health/processes/ and on the clinic
admin's dashboard, with what to do; and an alert raised while the worker was down goes out
when it comes back."""

import datetime
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patients.models import DeliveryState, Heartbeat, Notification, SafetyProcess
from patients.safety.watch import how_long, problems, process_states
from tests.factories import report_check_in, sign_in

PROCESSES_URL = "/health/processes/"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def alerting_patient(clinic, patient):
    clinic.alert_email = "alerts@north.example"
    clinic.save()
    return patient


def all_ran() -> None:
    """One sweep and one activity check; the tests' queue runs the worker's heartbeat at once."""
    call_command("escalate_flags", stdout=StringIO())
    call_command("check_activity", stdout=StringIO())


def age(process: str, minutes: int) -> None:
    Heartbeat.objects.filter(process=process).update(
        last_run_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def problem_of(process: str, now=None) -> str:
    return {state.process: state.problem for state in process_states(now)}[process]


def test_a_new_installation_says_which_scheduled_jobs_have_never_run(db, client):
    response = client.get(PROCESSES_URL)

    assert response.status_code == 503
    assert response.json()["status"] == "late"
    assert problem_of(SafetyProcess.ESCALATION_SWEEP) == "The escalation sweep has never run."
    assert problem_of(SafetyProcess.ACTIVITY_CHECK) == "The daily activity check has never run."
    # Its heartbeat comes from the sweep, so without the sweep only waiting alerts count.
    assert problem_of(SafetyProcess.WORKER) == ""
    assert response.json()["processes"]["worker"]["late"] is None


def test_when_everything_ran_the_monitoring_endpoint_is_ok(db, client):
    all_ran()

    response = client.get(PROCESSES_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["problems"] == []
    assert set(body["processes"]) == {"worker", "escalation_sweep", "activity_check"}
    assert body["processes"]["escalation_sweep"]["late"] is False
    assert body["processes"]["escalation_sweep"]["late_after_seconds"] == 15 * 60
    assert set(body["processes"]["escalation_sweep"]) == {
        "last_run_at",
        "late",
        "late_after_seconds",
    }
    assert Heartbeat.objects.get(process=SafetyProcess.ESCALATION_SWEEP).detail == (
        "escalated: 0, notifications queued again: 0, account emails queued again: 0, "
        "reminders queued again: 0, follow-up questions queued again: 0"
    )


def test_a_worker_that_stopped_is_reported_with_the_fix(db, client):
    all_ran()
    age(SafetyProcess.WORKER, minutes=20)

    response = client.get(PROCESSES_URL)

    assert response.status_code == 503
    assert response.json()["problems"] == [
        "The worker has not run for 20 minutes. "
        "Alert emails about urgent and same-day flags are not being sent. "
        "Restart the worker: systemctl restart stepwise-worker (docs/operations.md)."
    ]


@pytest.mark.parametrize(
    ("process", "minutes", "late"),
    [
        (SafetyProcess.WORKER, 14, False),
        (SafetyProcess.WORKER, 16, True),
        (SafetyProcess.ESCALATION_SWEEP, 14, False),
        (SafetyProcess.ESCALATION_SWEEP, 16, True),
        (SafetyProcess.ACTIVITY_CHECK, 25 * 60, False),
        (SafetyProcess.ACTIVITY_CHECK, 27 * 60, True),
    ],
)
def test_each_process_is_late_only_after_its_own_grace(db, process, minutes, late):
    all_ran()
    age(process, minutes)

    assert bool(problem_of(process)) is late


def test_a_heartbeat_from_a_clock_running_ahead_is_reported_not_trusted(db):
    """Dated a day ahead, a sweep that then stopped would look recent for a day."""
    all_ran()
    Heartbeat.objects.filter(process=SafetyProcess.ESCALATION_SWEEP).update(
        last_run_at=timezone.now() + datetime.timedelta(days=1)
    )

    assert problem_of(SafetyProcess.ESCALATION_SWEEP).startswith(
        "The escalation sweep last ran on a server whose clock is 23 hours ahead"
    )


def test_a_late_sweep_hides_nothing_about_the_queue(db):
    """With the sweep gone the worker's heartbeat ages, but that alone proves nothing."""
    all_ran()
    age(SafetyProcess.ESCALATION_SWEEP, minutes=60)
    age(SafetyProcess.WORKER, minutes=60)

    assert [state.process for state in problems()] == [SafetyProcess.ESCALATION_SWEEP]
    assert problem_of(SafetyProcess.ESCALATION_SWEEP) == (
        "The escalation sweep has not run for 60 minutes."
    )


@pytest.mark.parametrize(
    ("minutes", "said"),
    [
        (1, "1 minute"),
        (119, "119 minutes"),
        (120, "2 hours"),
        (30 * 60, "30 hours"),
        (3 * 24 * 60 + 5, "3 days"),
    ],
)
def test_a_long_silence_is_said_as_a_person_would(minutes, said):
    assert how_long(datetime.timedelta(minutes=minutes)) == said


# Committed for real, as in production: the worker checks its connection between tasks
# and would drop one left inside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_an_alert_raised_while_the_worker_is_down_waits_is_reported_and_goes_out_on_restart(
    clinic, patient, settings
):
    clinic.alert_email = "alerts@north.example"
    clinic.save()
    all_ran()
    settings.TASKS = DATABASE_QUEUE

    # No worker is running: the urgent flag's emails wait in the queue.
    report_check_in(patient, "saddle")
    assert mail.outbox == []
    assert DBTaskResult.objects.ready().count() == 2
    six_minutes_on = timezone.now() + datetime.timedelta(minutes=6)
    assert problem_of(SafetyProcess.WORKER, six_minutes_on) == (
        "2 alert emails have waited up to 6 minutes to be sent."
    )

    # The worker comes back: it sends what waited, and the next sweep's heartbeat says so.
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    call_command("escalate_flags", stdout=StringIO())
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alerts@north.example",
        "carol@example.com",
    ]
    assert set(Notification.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert problems(six_minutes_on) == []
    assert Heartbeat.objects.get(process=SafetyProcess.WORKER).detail == (
        "ran the heartbeat task from the queue"
    )


def test_the_sweep_queues_nothing_twice_however_often_it_runs_while_the_worker_is_down(
    alerting_patient, settings, django_capture_on_commit_callbacks
):
    """One heartbeat, and each waiting alert once: the queue does not grow at every sweep."""
    settings.TASKS = DATABASE_QUEUE
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(alerting_patient, "saddle")
    an_hour_on = timezone.now() + datetime.timedelta(hours=1)
    for _ in range(3):
        with time_machine.travel(an_hour_on), django_capture_on_commit_callbacks(execute=True):
            call_command("escalate_flags", stdout=StringIO())

    # Two alert emails queued when the flag was raised, the escalation email (nobody
    # acknowledged it for an hour) once, and the worker's heartbeat once.
    tasks = Counter(DBTaskResult.objects.ready().values_list("task_path", flat=True))
    assert tasks == {
        "patients.safety.notifications.deliver_notification": 2 + 1,
        "patients.safety.watch.worker_heartbeat": 1,
    }


def dashboard_with_the_worker_stopped(client, user) -> str:
    all_ran()
    age(SafetyProcess.WORKER, minutes=45)
    sign_in(client, user)
    return client.get("/clinic/").content.decode()


def test_the_clinic_admin_sees_the_warning_on_the_dashboard(client, clinic_admin):
    page = dashboard_with_the_worker_stopped(client, clinic_admin)

    assert "Tell your IT contact now" in page
    assert "The worker has not run for 45 minutes." in page
    assert "For your IT contact: Restart the worker: systemctl restart stepwise-worker" in page
    assert "Until it is fixed, check this page for new flags yourself." in page


def test_clinicians_are_told_alerts_are_not_going_out_without_the_it_detail(client, clinician):
    page = dashboard_with_the_worker_stopped(client, clinician)

    assert "Some emails from Stepwise are not going out" in page
    assert "Alert emails about urgent and same-day flags are not being sent." in page
    assert "For your IT contact" not in page


def test_a_late_daily_check_is_for_today_and_says_what_it_means(client, clinic_admin, clinician):
    all_ran()
    age(SafetyProcess.ACTIVITY_CHECK, minutes=30 * 60)
    sign_in(client, clinic_admin)

    page = client.get("/clinic/").content.decode()

    assert "Tell your IT contact today" in page
    assert "The daily activity check has not run for 30 hours." in page
    assert "Patients who stopped walking are not being flagged." in page
    assert "check this page for new flags yourself" not in page
    sign_in(client, clinician)
    assert "Some emails from Stepwise" not in client.get("/clinic/").content.decode()


def test_a_clinic_admin_sees_nothing_when_all_is_well(client, clinic_admin):
    all_ran()
    sign_in(client, clinic_admin)

    page = client.get("/clinic/").content.decode()
    assert "Tell your IT contact" not in page
    assert "Some emails from Stepwise" not in page
