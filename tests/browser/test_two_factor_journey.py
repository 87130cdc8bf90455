"""A new clinician sets up two-step sign-in on a phone-sized screen, as they would for real.

Every page the browser loads is scanned with axe (see conftest.py).
"""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from patients.security import two_factor
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_clinician_sets_up_an_app_keeps_recovery_codes_and_reaches_the_dashboard(
    page: Page, axe, live_server, clinic
):
    newcomer = make_staff("nia", clinic, second_factor=False)
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto(f"{live_server.url}/accounts/login/")
    axe.scan(page)
    page.get_by_label("Username or email").fill(newcomer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(
        page.get_by_role("img", name="QR code to scan with your authenticator app")
    ).to_be_visible()
    axe.scan(page)

    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("link", name="That code did not work")).to_be_visible()
    axe.scan(page)

    device = TOTPDevice.objects.get(user=newcomer)
    device.throttle_reset()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Code", exact=True).fill(two_factor.current_code(device))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    axe.scan(page)

    page.get_by_role("link", name="I have kept them safe. Continue").click()
    expect(page.get_by_role("heading", name="Flags to review")).to_be_visible()
    axe.scan(page)
