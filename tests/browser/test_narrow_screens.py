"""A patient on a 360 px phone, and on the same phone at 200% zoom (180 CSS px): the 0-10
pain buttons stay big enough to tap (WCAG 2.2 target size, 24 x 24 px) and inside the
screen, and the urgent advice box wraps its words instead of spilling sideways.

The buttons and the advice are also saved as screenshots under pytest's tmp_path, to
look at by eye.
"""

import datetime
import uuid

import pytest
from playwright.sync_api import Page, expect

from patients.services.reports import walk_log_create
from tests.browser.steps import fits, sign_in_patient
from tests.browser.test_patient_journey import answer_check_in
from tests.factories import make_patient

pytestmark = pytest.mark.django_db(transaction=True)
WIDTHS = (360, 180)
TARGET = 24


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}, "is_mobile": True}


def walked_yesterday(patient) -> None:
    """A walk yesterday, so the week page asks the next-morning question."""
    walk_log_create(
        patient=patient,
        submission_key=uuid.uuid4(),
        by=patient.user,
        walked_on=patient.clinic.today() - datetime.timedelta(days=1),
        minutes=10,
        terrain="flat",
        pain_before=3,
        pain_after=5,
    )


def pain_buttons_problems(page: Page, width: int) -> list[str]:
    """Every pain option's label that is smaller than 24 x 24 px, or outside the screen or
    its own row of buttons."""
    problems = []
    for scale in page.locator(".scale").all():
        row = scale.bounding_box()
        labels = scale.locator(".scale-point label").all()
        assert len(labels) == 11
        for label in labels:
            box = label.bounding_box()
            name = label.inner_text().split()[0]
            if box["width"] < TARGET or box["height"] < TARGET:
                problems.append(f"{width}px: {name} is {box['width']:.0f}x{box['height']:.0f}")
            right = box["x"] + box["width"]
            if box["x"] < 0 or right > width:
                problems.append(f"{width}px: {name} is outside the screen")
            if box["x"] < row["x"] - 0.5 or right > row["x"] + row["width"] + 0.5:
                problems.append(f"{width}px: {name} is outside its row")
    return problems


# Each word of the advice as a range of text: a word drawn on two lines was broken in the
# middle ("medica / l").
BROKEN_WORDS = """box => {
    const broken = [];
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const word of node.data.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, word.index);
            range.setEnd(node, word.index + word[0].length);
            const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
            if (lines.size > 1) broken.push(word[0]);
        }
    }
    return broken;
}"""


def test_the_pain_buttons_are_big_enough_and_on_screen_at_200_percent_zoom(
    page: Page, axe, live_server, clinic, clinician, tmp_path
):
    patient = make_patient(clinic, clinician, "Maya")
    walked_yesterday(patient)
    sign_in_patient(page, axe, live_server, patient)

    for path, scales in (("/week/", 1), ("/walks/new/", 2), ("/check-ins/new/", 1)):
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{live_server.url}{path}")
        expect(page.locator(".scale")).to_have_count(scales)
        axe.scan(page)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 740})
            name = path.strip("/").replace("/", "-")
            pain = page.locator(".card:has(.scale), fieldset:has(.scale)").first
            pain.screenshot(path=tmp_path / f"{name}-{width}.png")
            assert pain_buttons_problems(page, width) == []
            assert fits(page, width), f"{path} scrolls sideways at {width}px"


def test_the_urgent_advice_wraps_inside_its_box_at_200_percent_zoom(
    page: Page, axe, live_server, clinic, clinician, tmp_path
):
    patient = make_patient(clinic, clinician, "Ada")
    sign_in_patient(page, axe, live_server, patient)
    page.get_by_role("link", name="Report a change in symptoms").click()
    axe.scan(page)
    answer_check_in(page, 5, yes_to="genitals, bottom")
    page.get_by_role("button", name="Send to my clinic").click()
    expect(page.get_by_role("alert")).to_contain_text("Go to an emergency department now")
    axe.scan(page)

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 740})
        advice = page.locator(".advice")
        advice.screenshot(path=tmp_path / f"advice-{width}.png")
        assert advice.evaluate("box => box.scrollWidth <= box.clientWidth")
        assert advice.evaluate(BROKEN_WORDS) == [], f"words broken at {width}px"
        for item in advice.locator("li, p, h2, h3").all():
            assert item.evaluate("text => text.scrollWidth <= text.clientWidth")
        assert fits(page, width)
