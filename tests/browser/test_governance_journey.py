"""A reviewer runs the governance review of an urgent flag, as a new user would: from the
report's count to the flag's story, a review mark, and both downloads. Every page scanned."""

import csv
import datetime
import io
import uuid

import pytest
from playwright.sync_api import Page, expect

from patients.models import AuditAction, AuditEvent, Flag, FlagReview, Notification
from patients.safety.engine import flag_acknowledge
from patients.services.reports import symptom_check_in_save
from tests.browser.steps import sign_in_staff

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 360, "height": 740}
# A phone at 200% zoom: the layout is half as wide.
ZOOMED = {"width": 180, "height": 740}


def urgent_flag_acknowledged_late(patient, clinician) -> Flag:
    """Saddle numbness reported two hours ago; the clinician acknowledged it after 95
    minutes, 35 minutes past the clinic's hour."""
    symptom_check_in_save(
        patient=patient, submission_key=uuid.uuid4(), pain_now=5, serious_yes=["saddle"]
    )
    flag = Flag.objects.get(patient=patient, rule="cauda_equina")
    flag_acknowledge(flag=flag, by=clinician)
    raised = flag.opened_at - datetime.timedelta(hours=2)
    Flag.objects.filter(pk=flag.pk).update(
        opened_at=raised, acknowledged_at=raised + datetime.timedelta(minutes=95)
    )
    return flag


def download(page: Page, name: str) -> list[dict]:
    with page.expect_download() as started:
        page.get_by_role("link", name=name).click()
    text = open(started.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    return list(csv.DictReader(io.StringIO(text)))


def test_a_reviewer_follows_an_urgent_flag_from_the_report_to_its_review(
    page: Page, axe, live_server, reviewer, clinician, patient
):
    flag = urgent_flag_acknowledged_late(patient, clinician)
    assert Notification.objects.get(flag=flag).state == "sent"  # the worker ran it

    sign_in_staff(page, axe, live_server, reviewer)
    expect(page.get_by_role("heading", name="Safety events needing review")).to_be_visible()
    expect(page.get_by_text("Not reviewed yet")).to_be_visible()
    axe.scan(page)

    page.get_by_role("link", name="flags: Cauda equina symptoms, urgent").click()
    flags = page.locator("#flags tbody tr")
    expect(flags).to_have_count(1)
    axe.scan(page)

    flags.get_by_role("link", name="Cauda equina symptoms").click()
    expect(page.get_by_role("heading", name="Cauda equina symptoms")).to_be_visible()
    expect(page.get_by_text("35 min later than the clinic's window")).to_be_visible()
    expect(page.get_by_text("Get medical help now")).to_be_visible()
    expect(page.get_by_role("cell", name="Sent", exact=True).first).to_be_visible()
    axe.scan(page)

    page.get_by_label("Note").fill("Acknowledged late: clinic meeting over lunch. Rota changed.")
    page.get_by_role("button", name="Mark as reviewed").click()
    expect(page.get_by_text("Rota changed.")).to_be_visible()
    axe.scan(page)

    page.get_by_role("link", name="Red-flag report").click()
    expect(page.get_by_text(f"Reviewed by {reviewer.get_full_name()}")).to_be_visible()
    axe.scan(page)
    flag_rows = download(page, "Download these flags as CSV")
    rule_rows = download(page, "Download what each rule leads to as CSV")

    review = FlagReview.objects.get(flag=flag)
    assert (review.reviewed_by, review.note.endswith("Rota changed.")) == (reviewer, True)
    assert AuditEvent.objects.filter(subject="flag review", action=AuditAction.CREATED).exists()
    (row,) = flag_rows
    assert (row["Rule"], row["Severity"], row["Patient"]) == (
        "Cauda equina symptoms",
        "Urgent",
        patient.user.get_full_name(),
    )
    assert row["Acknowledged by"] == clinician.get_full_name()
    assert row["Within the window"] == "no"
    assert [rule["Rule"] for rule in rule_rows] == ["Cauda equina symptoms"]


def test_the_report_and_a_flag_page_fit_a_phone_and_200_percent_zoom(
    page: Page, axe, live_server, reviewer, clinician, patient
):
    flag = urgent_flag_acknowledged_late(patient, clinician)
    page.set_viewport_size(PHONE)

    sign_in_staff(page, axe, live_server, reviewer)
    expect(page.get_by_role("heading", name="Red-flag report")).to_be_visible()
    axe.scan(page)
    # Wide tables scroll inside their own boxes; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(f"{live_server.url}/reports/flags/{flag.pk}/")
    expect(page.get_by_role("button", name="Mark as reviewed")).to_be_visible()
    axe.scan(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.set_viewport_size(ZOOMED)
    for path in ("/reports/flags/", f"/reports/flags/{flag.pk}/"):
        page.goto(f"{live_server.url}{path}")
        axe.scan(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= ZOOMED["width"], path
