"""Queueing the monthly follow-up question: once a month however often the job runs, only
for patients discharged in the last year who have not stopped, and the email it sends."""

import datetime
import io
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from patients.models import DeliveryState, FollowUpQuestion, Patient
from patients.outcomes.follow_ups import deliver_follow_up, follow_ups_retry, question_for_token
from programs.models import PlanAssignment
from tests.factories import assign, make_patient
from tests.outcomes.helpers import ask, discharge


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """The daily command, as if each run committed (the test's transaction never does)."""

    def send() -> str:
        out = io.StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_follow_ups", stdout=out)
        return out.getvalue()

    return send


def test_month_one_is_asked_once_however_often_the_job_runs(
    patient, clinician, clinic_template, run
):
    discharged_on = discharge(patient, clinic_template, clinician, days_ago=35)

    assert "queued: 1" in run()
    assert "queued: 0" in run()

    (question,) = FollowUpQuestion.objects.all()
    assert (question.month, question.discharged_on) == (1, discharged_on)
    assert question.due_on == discharged_on + datetime.timedelta(days=30)
    assert question.state == DeliveryState.SENT
    assert len(mail.outbox) == 1


def test_each_month_is_asked_in_its_turn(patient, clinician, clinic_template, run):
    discharge(patient, clinic_template, clinician, days_ago=35)
    run()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30)):
        run()
        run()

    assert list(FollowUpQuestion.objects.values_list("month", flat=True)) == [1, 2]
    assert len(mail.outbox) == 2


def test_nothing_is_asked_before_month_one_or_after_the_year(
    patient, clinician, clinic_template, clinic, run
):
    discharge(patient, clinic_template, clinician, days_ago=20)
    late = make_patient(clinic, clinician, "Lena")
    discharge(late, clinic_template, clinician, days_ago=391)

    assert "queued: 0" in run()
    assert not FollowUpQuestion.objects.exists()


def test_nobody_on_a_plan_or_who_stopped_is_asked(patient, clinician, clinic_template, clinic, run):
    discharge(patient, clinic_template, clinician, days_ago=35)
    Patient.objects.filter(pk=patient.pk).update(follow_up_stopped_at=timezone.now())
    back = make_patient(clinic, clinician, "Ben")
    discharge(back, clinic_template, clinician, days_ago=35)
    assign(back, clinic_template, clinician)  # a new plan: not discharged any more
    never = make_patient(clinic, clinician, "Nina")
    assign(never, clinic_template, clinician)

    assert "queued: 0" in run()
    assert not FollowUpQuestion.objects.exists()


def test_the_latest_discharge_counts(patient, clinician, clinic_template, run):
    discharge(patient, clinic_template, clinician, days_ago=300)
    second = discharge(patient, clinic_template, clinician, days_ago=40)

    run()

    assert PlanAssignment.objects.filter(patient=patient).count() == 2
    assert FollowUpQuestion.objects.get().discharged_on == second


def test_the_email_names_no_symptom_and_carries_its_own_signed_link(
    patient, clinician, clinic_template, run
):
    discharge(patient, clinic_template, clinician, days_ago=35)
    run()

    (email,) = mail.outbox
    question = FollowUpQuestion.objects.get()
    assert email.to == [patient.user.email]
    assert email.subject == "A quick question from your clinic about your back"
    (link,) = re.findall(r"https?://\S+/follow-up/\S+/", email.body)
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert question_for_token(token) == question
    assert "Stop these questions" in email.body
    assert "not watched by a clinician" in email.body
    for word in ("numbness", "bladder", "bowel", "pain", "recurrence"):
        assert word not in email.body.lower()


def test_a_failed_email_is_queued_again_until_answered(
    patient, clinician, clinic_template, run, settings, django_capture_on_commit_callbacks
):
    discharge(patient, clinic_template, clinician, days_ago=35)
    settings.EMAIL_BACKEND = "tests.outcomes.test_follow_up_sending.BrokenBackend"
    run()
    question = FollowUpQuestion.objects.get()
    assert question.state == DeliveryState.FAILED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert follow_ups_retry(timezone.now()) == 1
    question.refresh_from_db()
    assert question.state == DeliveryState.SENT

    FollowUpQuestion.objects.update(state=DeliveryState.FAILED, answered_at=timezone.now())
    assert follow_ups_retry(timezone.now()) == 0


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_new_plan_stops_the_email_and_its_retries_without_failing_it(
    patient, clinician, clinic_template, run, settings
):
    discharge(patient, clinic_template, clinician, days_ago=35)
    settings.EMAIL_BACKEND = "tests.outcomes.test_follow_up_sending.BrokenBackend"
    run()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assign(patient, clinic_template, clinician)  # back on a walking plan
    question = FollowUpQuestion.objects.get()

    assert follow_ups_retry(timezone.now()) == 0
    assert deliver_follow_up.call(str(question.pk)).startswith("no longer needed")
    assert mail.outbox == []
    question.refresh_from_db()
    assert question.state == DeliveryState.FAILED  # as it was: not sent, not failed again
    assert question.attempts == 1


def test_a_later_discharge_stops_the_old_months_email(patient, clinician, clinic_template):
    first = discharge(patient, clinic_template, clinician, days_ago=100)
    old = ask(patient, first, month=2)
    discharge(patient, clinic_template, clinician, days_ago=5)

    assert deliver_follow_up.call(str(old.pk)).startswith("no longer needed")
    assert follow_ups_retry(timezone.now()) == 0
    assert mail.outbox == []


def test_a_retry_goes_to_the_patients_address_now(patient, clinician, clinic_template):
    question = ask(patient, discharge(patient, clinic_template, clinician, days_ago=35))
    patient.user.email = "new-address@example.com"
    patient.user.save(update_fields=["email"])

    assert deliver_follow_up.call(str(question.pk)) == "sent"

    (email,) = mail.outbox
    assert email.to == ["new-address@example.com"]
    question.refresh_from_db()
    assert question.recipient == "new-address@example.com"
