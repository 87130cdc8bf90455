"""What the clinic and the patient see of the follow-up outside its own pages: the
clinician's record of a discharged patient (the months asked and their answers, in plain
words, at a pinned query count), and the patient's history page once discharged."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.choices import Limitation
from patients.models import FollowUpQuestion, Patient
from programs.services import plan_end
from tests.factories import assign, sign_in
from tests.outcomes.helpers import ask, discharge


@pytest.fixture
def staff_client(client, clinician):
    sign_in(client, clinician)
    return client


def record(patient) -> str:
    return reverse("patient_record", args=[patient.pk])


def test_the_record_shows_each_month_asked_in_plain_words(
    staff_client, patient, clinician, clinic_template
):
    discharged_on = discharge(patient, clinic_template, clinician, days_ago=95)
    started = discharged_on + datetime.timedelta(days=40)
    answered = {"answered_at": timezone.now()}
    FollowUpQuestion.objects.filter(pk=ask(patient, discharged_on, month=1).pk).update(
        back_pain_over_a_day=False, **answered
    )
    FollowUpQuestion.objects.filter(pk=ask(patient, discharged_on, month=2).pk).update(
        back_pain_over_a_day=True,
        limitation=Limitation.A_LOT,
        started_on=started,
        care_sought=False,
        **answered,
    )
    ask(patient, discharged_on, month=3)
    stopped_at = timezone.now()
    Patient.objects.filter(pk=patient.pk).update(follow_up_stopped_at=stopped_at)

    page = staff_client.get(record(patient)).text

    assert "Follow-up after discharge" in page
    assert "These answers are not monitored; they feed the clinic's outcomes." in page
    assert f"Discharged on {discharged_on:%-d %b %Y}." in page
    assert "no back pain" in page
    assert (
        f"back pain, limited usual activities: a lot, started {started:%-d %b}, saw someone: no"
        in page
    )
    assert "Month 3" in page and "not answered" in page
    assert f"Stopped by the patient on {timezone.localdate(stopped_at):%-d %b %Y}." in page
    assert "Month 3 (asked" in page and "not answered yet" in page
    assign(patient, clinic_template, clinician)  # back on a plan: month 3 is closed
    assert "not answered (closed)" in staff_client.get(record(patient)).text
    # A "yes" whose care question was left blank is not read as "no".
    FollowUpQuestion.objects.filter(month=2).update(care_sought=None)
    assert "saw someone: not answered" in staff_client.get(record(patient)).text


def test_no_follow_up_section_for_a_patient_never_discharged(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)

    assert "Follow-up after discharge" not in staff_client.get(record(patient)).text


@pytest.mark.parametrize("discharged", [False, True])
def test_the_record_costs_at_most_one_more_query(
    staff_client,
    patient,
    clinician,
    clinic_template,
    discharged,
    django_assert_max_num_queries,
):
    if discharged:
        ask(patient, discharge(patient, clinic_template, clinician, days_ago=35))
    else:
        assign(patient, clinic_template, clinician)

    # As tests/views/test_patient_record.py pins on a plan: the follow-up's rows are one
    # query; when discharged, no plan's stages or history are read, the discharge day is.
    with django_assert_max_num_queries(15):
        staff_client.get(record(patient))


def test_a_discharged_patients_history_promises_no_questionnaire_answers(
    client, patient, clinician, clinic_template
):
    sign_in(client, patient.user)
    plan = assign(patient, clinic_template, clinician)
    assert "will appear here" in client.get(reverse("history")).text

    plan_end(assignment=plan, by=clinician, reason="Finished the program.")

    page = client.get(reverse("history")).text
    assert "will appear here" not in page
    assert "How your back has changed" not in page
