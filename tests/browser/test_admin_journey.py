"""A clinician, as a new user would: duplicate the standard plan, tailor it, assign it.

Every page the browser loads is scanned with axe (see conftest.py).
"""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from patients.models import Patient
from programs.models import PlanAssignment
from tests.browser.steps import enter_code
from tests.factories import PASSWORD

# The live server runs in another thread, so it needs committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def sign_in_to_admin(page: Page, axe, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/")
    axe.scan(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    enter_code(page, axe, User.objects.get(username=username))
    expect(page.get_by_role("heading", name="Walking plans and patients")).to_be_visible()
    axe.scan(page)


def test_clinician_duplicates_tailors_and_assigns_the_standard_plan(
    page: Page, axe, live_server, clinician, patient, standard_template
):
    sign_in_to_admin(page, axe, live_server.url, clinician.username)

    page.get_by_role("link", name="Plan templates").click()
    axe.scan(page)
    page.get_by_role("link", name="Standard graded walking plan").click()
    expect(page.get_by_text("read-only", exact=False).first).to_be_visible()
    axe.scan(page)
    page.get_by_role("link", name="Preview progression").click()
    expect(page.get_by_text("The whole plan takes 16 weeks.")).to_be_visible()
    axe.scan(page)
    page.go_back()

    page.get_by_role("button", name="Duplicate").click()
    expect(page.get_by_text("Rename it and tailor its stages below.")).to_be_visible()
    axe.scan(page)
    page.get_by_label("Name:").fill("Gentle start for Alice")
    page.locator("#id_stages-0-minutes_per_session").fill("5")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    axe.scan(page)

    page.get_by_role("link", name="Patients", exact=True).click()
    axe.scan(page)
    page.get_by_role("link", name="Alice Patient").click()
    axe.scan(page)
    page.get_by_role("link", name="Assign a walking plan").click()
    axe.scan(page)
    page.get_by_label("Template to copy:").select_option(label="Gentle start for Alice")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Plan assigned. Tailor its stages below if needed.")).to_be_visible()
    current = "Stage 1 of 8, week 1 of 2: walk 5 minutes on flat ground, 3 times a week"
    expect(page.get_by_text(current)).to_be_visible()
    axe.scan(page)

    plan = PlanAssignment.objects.get(patient=patient)
    assert plan.stages.get(position=1).minutes_per_session == 5
    assert standard_template.stages.get(position=1).minutes_per_session == 8


def test_clinician_enrols_a_patient_and_advances_their_plan(
    page: Page, axe, live_server, clinician, standard_template
):
    sign_in_to_admin(page, axe, live_server.url, clinician.username)

    page.get_by_role("link", name="Patients", exact=True).click()
    axe.scan(page)
    page.get_by_role("link", name="Add patient").click()
    axe.scan(page)
    page.get_by_label("First name:").fill("Grace")
    page.get_by_label("Last name:").fill("Hopper")
    page.get_by_label("Email:").fill("grace@example.com")
    page.get_by_label("Usual pain (0-10):").fill("4")
    page.get_by_label("Pins and needles or tingling").check()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("was added successfully")).to_be_visible()
    axe.scan(page)

    page.get_by_role("link", name="Assign a walking plan").click()
    axe.scan(page)
    page.get_by_label("Template to copy:").select_option(label="Standard graded walking plan")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Plan assigned.")).to_be_visible()
    axe.scan(page)
    page.get_by_role("link", name="Advance to the next stage").click()
    axe.scan(page)
    page.get_by_label("Why").fill("Stage done on green")
    page.get_by_role("button", name="Advance to the next stage").click()
    expect(page.get_by_text("Advanced. Now: Stage 2 of 8")).to_be_visible()
    axe.scan(page)

    grace = Patient.objects.get(user__email="grace@example.com")
    assert grace.known_nerve_symptoms == ["pins_and_needles"]
    assert grace.assignments.get().current_position == 2
