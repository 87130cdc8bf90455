"""A discharged patient answers the monthly follow-up question from the link in its email,
signed out, on a phone and at 400% zoom: the questions, the fixed advice, no sideways
scroll, a plain form (no script needed), and the thank-you once answered."""

import pytest
from playwright.sync_api import expect

from patients.choices import Limitation
from patients.models import FollowUpQuestion
from patients.outcomes.follow_ups import answer_token
from tests.browser.steps import fits, sign_in_patient, sign_in_staff
from tests.outcomes.helpers import ask, discharge

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 360, "height": 740}
ZOOMED = {"width": 180, "height": 740}  # 720 px at 400%


def test_the_link_opens_the_question_and_takes_an_answer(
    page, axe, live_server, patient, clinician, clinic_template
):
    question = ask(patient, discharge(patient, clinic_template, clinician, days_ago=35))
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/follow-up/{answer_token(question)}/")
    expect(page.get_by_role("heading", name="A quick question about your back")).to_be_visible()
    expect(page.get_by_text("Your answers are not watched by a clinician.")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])
    page.set_viewport_size(ZOOMED)
    assert fits(page, ZOOMED["width"])
    page.set_viewport_size(PHONE)

    # "Yes" alone is not enough: the page says what is missing and keeps the answer.
    lasted = page.get_by_role("group", name="have you had back pain that lasted more than 24")
    lasted.get_by_label("Yes").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])

    page.get_by_role("group", name="How much did it stop you").get_by_label("A lot").check()
    page.get_by_role("group", name="Did you see anyone about it").get_by_label("No").check()
    page.get_by_role("button", name="Send my answer").click()

    expect(
        page.get_by_role("heading", name="Thank you, we have your answer for this month")
    ).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])
    saved = FollowUpQuestion.objects.get()
    assert (saved.back_pain_over_a_day, saved.limitation, saved.care_sought) == (
        True,
        Limitation.A_LOT,
        False,
    )


def test_stopping_from_the_link_then_starting_again_signed_in(
    page, axe, live_server, patient, clinician, clinic_template
):
    question = ask(patient, discharge(patient, clinic_template, clinician, days_ago=35))
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/follow-up/{answer_token(question)}/")
    page.get_by_role("link", name="See when to get help").click()
    expect(page.get_by_role("heading", name="When to get help")).to_be_in_viewport()

    page.get_by_role("button", name="Stop these questions").click()

    expect(page.get_by_role("heading", name="You stopped these questions")).to_be_visible()
    expect(page.get_by_role("heading", name="When to get help")).to_be_visible()
    expect(page.get_by_role("button", name="Start the questions again")).to_have_count(0)
    axe.scan(page)
    for size in (PHONE, ZOOMED):
        page.set_viewport_size(size)
        assert fits(page, size["width"])

    page.set_viewport_size(PHONE)
    sign_in_patient(page, axe, live_server, patient)
    page.goto(f"{live_server.url}/follow-up/")
    axe.scan(page)
    assert fits(page, PHONE["width"])
    page.get_by_role("button", name="Start the questions again").click()

    expect(page.get_by_role("heading", name="A quick question about your back")).to_be_visible()
    patient.refresh_from_db()
    assert patient.follow_up_stopped_at is None


def test_the_clinicians_record_shows_the_follow_up(
    page, axe, live_server, patient, clinician, clinic_template
):
    ask(patient, discharge(patient, clinic_template, clinician, days_ago=35))
    sign_in_staff(page, axe, live_server, clinician)
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    axe.scan(page)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/clinic/patients/{patient.pk}/")
    expect(page.get_by_role("heading", name="Follow-up after discharge")).to_be_visible()
    expect(page.get_by_text("not answered")).to_be_visible()
    axe.scan(page)
    for size in (PHONE, ZOOMED):
        page.set_viewport_size(size)
        assert fits(page, size["width"])
