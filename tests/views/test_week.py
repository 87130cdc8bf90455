"""The patient's home: this week's stage in plain words, progress, and what to do next."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from programs import services
from tests import factories
from tests.factories import assign, seen_plan_of


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


def test_progress_counts_this_weeks_walks_against_the_target(
    patient_client, patient, clinician, standard_template
):
    assign(patient, standard_template, clinician, start_position=2)
    today = patient.clinic.today()
    monday = today - datetime.timedelta(days=today.weekday())
    for day, minutes in [(monday, 10), (monday, 12), (monday - datetime.timedelta(days=1), 30)]:
        factories.report_walk(patient, walked_on=day, minutes=minutes, pain_before=2, pain_after=2)

    response = patient_client.get(reverse("patient_week"))

    progress = response.context["progress"]
    assert (progress.walks, progress.minutes, progress.target_walks) == (2, 22, 3)
    assert progress.target_minutes == 30
    page = response.content.decode()
    assert "2 walks of 3 this week" in page
    assert "Log a walk" in page and "Report a change in symptoms" in page


def test_a_paused_plan_says_not_to_follow_it(patient_client, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)
    services.plan_pause(assignment=plan, by=clinician, reason="Flare", today=patient.clinic.today())

    page = patient_client.get(reverse("patient_week")).content.decode()

    assert "Your walking plan is paused" in page
    assert "walk 10 minutes" not in page


def test_with_automatic_progression_the_patient_steps_up_themselves(
    patient_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=15, automatic_progression=True)
    factories.walk_the_stage(patient)

    page = patient_client.get(reverse("patient_week")).content.decode()
    assert "You have finished this stage" in page
    assert "walk 15 minutes on flat ground" in page
    patient_client.post(reverse("step_up"), {**seen_plan_of(patient), "choice": "up"})

    plan.refresh_from_db()
    assert plan.current_position == 2
    assert plan.changes.last().changed_by == patient.user


def test_the_patient_may_choose_to_stay(patient_client, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician, days_ago=15, automatic_progression=True)
    factories.walk_the_stage(patient)

    patient_client.post(reverse("step_up"), {**seen_plan_of(patient), "choice": "stay"})

    plan.refresh_from_db()
    assert plan.current_position == 1
    assert plan.changes.last().kind == "hold"


def test_without_automatic_progression_the_patient_cannot_step_up(
    patient_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=15)
    factories.walk_the_stage(patient)

    page = patient_client.get(reverse("patient_week")).content.decode()
    patient_client.post(reverse("step_up"), {**seen_plan_of(patient), "choice": "up"})

    assert "Your clinic will move you on to the next stage." in page
    plan.refresh_from_db()
    assert plan.current_position == 1


def test_amber_walks_mean_no_step_up(patient_client, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician, days_ago=15, automatic_progression=True)
    factories.walk_the_stage(patient, pain_after=7)

    patient_client.post(reverse("step_up"), {**seen_plan_of(patient), "choice": "up"})

    plan.refresh_from_db()
    assert plan.current_position == 1


def test_after_an_urgent_report_the_home_page_keeps_the_advice_and_plays_down_walking(
    patient_client, patient
):
    import uuid

    from patients.services.reports import symptom_check_in_save

    symptom_check_in_save(
        patient=patient, submission_key=uuid.uuid4(), pain_now=5, serious_yes=["saddle"]
    )

    page = patient_client.get(reverse("patient_week")).content.decode()

    assert page.index("Go to an emergency department now, or call 999.") < page.index("<h1>")
    assert page.index("Report a change in symptoms") < page.index("Log a walk")
    assert "You do not need to do anything" not in page


def test_a_hold_is_explained_to_the_patient(patient_client, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician, days_ago=10)
    services.plan_hold(assignment=plan, by=clinician, reason="Flare", today=patient.clinic.today())

    page = patient_client.get(reverse("patient_week")).content.decode()

    assert "Your clinic has asked you to repeat this stage" in page


@pytest.mark.parametrize("choice", ["", "sideways", "<script>", "UP"])
def test_a_nonsense_step_up_choice_changes_nothing(
    patient_client, patient, clinician, clinic_template, choice
):
    plan = assign(patient, clinic_template, clinician, days_ago=15, automatic_progression=True)
    factories.walk_the_stage(patient)

    response = patient_client.post(reverse("step_up"), {**seen_plan_of(patient), "choice": choice})

    assert response.url == reverse("patient_week")
    assert plan.changes.count() == 1


def test_a_mid_week_step_up_is_not_called_a_finished_week(
    patient_client, patient, clinician, clinic_template
):
    """Three 10-minute walks, then a step up to 15 minutes: 30 of 45 minutes is not done."""
    plan = assign(patient, clinic_template, clinician)
    for _ in range(3):
        factories.report_walk(patient, minutes=10)
    services.plan_advance(
        assignment=plan, by=clinician, reason="Ready", today=patient.clinic.today()
    )

    response = patient_client.get(reverse("patient_week"))

    assert response.context["progress"].target_met is False
    assert "You have done this week's walks" not in response.content.decode()


def test_well_done_is_never_shown_beside_advice_to_take_it_easier(
    patient_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)
    for _ in range(2):
        factories.report_walk(patient, minutes=10)
    log = factories.report_walk(
        patient, minutes=10, pain_after=9, pain_areas=["lower_back"]
    )  # severe pain: review advice

    page = patient_client.get(reverse("walk_detail", args=[log.pk])).content.decode()

    assert "Take it a little easier" in page
    assert "Well done" not in page


def test_no_morning_question_under_advice_to_get_medical_help(
    patient_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician, days_ago=2)
    factories.report_walk(patient, walked_on=patient.clinic.today() - datetime.timedelta(1))
    factories.report_check_in(patient, "chest")

    response = patient_client.get(reverse("patient_week"))

    assert "Get medical help now" in response.content.decode()
    assert response.context["morning_walk"] is None


@pytest.mark.parametrize(("hour", "word"), [(8, "this morning"), (22, "today")])
def test_the_morning_question_fits_the_time_of_day(client, patient, hour, word):
    zone = patient.clinic.zone
    now = datetime.datetime.combine(patient.clinic.today(), datetime.time(hour), zone)
    with time_machine.travel(now, tick=False):
        factories.sign_in(client, patient.user)
        factories.report_walk(patient, walked_on=patient.clinic.today() - datetime.timedelta(1))
        page = client.get(reverse("patient_week")).content.decode()

    assert f"How is your back {word} compared with before yesterday" in page


def test_under_urgent_advice_the_home_page_gives_the_words_to_say_and_the_answers(
    patient_client, patient
):
    check_in = factories.report_check_in(patient, "bladder")
    factories.sign_in(patient_client, patient.user)
    patient_client.get(reverse("check_in_detail", args=[check_in.pk]))  # the advice was shown

    page = patient_client.get(reverse("patient_week")).content.decode()

    assert "Get medical help now" in page
    assert "New for me: trouble passing or controlling urine." in page
    assert reverse("check_in_detail", args=[check_in.pk]) in page


def test_logging_a_walk_and_reporting_a_change_come_first_on_the_page(
    patient_client, patient, clinician, standard_template
):
    """On a phone the first screen holds the heading and these two: they lead the page,
    ahead of the next-morning question, the progress and the tip."""
    morning = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=patient.clinic.zone)
    with time_machine.travel(morning - datetime.timedelta(days=1)):
        assign(patient, standard_template, clinician)
        factories.report_walk(patient, minutes=8, pain_before=2, pain_after=3)
    with time_machine.travel(morning):
        page = patient_client.get(reverse("patient_week")).content.decode()

    body = page[page.index("<h1>") :]
    log, report = body.index("Log a walk"), body.index("Report a change in symptoms")
    assert max(log, report) < body.index("After yesterday") < body.index("This week")
