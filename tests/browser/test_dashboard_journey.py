"""A clinician works a flag from the dashboard, as a new user would. Every page scanned."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from patients.models import Flag
from patients.services.reports import symptom_check_in_save, walk_log_create
from tests.browser.steps import enter_code
from tests.factories import PASSWORD, assign, make_patient

pytestmark = pytest.mark.django_db(transaction=True)


def test_clinician_acknowledges_and_resolves_a_flag_with_a_hold(
    page: Page, axe, live_server, clinic, clinician, clinic_template
):
    patient = make_patient(clinic, clinician, "Dora")
    assign(patient, clinic_template, clinician)
    for _day in range(2):
        walk_log_create(
            patient=patient,
            submission_key=uuid.uuid4(),
            by=patient.user,
            walked_on=clinic.today(),
            minutes=8,
            terrain="flat",
            pain_before=4,
            pain_after=6,
            pain_character=["electric_shock"],
            pain_areas=["thigh"],
            pain_side="left",
        )

    page.goto(f"{live_server.url}/accounts/login/")
    axe.scan(page)
    page.get_by_label("Username or email").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, axe, clinician)
    summary = "New nerve-type symptoms in the leg: like an electric shock."
    expect(page.get_by_role("cell", name=summary, exact=True)).to_be_visible()
    axe.scan(page)

    page.get_by_role("button", name="Acknowledge Dora Patient").click()
    expect(page.get_by_text("Acknowledged: Dora Patient")).to_be_visible()
    axe.scan(page)
    page.get_by_role("link", name="Resolve Dora Patient").click()
    axe.scan(page)
    page.get_by_label("Hold at this stage").check()
    page.get_by_label("Note").fill("Phoned Dora: repeat this stage, walk slower.")
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.get_by_text("Resolved: Dora Patient.")).to_be_visible()
    axe.scan(page)

    page.get_by_role("link", name="Dora Patient").first.click()
    expect(page.get_by_role("heading", name="Dora Patient")).to_be_visible()
    expect(page.get_by_text("Held at this stage at stage 1").first).to_be_visible()
    axe.scan(page)

    flag = Flag.objects.get()
    assert (flag.status, flag.resolution_action) == ("resolved", "hold")
    assert flag.acknowledged_at < flag.resolved_at


def test_a_reviewer_reads_the_report_and_filters_it(
    page: Page, axe, live_server, reviewer, patient
):
    symptom_check_in_save(
        patient=patient, submission_key=uuid.uuid4(), pain_now=4, serious_yes=["fever"]
    )

    page.goto(f"{live_server.url}/accounts/login/")
    axe.scan(page)
    page.get_by_label("Username or email").fill(reviewer.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    enter_code(page, axe, reviewer)
    expect(page.get_by_role("heading", name="Red-flag report")).to_be_visible()
    counts = page.get_by_role("region", name="Flags by rule and severity")
    expect(counts.get_by_role("row", name="Systemic symptoms")).to_be_visible()
    axe.scan(page)

    page.get_by_label("Severity", exact=True).select_option("urgent")
    page.get_by_role("button", name="Show").click()
    expect(counts.get_by_text("No flags match these filters.")).to_be_visible()
    axe.scan(page)
