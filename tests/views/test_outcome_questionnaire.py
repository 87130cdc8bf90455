"""The patient's outcome questionnaire: due on the week page, answered in any part, saved
once; their progress on the history page; the clinician's chart on the record."""

import datetime
import re
import uuid

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from patients.choices import Instrument, Occasion
from patients.models import AuditEvent, OutcomeResponse, OutcomeScore
from patients.services.outcomes import outcome_response_save
from programs import services as plans
from tests import factories
from tests.factories import assign

PAGE = reverse("outcome_questionnaire")
WEEK = reverse("patient_week")


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


@pytest.fixture
def plan(patient, clinician, clinic_template):
    return assign(patient, clinic_template, clinician)


def answers(**values) -> dict:
    return {"submission": str(uuid.uuid4()), **values}


def answer(patient, occasion, due_on, **by_instrument):
    return outcome_response_save(
        patient=patient,
        occasion=occasion,
        due_on=due_on,
        submission_key=uuid.uuid4(),
        answers=by_instrument,
        by=patient.user,
    )[0]


def test_the_week_page_asks_for_the_start_questionnaire_below_the_walk_buttons(
    patient_client, plan
):
    page = patient_client.get(WEEK).content.decode()

    assert "A few questions about your back" in page
    assert page.index("Log a walk") < page.index("A few questions about your back")
    assert PAGE in page
    assert "overdue" not in page


def test_a_patient_answers_only_some_questions_and_is_thanked_on_the_week_page(
    patient_client, patient, plan
):
    page = patient_client.get(PAGE).content.decode()
    assert "Activity 1" in page
    assert "Compared with when you started" not in page  # no rating of change at the start

    response = patient_client.post(
        PAGE, answers(activity_1="Carrying shopping", rating_1="3", pain="6"), follow=True
    )

    assert response.redirect_chain[-1][0] == WEEK
    assert "Thank you. Your answers are saved" in response.content.decode()
    response_row = OutcomeResponse.objects.get(patient=patient)
    assert (response_row.occasion, response_row.due_on) == (Occasion.START, plan.start_date)
    assert response_row.assignment == plan
    scores = {score.instrument: score for score in response_row.scores.all()}
    assert set(scores) == {Instrument.PSFS, Instrument.NPRS}
    assert scores[Instrument.PSFS].score == 3
    assert scores[Instrument.PSFS].items == {
        "activities": [{"activity": "Carrying shopping", "rating": 3}]
    }
    assert scores[Instrument.PSFS].version == "1"
    assert AuditEvent.objects.filter(subject="outcome questionnaire").count() == 1
    # Answered: the week page no longer asks.
    assert "A few questions about your back" not in response.content.decode()


def test_sending_the_same_form_twice_saves_it_once(patient_client, patient, plan):
    data = answers(pain="5")

    first = patient_client.post(PAGE, data)
    second = patient_client.post(PAGE, data)

    assert first.status_code == second.status_code == 302
    assert OutcomeResponse.objects.filter(patient=patient).count() == 1
    assert OutcomeScore.objects.filter(response__patient=patient).count() == 1


def test_a_second_phone_answering_the_same_questionnaire_saves_nothing_more(patient, plan):
    first = answer(patient, Occasion.START, plan.start_date, **{Instrument.NPRS: 5})
    again, created = outcome_response_save(
        patient=patient,
        occasion=Occasion.START,
        due_on=plan.start_date,
        submission_key=uuid.uuid4(),
        answers={Instrument.NPRS: 2},
        by=patient.user,
    )

    assert (again, created) == (first, False)
    assert OutcomeScore.objects.get(response__patient=patient).score == 5


def test_nothing_answered_is_a_clear_error_and_nothing_is_saved(patient_client, patient, plan):
    response = patient_client.post(PAGE, answers())

    assert response.status_code == 200
    assert "Answer at least one question" in response.content.decode()
    assert not OutcomeResponse.objects.exists()


def test_an_activity_without_a_rating_or_a_rating_without_an_activity_says_which(
    patient_client, patient, plan
):
    response = patient_client.post(
        PAGE, answers(activity_1="Gardening", rating_2="4", activity_3="x" * 81, pain="3")
    )

    form = response.context["form"]
    assert "Choose how well you can do “Gardening” now" in form.errors["rating_1"][0]
    assert form.errors["activity_2"] == ["Name the activity you rated, or clear its rating."]
    assert "80 characters or fewer" in form.errors["activity_3"][0]
    page = response.content.decode()
    # What was typed is kept, and the summary links to each question.
    assert 'value="Gardening"' in page
    assert re.search(r'value="4"[^>]*checked', page)
    assert re.search(r'value="3"[^>]*checked', page)
    assert 'href="#id_rating_1_0"' in page and 'href="#id_activity_2"' in page
    assert not OutcomeResponse.objects.exists()


def test_a_review_asks_the_same_activities_and_how_the_back_is_now(
    patient_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=29)
    answer(
        patient,
        Occasion.START,
        plan.start_date,
        **{Instrument.PSFS: [{"activity": "Sitting at work", "rating": 2}]},
    )

    page = patient_client.get(PAGE).content.decode()
    assert "How well can you do this now: Sitting at work?" in page
    assert "Activity 1" not in page
    assert "Compared with when you started the walking plan" in page

    patient_client.post(PAGE, answers(rating_1="6", change="2"))

    review = OutcomeResponse.objects.get(occasion=Occasion.REVIEW)
    assert review.due_on == plan.start_date + datetime.timedelta(weeks=4)
    scores = {score.instrument: score.score for score in review.scores.all()}
    assert scores == {Instrument.PSFS: 6, Instrument.GROC: 2}


def test_an_overdue_questionnaire_is_said_kindly_with_a_frozen_clock(patient_client, patient, plan):
    later = timezone.now() + datetime.timedelta(days=9)
    with time_machine.travel(later, tick=False):
        factories.sign_in(patient_client, patient.user)
        page = patient_client.get(WEEK).content.decode()

    assert "These questions are overdue, but it is not too late" in page


def test_the_discharge_questionnaire_follows_the_end_of_the_plan(
    patient_client, patient, plan, clinician
):
    answer(patient, Occasion.START, plan.start_date, **{Instrument.NPRS: 7})
    plans.plan_end(assignment=plan, by=clinician, reason="Finished the plan.")

    page = patient_client.get(WEEK).content.decode()
    assert "Your walking plan has ended" in page
    patient_client.post(PAGE, answers(pain="3", change="3"))

    discharge = OutcomeResponse.objects.get(occasion=Occasion.DISCHARGE)
    assert discharge.due_on == patient.clinic.today()


def test_a_patient_with_no_plan_sees_a_calm_page(patient_client):
    response = patient_client.get(PAGE)

    assert response.status_code == 200
    assert "There are no questions for you to answer now" in response.content.decode()
    assert "A few questions about your back" not in patient_client.get(WEEK).content.decode()


def test_staff_get_a_404(client, clinician):
    factories.sign_in(client, clinician)

    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, answers(pain="3")).status_code == 404


def test_a_broken_submission_key_is_simply_a_new_form(patient_client, patient, plan):
    response = patient_client.post(PAGE, {"submission": "not-a-key", "pain": "4"})

    assert response.status_code == 200
    assert not OutcomeResponse.objects.exists()


def test_the_history_page_shows_baseline_latest_and_a_real_change_in_words(
    patient_client, patient, plan
):
    answer(
        patient,
        Occasion.START,
        plan.start_date,
        **{Instrument.PSFS: [{"activity": "Gardening", "rating": 3}], Instrument.NPRS: 7},
    )
    review_on = plan.start_date + datetime.timedelta(weeks=4)
    answer(
        patient,
        Occasion.REVIEW,
        review_on,
        **{
            Instrument.PSFS: [{"activity": "Gardening", "rating": 5}],
            Instrument.NPRS: 6,
            Instrument.GROC: 1,
        },
    )

    response = patient_client.get(reverse("history"))

    rows = {row.instrument: row for row in response.context["outcomes"]}
    assert (rows[Instrument.PSFS].baseline.score, rows[Instrument.PSFS].latest.score) == (3, 5)
    assert rows[Instrument.PSFS].change.label == "Improved"  # exactly the MCID
    assert rows[Instrument.NPRS].change.label == "No real change"
    assert rows[Instrument.GROC].latest_words == "A little better"
    page = response.content.decode()
    assert "How your back has changed" in page
    assert "Improved" in page and "No real change" in page


def test_an_activity_left_unrated_later_does_not_count_as_a_change(patient_client, patient, plan):
    both = [{"activity": "Gardening", "rating": 0}, {"activity": "Lifting", "rating": 10}]
    answer(patient, Occasion.START, plan.start_date, **{Instrument.PSFS: both})
    review_on = plan.start_date + datetime.timedelta(weeks=4)
    one = [{"activity": "Gardening", "rating": 0}]
    answer(patient, Occasion.REVIEW, review_on, **{Instrument.PSFS: one})

    response = patient_client.get(reverse("history"))

    [psfs] = response.context["outcomes"]
    assert (psfs.baseline.score, psfs.latest.score) == (5, 0)  # the means as answered
    assert psfs.change.label == "No real change"  # gardening, rated both times, is unchanged


def test_the_record_draws_the_outcome_chart_with_the_mcid_band_and_a_table(
    client, clinician, patient, plan
):
    answer(patient, Occasion.START, plan.start_date, **{Instrument.NPRS: 7})
    answer(
        patient,
        Occasion.REVIEW,
        plan.start_date + datetime.timedelta(weeks=4),
        **{Instrument.NPRS: 4},
    )
    factories.sign_in(client, clinician)

    response = client.get(reverse("patient_record", args=[patient.pk]))

    [chart] = response.context["outcome_charts"]
    assert chart["instrument"] == Instrument.NPRS
    assert (chart["band"]["low"], chart["band"]["high"]) == (5, 9)  # baseline 7 ± 2
    page = response.content.decode()
    assert 'class="mcid-band"' in page
    assert "from 5 to 9" in page
    assert "Show Pain intensity (0-10), average over the last week as a table" in page
    assert response.context["outcome_rows"][0].change.label == "Improved"
