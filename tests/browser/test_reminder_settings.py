"""A patient on a phone turns reminders on from the week page, and sees them saved."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from patients.models import ReminderSettings
from tests.browser.steps import fits, sign_in_patient
from tests.factories import make_patient

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True}


def test_a_patient_turns_reminders_on_from_the_week_page(
    page: Page, axe, live_server, clinic, clinician
):
    patient = make_patient(clinic, clinician, "Wren")
    sign_in_patient(page, axe, live_server, patient)

    page.get_by_role("link", name="Your reminders").click()
    expect(page.get_by_text("Your reminders are off.")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])

    # A mistake first: days without a time.
    page.get_by_label("Monday").check()
    page.get_by_label("Thursday").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])
    expect(page.get_by_label("Thursday")).to_be_checked()

    page.get_by_label("Time of the walk reminder").fill("10:30")
    page.get_by_label("Remind me when I have not logged a walk for").select_option("3")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Your reminders are saved.")).to_be_visible()
    expect(page.get_by_text("Your reminders are on.")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])

    settings = ReminderSettings.objects.get(patient=patient)
    assert settings.walk_days == ["1", "4"]
    assert settings.walk_time == datetime.time(10, 30)
    assert settings.nudge_after_days == 3
    assert settings.by_email

    # At 400% zoom a phone is 180 CSS pixels wide: the long list of time zones still fits.
    page.set_viewport_size({"width": 180, "height": 740})
    assert fits(page, 180)
