"""Steps several browser journeys share."""

from playwright.sync_api import Page, expect

from tests import factories


def enter_code(page: Page, axe, user) -> None:
    """The second sign-in step every staff member passes: the authenticator app's code."""
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    axe.scan(page)
    page.get_by_label("Code").fill(factories.current_code(user))
    page.get_by_role("button", name="Continue").click()
