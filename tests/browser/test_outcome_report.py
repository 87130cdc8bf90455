"""A reviewer opens the clinic's outcomes page over the generated demo clinic: the curve
beside the trial's medians, its table, adherence and the share improved; scanned, and
never scrolling sideways on a phone."""

import pytest
from playwright.sync_api import Page, expect

from patients.management.commands import _demo_outcomes
from tests.browser.steps import sign_in_staff

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
ZOOMED = {"width": 180, "height": 740}  # a phone at 200% zoom


def test_a_reviewer_reads_the_clinics_outcomes(
    page: Page, axe, live_server, reviewer, clinic_template, clinic
):
    generated = _demo_outcomes.generate(
        reviewer=reviewer, template=clinic_template, today=clinic.today()
    )
    sign_in_staff(page, axe, live_server, reviewer)
    expect(page.get_by_role("heading", name="Red-flag report")).to_be_visible()
    axe.scan(page)
    page.get_by_role("link", name="Outcomes report").click()
    expect(page.get_by_role("heading", name="Outcomes report", level=1)).to_be_visible()
    axe.scan(page)
    page.get_by_label("Clinic", exact=True).select_option(label=generated.name)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("discharged patients counted")).to_be_visible()
    axe.scan(page)

    chart = page.get_by_role("img", name="Share of patients free of a recurrence")
    expect(chart).to_be_visible()
    expect(page.locator(".survival-band")).to_have_count(1)
    expect(page.locator(".trial-mark")).to_have_count(2)
    # The trial's marks are labelled in words on the chart itself.
    expect(chart.get_by_text("walking 208", exact=True)).to_be_visible()
    expect(chart.get_by_text("usual care 112", exact=True)).to_be_visible()
    expect(
        page.get_by_text("WalkBack trial median: walking 208 days, usual care 112 days")
    ).to_be_visible()
    expect(page.get_by_text("indicative only")).to_be_visible()

    page.get_by_text("The curve as a table").click()
    rows = page.get_by_role("region", name="The curve as a table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 10
    expect(page.get_by_role("img", name="Share of planned walks done")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Function (PSFS)")).to_be_visible()
    axe.scan(page)

    # Filters that choose nobody say so, with no zero tables.
    page.get_by_label("Discharged from").fill("2020-01-01")
    page.get_by_label("Discharged up to").fill("2020-12-31")
    page.get_by_role("button", name="Show").click()
    expect(
        page.get_by_text("No patients were discharged between these dates.").first
    ).to_be_visible()
    expect(page.get_by_role("img", name="Share of patients free of a recurrence")).to_have_count(0)
    axe.scan(page)

    for size in (PHONE, ZOOMED):
        page.set_viewport_size(size)
        # Wide tables scroll inside their own boxes; the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
