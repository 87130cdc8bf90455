"""A patient stops reminder emails from the link in one, signed out, on a phone and at
400% zoom: the page only asks, the button (a plain form, no script) stops them."""

import pytest
from playwright.sync_api import expect

from patients.models import ReminderSettings
from patients.reminders.links import stop_token
from tests.browser.steps import fits

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 360, "height": 740}
ZOOMED = {"width": 180, "height": 740}  # 720 px at 400%


def test_the_stop_link_asks_then_stops_reminder_emails(page, axe, live_server, patient):
    ReminderSettings.objects.create(patient=patient, morning_check_time="09:00")
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/reminders/stop/{stop_token(patient)}/")
    expect(page.get_by_role("heading", name="Stop reminder emails?")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])
    page.set_viewport_size(ZOOMED)
    assert fits(page, ZOOMED["width"])
    assert ReminderSettings.objects.get().by_email

    page.set_viewport_size(PHONE)
    page.get_by_role("button", name="Stop reminder emails").click()

    expect(page.get_by_role("heading", name="You will get no more reminder emails")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    axe.scan(page)
    assert fits(page, PHONE["width"])
    assert not ReminderSettings.objects.get().by_email

    page.set_viewport_size(ZOOMED)
    assert fits(page, ZOOMED["width"])
