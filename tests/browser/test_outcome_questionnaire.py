"""A patient on a phone answers the questionnaire at the start of their plan."""

import pytest
from playwright.sync_api import Page, expect

from patients.choices import Instrument, Occasion
from patients.models import OutcomeResponse
from tests.browser.steps import fits, sign_in_patient
from tests.factories import assign, make_patient, make_template

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True}


def fits_at_200_percent_zoom(page: Page) -> bool:
    """The same phone at 200% zoom is 180 CSS pixels wide."""
    page.set_viewport_size({"width": 180, "height": PHONE["height"]})
    fitting = fits(page, 180)
    page.set_viewport_size(PHONE)
    return fitting


def test_a_patient_answers_the_start_questionnaire_on_a_phone(
    page: Page, axe, live_server, clinic, clinician
):
    patient = make_patient(clinic, clinician, "Iris")
    assign(patient, make_template("Ladder", clinic), clinician)
    sign_in_patient(page, axe, live_server, patient)
    assert fits(page, PHONE["width"])

    page.get_by_role("link", name="Answer the questions").click()
    expect(page.get_by_role("heading", name="How your back is doing")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])
    assert fits_at_200_percent_zoom(page)

    # A mistake first: an activity named but not rated.
    page.get_by_label("Activity 1").fill("Carrying the shopping")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])
    expect(page.get_by_label("Activity 1")).to_have_value("Carrying the shopping")

    page.locator("#id_rating_1_3").check()
    page.locator("#id_pain_6").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you. Your answers are saved")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])

    # Their progress, as a small table on the history page.
    page.get_by_role("link", name="Your walks and charts").click()
    expect(page.get_by_role("heading", name="How your back has changed")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])
    assert fits_at_200_percent_zoom(page)

    response = OutcomeResponse.objects.get(patient=patient)
    assert response.occasion == Occasion.START
    scores = {score.instrument: score.score for score in response.scores.all()}
    assert scores == {Instrument.PSFS: 3, Instrument.NPRS: 6}
