"""The morning after a walk, the home page asks how the back is compared with before it."""

import datetime
import uuid

import pytest
from django.urls import reverse

from patients.models import Flag, MorningCheck
from patients.services.reports import walk_log_create
from tests import factories


def walk_on(patient, day) -> object:
    log, _ = walk_log_create(
        patient=patient,
        submission_key=uuid.uuid4(),
        by=patient.user,
        walked_on=day,
        minutes=10,
        terrain="flat",
        pain_before=3,
        pain_after=5,
    )
    return log


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


def test_the_morning_after_a_walk_the_home_page_asks_once(patient_client, patient):
    yesterday = patient.clinic.today() - datetime.timedelta(days=1)
    log = walk_on(patient, yesterday)

    home = patient_client.get(reverse("patient_week"))
    assert home.context["morning_walk"] == log
    response = patient_client.post(
        reverse("morning_check", args=[log.pk]), {"feeling": "bit_worse", "pain_now": "5"}
    )

    # Still 2 above the pre-walk score: the advice follows at once.
    assert response.url == reverse("morning_check", args=[log.pk])
    assert "Take it a little easier" in patient_client.get(response.url).content.decode()
    check = MorningCheck.objects.get(walk_log=log)
    assert (check.feeling, check.pain_now, check.settled) == ("bit_worse", 5, False)
    assert patient_client.get(reverse("patient_week")).context["morning_walk"] is None


def test_a_settled_morning_goes_back_to_the_week(patient_client, patient):
    log = walk_on(patient, patient.clinic.today() - datetime.timedelta(days=1))

    response = patient_client.post(
        reverse("morning_check", args=[log.pk]), {"feeling": "usual", "pain_now": "3"}
    )

    assert response.url == reverse("patient_week")


def test_answering_twice_keeps_the_first_answer(patient_client, patient):
    log = walk_on(patient, patient.clinic.today() - datetime.timedelta(days=1))
    url = reverse("morning_check", args=[log.pk])

    patient_client.post(url, {"feeling": "usual", "pain_now": "3"})
    patient_client.post(url, {"feeling": "much_worse", "pain_now": "9"})

    assert MorningCheck.objects.get(walk_log=log).feeling == "usual"


def test_no_question_without_a_walk_yesterday(patient_client, patient):
    walk_on(patient, patient.clinic.today())
    walk_on(patient, patient.clinic.today() - datetime.timedelta(days=2))

    assert patient_client.get(reverse("patient_week")).context["morning_walk"] is None


def test_a_missing_answer_says_what_to_choose(patient_client, patient):
    log = walk_on(patient, patient.clinic.today() - datetime.timedelta(days=1))

    response = patient_client.post(reverse("morning_check", args=[log.pk]), {"pain_now": "4"})

    assert "Choose how your back feels." in response.content.decode()
    assert not MorningCheck.objects.exists()


def test_the_morning_question_is_asked_once_even_with_two_walks_yesterday(patient_client, patient):
    yesterday = patient.clinic.today() - datetime.timedelta(days=1)
    first = walk_on(patient, yesterday)
    patient_client.post(
        reverse("morning_check", args=[first.pk]), {"feeling": "usual", "pain_now": "3"}
    )

    walk_on(patient, yesterday)

    assert patient_client.get(reverse("patient_week")).context["morning_walk"] is None


def test_much_worse_the_next_morning_gets_advice_at_once_without_a_flag(patient_client, patient):
    log = walk_on(patient, patient.clinic.today() - datetime.timedelta(days=1))

    response = patient_client.post(
        reverse("morning_check", args=[log.pk]),
        {"feeling": "much_worse", "pain_now": "4"},  # 1 above the pre-walk score
        follow=True,
    )

    page = response.content.decode()
    assert "Your back has not settled since your walk" in page
    assert "stay at this stage for now" in page
    assert not Flag.objects.exists()  # a flag comes with the second such morning in a week


def test_much_worse_counts_without_a_pain_score(patient_client, patient):
    log = walk_on(patient, patient.clinic.today() - datetime.timedelta(days=1))

    response = patient_client.post(
        reverse("morning_check", args=[log.pk]), {"feeling": "much_worse"}, follow=True
    )

    check = MorningCheck.objects.get(walk_log=log)
    assert (check.feeling, check.pain_now) == ("much_worse", None)
    assert "Your back has not settled since your walk" in response.content.decode()


def test_a_worrying_answer_sent_again_leads_to_its_advice_as_the_first_time(
    patient_client, patient
):
    """A double tap, or a phone sending an answer it kept with no signal: the second post
    is answered as the first was, a redirect to the advice (static/js/offline.js reads a
    redirect as "sent"; a page straight back as "needs checking")."""
    log = walk_on(patient, patient.clinic.today() - datetime.timedelta(days=1))
    url = reverse("morning_check", args=[log.pk])
    answer = {"submission": str(uuid.uuid4()), "feeling": "much_worse", "pain_now": "4"}

    first = patient_client.post(url, answer)
    again = patient_client.post(url, answer, follow=True)

    assert first.status_code == 302 and first["Location"] == url
    assert again.redirect_chain == [(url, 302)]
    assert "Your back has not settled since your walk" in again.content.decode()
    assert MorningCheck.objects.filter(walk_log=log).count() == 1
