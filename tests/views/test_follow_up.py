"""The monthly follow-up question's pages: the signed link (no sign-in, its own question
only, GET changes nothing, answered once, expires), the signed-in route, the week's card,
the form's rules, and stopping."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.choices import Limitation
from patients.models import AuditEvent, FollowUpQuestion, Patient
from patients.outcomes.follow_ups import FOLLOW_UP_LINK_DAYS, answer_token
from patients.services.follow_ups import follow_up_stop
from tests.factories import assign, sign_in
from tests.outcomes.helpers import ask, discharge

NO = {"back_pain_over_a_day": "no"}
RECURRENCE = {
    "back_pain_over_a_day": "yes",
    "limitation": Limitation.MODERATELY,
    "started_on": "",
    "care_sought": "yes",
}


@pytest.fixture
def question(patient, clinician, clinic_template):
    discharged_on = discharge(patient, clinic_template, clinician, days_ago=35)
    return ask(patient, discharged_on)


def link(question) -> str:
    return reverse("follow_up_answer", args=[answer_token(question)])


def stored(question) -> FollowUpQuestion:
    return FollowUpQuestion.objects.get(pk=question.pk)


def test_the_link_shows_the_questions_and_advice_and_changes_nothing(client, question):
    response = client.get(link(question))

    assert response.status_code == 200
    assert "have you had back pain that lasted more than 24 hours?" in response.text
    assert "Your answers are not watched by a clinician." in response.text
    assert f"call {question.patient.clinic.emergency_number} now" in response.text
    assert "around your genitals, bottom or inner thighs" in response.text
    assert "Stop these questions" in response.text
    # Whoever holds the link sees nobody's name or record.
    assert question.patient.user.first_name not in response.text
    assert question.patient.user.email not in response.text
    assert stored(question).answered_at is None
    assert stored(question).patient.follow_up_stopped_at is None
    assert not AuditEvent.objects.filter(subject__startswith="follow-up").exists()


def test_an_answer_is_saved_once_and_the_page_then_thanks(client, question):
    response = client.post(link(question), RECURRENCE)

    assert response.status_code == 302
    saved = stored(question)
    assert saved.answered_at is not None
    assert saved.is_recurrence
    assert saved.care_sought is True
    assert AuditEvent.objects.get(subject="follow-up answer").actor == "the patient"

    again = client.post(link(question), NO, follow=True)
    assert "Thank you, we have your answer for this month" in again.text
    assert "Send my answer" not in again.text
    assert stored(question).is_recurrence  # the second answer did not overwrite the first


def test_no_needs_nothing_else_and_other_answers_are_ignored(client, question):
    tomorrow = question.patient.clinic.today() + datetime.timedelta(days=1)
    data = {**NO, "limitation": Limitation.A_LOT, "started_on": tomorrow.isoformat()}

    assert client.post(link(question), data).status_code == 302

    saved = stored(question)
    assert saved.back_pain_over_a_day is False
    assert (saved.limitation, saved.started_on, saved.care_sought) == ("", None, None)


def test_yes_needs_the_limitation(client, question):
    response = client.post(link(question), {"back_pain_over_a_day": "yes"})

    assert response.status_code == 200
    assert "Choose how much it stopped you doing your usual activities." in response.text
    assert 'href="#id_limitation_0"' in response.text
    assert stored(question).answered_at is None


def test_nothing_answered_asks_the_first_question(client, question):
    response = client.post(link(question), {})

    assert response.status_code == 200
    assert 'href="#id_back_pain_over_a_day_0"' in response.text
    assert stored(question).answered_at is None


def test_a_start_date_in_the_future_or_before_discharge_is_refused(client, question):
    today = question.patient.clinic.today()
    future = {**RECURRENCE, "started_on": (today + datetime.timedelta(days=2)).isoformat()}
    response = client.post(link(question), future)
    assert (
        "The date cannot be in the future. Choose today or an earlier day, or leave it empty."
        in response.text
    )

    early = {**RECURRENCE, "started_on": (today - datetime.timedelta(days=90)).isoformat()}
    response = client.post(link(question), early)
    assert "Choose a date after your program ended" in response.text
    assert 'value="moderate" id="id_limitation_2" checked' in response.text
    assert stored(question).answered_at is None


def test_a_tampered_or_foreign_token_is_a_calm_not_found(client, question):
    token = answer_token(question)
    for bad in (token[:-2] + "xx", "not-a-token", token.replace(":", "-", 1)):
        response = client.get(reverse("follow_up_answer", args=[bad]))
        assert response.status_code == 404
        assert "This link does not work" in response.text
        assert client.post(reverse("follow_up_answer", args=[bad]), NO).status_code == 404
    assert stored(question).answered_at is None


def test_the_link_reaches_only_its_own_question(client, question, other_patient):
    other = ask(other_patient, question.discharged_on)

    client.post(link(question), NO)

    assert stored(question).answered_at is not None
    assert stored(other).answered_at is None


def test_the_link_expires(client, question):
    url = link(question)
    later = timezone.now() + datetime.timedelta(days=FOLLOW_UP_LINK_DAYS, minutes=1)
    with time_machine.travel(later):
        response = client.post(url, NO)
    assert response.status_code == 404
    assert "older than 45 days" in response.text
    assert stored(question).answered_at is None


def test_stopping_from_the_link_redirects_to_a_page_with_the_advice(client, question):
    client.get(link(question))  # the page's CSRF cookie, as a browser would have
    response = client.post(reverse("follow_up_link_stop", args=[answer_token(question)]))

    # POST, then redirect: a reload does not send the stop again.
    assert response.status_code == 302
    assert response["Location"] == link(question)
    patient = Patient.objects.get(pk=question.patient_id)
    assert patient.follow_up_stopped_at is not None
    assert AuditEvent.objects.filter(subject="follow-up questions").count() == 1
    page = client.get(link(question))
    assert "You stopped these questions" in page.text
    assert "You can start them again from your Stepwise page." in page.text
    assert "tell your clinic" not in page.text
    assert "When to get help" in page.text
    assert "around your genitals, bottom or inner thighs" in page.text
    assert "Send my answer" not in page.text
    # The link alone never restarts them.
    assert "Start the questions again" not in page.text


def test_the_stopped_link_offers_a_restart_only_to_its_patient_signed_in(
    client, question, other_patient
):
    follow_up_stop(patient=question.patient, by=question.patient.user)
    sign_in(client, other_patient.user)
    assert "Start the questions again" not in client.get(link(question)).text

    sign_in(client, question.patient.user)
    page = client.get(link(question))
    assert "Start the questions again" in page.text
    assert f'action="{reverse("follow_up_restart")}"' in page.text


def test_the_patient_starts_the_questions_again_signed_in(client, question):
    sign_in(client, question.patient.user)
    client.post(reverse("follow_up_stop"))
    stopped = client.get(reverse("follow_up_current"))
    assert "Start the questions again" in stopped.text
    assert "When to get help" in stopped.text

    response = client.post(reverse("follow_up_restart"), follow=True)

    assert Patient.objects.get(pk=question.patient_id).follow_up_stopped_at is None
    assert "have you had back pain" in response.text
    details = AuditEvent.objects.filter(subject="follow-up questions").values_list(
        "detail", flat=True
    )
    assert sorted(details) == [
        "the patient started the follow-up questions again",
        "the patient stopped the follow-up questions",
    ]
    assert "Answer this month's question" in client.get(reverse("patient_week")).text


def test_an_old_link_after_a_new_plan_has_nothing_to_answer(
    client, question, clinic_template, clinician
):
    assign(question.patient, clinic_template, clinician)
    url = link(question)

    page = client.get(url)
    assert "There is nothing to answer now" in page.text
    assert "Send my answer" not in page.text
    assert "Stop these questions" not in page.text
    assert "When to get help" in page.text

    assert client.post(url, NO).status_code == 200
    assert stored(question).answered_at is None
    client.post(reverse("follow_up_link_stop", args=[answer_token(question)]))
    assert Patient.objects.get(pk=question.patient_id).follow_up_stopped_at is None
    assert not AuditEvent.objects.filter(subject__startswith="follow-up").exists()


def test_an_answered_link_after_a_new_plan_promises_nothing_and_offers_no_stop(
    client, question, clinic_template, clinician
):
    client.post(link(question), NO)
    assign(question.patient, clinic_template, clinician)

    page = client.get(link(question)).text

    assert "There is nothing to answer now" in page
    assert "We will ask again next month" not in page
    assert "Stop these questions" not in page


def test_a_months_link_closes_when_the_next_month_opens(client, question):
    # Month 1 was asked 5 days ago (35 days after discharge); month 2 opens in 25 days.
    with time_machine.travel(timezone.now() + datetime.timedelta(days=26)):
        page = client.get(link(question)).text
        assert "There is nothing to answer now" in page
        assert "Send my answer" not in page
        client.post(link(question), RECURRENCE)
    assert stored(question).answered_at is None  # a late answer is not read as month 1's


def test_a_patient_who_stopped_finds_the_way_back_from_the_week(client, question):
    sign_in(client, question.patient.user)
    client.post(reverse("follow_up_stop"))

    week = client.get(reverse("patient_week")).text

    assert "You stopped the monthly questions about your back." in week
    assert reverse("follow_up_current") in week
    assert "Start the questions again" in client.get(reverse("follow_up_current")).text


def test_the_form_posts_to_the_page_without_the_help_cards_anchor(client, question):
    page = client.get(link(question) + "#get-help").text
    assert f'action="{link(question)}"' in page


def test_an_old_link_after_a_later_discharge_has_nothing_to_answer(
    client, question, clinic_template, clinician
):
    discharge(question.patient, clinic_template, clinician, days_ago=1)

    assert "There is nothing to answer now" in client.get(link(question)).text
    client.post(link(question), NO)
    assert stored(question).answered_at is None


def test_month_one_counts_from_the_programs_end_and_later_months_from_the_last_ask(
    client, question
):
    first = client.get(link(question)).text
    assert "Since your walking program ended, have you had back pain" in first
    assert "Since we last asked" not in first

    with time_machine.travel(timezone.now() + datetime.timedelta(days=30)):
        second = ask(question.patient, question.discharged_on, month=2)
        assert "Since we last asked, have you had back pain" in client.get(link(second)).text


def test_the_thank_you_fits_the_answer_and_the_month(client, question):
    client.post(link(question), RECURRENCE)
    page = client.get(link(question)).text
    assert "If your back is still stopping you doing your usual activities" in page
    assert "We will ask again next month." in page
    assert f"call {question.patient.clinic.emergency_number} now" in page

    last = ask(question.patient, question.discharged_on, month=12)
    FollowUpQuestion.objects.filter(pk=last.pk).update(
        answered_at=timezone.now(), back_pain_over_a_day=False
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=330)):
        page = client.get(link(last)).text
    assert "This was the last question. Thank you for answering." in page
    assert "We will ask again next month." not in page
    assert "If your back is still stopping you" not in page


def test_the_question_page_links_to_the_help_before_the_form(client, question):
    page = client.get(link(question)).text

    # The page's own form: the header's language switch comes before <main>.
    assert page.index('href="#get-help"') < page.index("<form", page.index("<main"))
    assert 'id="get-help"' in page
    assert "Need help now?" in page


def test_an_unreadable_start_date_says_how_to_type_it_and_keeps_it(client, question):
    for typed in ("21 Nov 2026", "last Tuesday"):
        response = client.post(link(question), {**RECURRENCE, "started_on": typed})
        assert "Enter the date like 21/11/2026, or leave it empty if you are not sure." in (
            response.text
        )
        assert f'value="{typed}"' in response.text
        assert stored(question).answered_at is None

    # The example's form is one the field reads.
    day = question.discharged_on + datetime.timedelta(days=3)
    client.post(link(question), {**RECURRENCE, "started_on": day.strftime("%d/%m/%Y")})
    assert stored(question).started_on == day


def test_the_signed_in_route_and_the_weeks_card(client, question):
    sign_in(client, question.patient.user)

    week = client.get(reverse("patient_week"))
    assert "Answer this month's question" in week.text
    page = client.get(reverse("follow_up_current"))
    assert "have you had back pain" in page.text

    client.post(reverse("follow_up_current"), NO)

    assert stored(question).answered_at is not None
    assert "Answer this month" not in client.get(reverse("patient_week")).text
    again = client.get(reverse("follow_up_current"))
    assert "Thank you, we have your answer for this month" in again.text


def test_no_card_on_a_plan_or_before_month_one(client, patient, clinician, clinic_template):
    sign_in(client, patient.user)
    discharged_on = discharge(patient, clinic_template, clinician, days_ago=10)
    assert "Answer this month" not in client.get(reverse("patient_week")).text
    assert "No question this month" in client.get(reverse("follow_up_current")).text
    ask(patient, discharged_on)  # a stray row before month 1 opens is not shown either
    assert "Answer this month" not in client.get(reverse("patient_week")).text
    assign(patient, clinic_template, clinician)
    assert "Answer this month" not in client.get(reverse("patient_week")).text


def test_a_discharged_patients_week_says_the_program_finished(
    client, patient, clinician, clinic_template
):
    sign_in(client, patient.user)
    assert "Your walking plan is on its way" in client.get(reverse("patient_week")).text

    discharge(patient, clinic_template, clinician, days_ago=10)

    week = client.get(reverse("patient_week")).text
    assert "Your walking program has finished" in week
    assert "Your walking plan is on its way" not in week


def test_stopping_signed_in(client, question):
    sign_in(client, question.patient.user)

    response = client.post(reverse("follow_up_stop"), follow=True)

    assert "You stopped these questions" in response.text
    assert Patient.objects.get(pk=question.patient_id).follow_up_stopped_at is not None
    assert "Answer this month" not in client.get(reverse("patient_week")).text


def test_the_pages_cost_pinned_queries(client, question, other_patient):
    ask(other_patient, question.discharged_on)
    with CaptureQueriesContext(connection) as by_link:
        client.get(link(question))
    sign_in(client, question.patient.user)
    with CaptureQueriesContext(connection) as signed_in:
        client.get(reverse("follow_up_current"))
    # The link: the question with its patient and clinic, then whether it is still asked
    # (the current plan, the discharge). Signed in: the session, the user, the patient, the
    # current plan, the discharge, the question.
    assert len(by_link) == 3
    assert len(signed_in) == 6
