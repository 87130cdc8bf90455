"""The notifications toggle in Chromium: revealed where the browser can show notifications
(headless Chromium has the APIs but no push service to reach, so subscribing itself is not
tried), and a refused permission is said plainly. The toggle is placed on the sign-in page
as the reminder settings form would include it; the page's Content Security Policy applies."""

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Page, expect

from patients.management.commands.vapid_keys import new_key_pair

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def place_toggle(page: Page, html: str) -> None:
    """Put the include's markup in the page, and its script as the browser would load it."""
    page.evaluate(
        """html => {
            const form = document.querySelector("main form");
            const holder = document.createElement("div");
            holder.innerHTML = html;
            const script = holder.querySelector("script");
            if (script) script.remove();
            form.append(...holder.childNodes);
            if (script) {
                const loaded = document.createElement("script");
                loaded.src = script.getAttribute("src");
                document.head.append(loaded);
            }
        }""",
        html,
    )


def test_the_toggle_shows_where_notifications_work_and_says_when_they_are_blocked(
    page: Page, axe, live_server, settings
):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = new_key_pair()
    page.goto(f"{live_server.url}/accounts/login/")
    toggle = page.get_by_role("group", name="Notifications on this phone")

    place_toggle(page, render_to_string("patients/includes/push_toggle.html"))

    expect(toggle).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Notifications are off for this phone.")
    expect(toggle.get_by_role("button", name="Turn off")).to_be_hidden()
    page.context.clear_permissions()
    toggle.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your browser blocked notifications: you can allow them in its settings."
    )
    axe.scan(page)


def test_the_toggle_stays_hidden_where_the_browser_cannot_show_notifications(
    page: Page, axe, live_server, settings
):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = new_key_pair()
    page.add_init_script("delete window.PushManager;")
    page.goto(f"{live_server.url}/accounts/login/")

    place_toggle(page, render_to_string("patients/includes/push_toggle.html"))
    page.wait_for_function("document.querySelector('script[src$=\"push.js\"]') !== null")
    page.wait_for_load_state("networkidle")

    expect(page.locator("fieldset.push-toggle")).to_be_hidden()
    axe.scan(page)
