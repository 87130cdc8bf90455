"""Steps several browser journeys share."""

from playwright.sync_api import Page, expect

from tests import factories


def enter_code(page: Page, axe, user) -> None:
    """The second sign-in step every staff member passes: the authenticator app's code."""
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    axe.scan(page)
    page.get_by_label("Code").fill(factories.current_code(user))
    page.get_by_role("button", name="Continue").click()


def sign_in_staff(page: Page, axe, live_server, user) -> None:
    """A member of staff signs in through the real pages: password, then their code."""
    page.goto(f"{live_server.url}/accounts/login/")
    axe.scan(page)
    page.get_by_label("Username or email").fill(user.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, axe, user)


def sign_in_patient(page: Page, axe, live_server, patient) -> None:
    """A patient signs in through the real sign-in page and lands on their week."""
    page.goto(f"{live_server.url}/accounts/login/")
    axe.scan(page)
    page.get_by_label("Username or email").fill(patient.user.username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=f"Hello {patient.user.first_name}")).to_be_visible()
    axe.scan(page)


def fits(page: Page, width: int) -> bool:
    """Nothing scrolls sideways at `width` CSS pixels (180: a 360 px phone at 200% zoom)."""
    return page.evaluate("document.documentElement.scrollWidth") <= width
