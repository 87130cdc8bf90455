"""A patient on a phone, as a new user would: invitation, walks, a mistake, check-in, charts.

Every page the browser loads is scanned with axe (see conftest.py).
"""

import pytest
from playwright.sync_api import Page, expect

from patients.models import SymptomCheckIn, WalkLog
from tests.factories import assign, invite, make_patient

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-walk-by-the-river-2026"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "is_mobile": True}


def answer_check_in(page: Page, pain_now: int, *, yes_to: str = "") -> None:
    """Fill in a check-in: pain now, then no to everything except the question containing
    `yes_to`."""
    choose_pain(page, "How bad is your pain now?", pain_now)
    page.get_by_role("group", name="Is the pain so bad").get_by_label("No").check()
    for question in page.get_by_role("group").filter(has=page.get_by_label("Yes")).all():
        if question.get_by_label("Yes").is_checked() or question.get_by_label("No").is_checked():
            continue
        answer = "Yes" if yes_to and yes_to in question.inner_text() else "No"
        question.get_by_label(answer).check()


def choose_pain(page: Page, legend: str, value: int) -> None:
    page.get_by_role("group", name=legend).get_by_label(str(value), exact=True).check()


def test_a_new_patient_sets_a_password_logs_walks_and_sees_progress(
    page: Page, axe, live_server, clinic, clinician, standard_template
):
    patient = make_patient(clinic, clinician, "Rosa")
    assign(patient, standard_template, clinician)
    token = invite(patient, clinician)

    page.goto(f"{live_server.url}/invitations/{token}/")
    axe.scan(page)
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_text("Welcome to Stepwise.")).to_be_visible()
    expect(page.get_by_text("Stage 1 of 8, week 1 of 2: walk 8 minutes")).to_be_visible()
    axe.scan(page)

    # First walk, with a mistake: no pain score after the walk.
    page.get_by_role("link", name="Log a walk").click()
    axe.scan(page)
    page.get_by_label("How many minutes did you walk?").fill("8")
    choose_pain(page, "Pain before the walk", 3)
    page.get_by_label("Aching").check()
    page.get_by_role("button", name="Save my walk").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    axe.scan(page)
    page.get_by_role("link", name="Choose your pain after the walk, from 0 to 10.").click()
    expect(page.get_by_label("Aching")).to_be_checked()
    choose_pain(page, "Pain after the walk", 4)
    page.get_by_role("button", name="Save my walk").click()
    expect(page.get_by_text("1 walk of 3 this week")).to_be_visible()
    axe.scan(page)

    # Second walk, typed wrongly and then corrected.
    page.get_by_role("link", name="Back to this week").click()
    axe.scan(page)
    page.get_by_role("link", name="Log a walk").click()
    axe.scan(page)
    page.get_by_label("How many minutes did you walk?").fill("80")
    choose_pain(page, "Pain before the walk", 3)
    choose_pain(page, "Pain after the walk", 3)
    page.get_by_role("button", name="Save my walk").click()
    expect(page.get_by_text("2 walks of 3 this week")).to_be_visible()
    axe.scan(page)
    page.get_by_role("link", name="Correct this walk").click()
    axe.scan(page)
    page.get_by_label("How many minutes did you walk?").fill("8")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("Your walk has been corrected.")).to_be_visible()
    axe.scan(page)

    # A symptom check-in with nothing worrying.
    page.get_by_role("link", name="Back to this week").click()
    axe.scan(page)
    page.get_by_role("link", name="Report a change in symptoms").click()
    axe.scan(page)
    answer_check_in(page, 3)
    page.get_by_role("button", name="Send to my clinic").click()
    expect(page.get_by_text("Nothing you told us needs action now.")).to_be_visible()
    axe.scan(page)

    page.get_by_role("link", name="Back to this week").click()
    axe.scan(page)
    page.get_by_role("link", name="Your walks and charts").click()
    expect(page.get_by_role("heading", name="Minutes each week")).to_be_visible()
    axe.scan(page)

    assert sorted(WalkLog.objects.values_list("minutes", flat=True)) == [8, 8]
    assert SymptomCheckIn.objects.get().serious_symptoms == []
    no_horizontal_scroll = page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth"
    )
    assert no_horizontal_scroll


def test_a_worrying_check_in_shows_the_emergency_advice_first(
    page: Page, axe, live_server, clinic, clinician
):
    patient = make_patient(clinic, clinician, "Ivy")
    page.goto(f"{live_server.url}/accounts/login/")
    axe.scan(page)
    page.get_by_label("Username or email").fill(patient.user.username)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Your walking plan is on its way")).to_be_visible()
    axe.scan(page)

    page.get_by_role("link", name="Report a change in symptoms").click()
    axe.scan(page)
    answer_check_in(page, 5, yes_to="genitals, bottom")
    page.get_by_role("button", name="Send to my clinic").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Go to an emergency department now, or call 999.")
    expect(page.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
    axe.scan(page)


def test_logging_a_walk_works_with_javascript_off(browser, axe, live_server, clinic, clinician):
    patient = make_patient(clinic, clinician, "Noscript")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.on("load", lambda loaded: axe.loaded.append(loaded.url))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username or email").fill(patient.user.username)
    page.get_by_label("Password").fill("a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/walks/new/")
    page.get_by_label("How many minutes did you walk?").fill("12")
    choose_pain(page, "Pain before the walk", 2)
    choose_pain(page, "Pain after the walk", 2)
    page.get_by_role("button", name="Save my walk").click()

    expect(page.get_by_text("Your walk is saved. Thank you.")).to_be_visible()
    assert WalkLog.objects.get(patient=patient).minutes == 12
    context.close()
    axe.loaded.clear()  # axe needs JavaScript; these pages were scanned in the tests above
