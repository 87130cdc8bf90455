"""A flag's page for governance review, and the reviewer's mark on it."""

import datetime
import html
import re

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.choices import SeriousSymptom
from patients.models import (
    AuditAction,
    AuditEvent,
    DeliveryState,
    Flag,
    FlagEventKind,
    FlagReview,
    Notification,
)
from patients.safety.engine import flag_acknowledge
from patients.services.reports import walk_log_delete
from tests import factories

RAISED = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)  # 10:00 in London


def page(flag) -> str:
    return reverse("flag_detail", args=[flag.pk])


def mark(flag) -> str:
    return reverse("flag_review_mark", args=[flag.pk])


def read(client, flag) -> str:
    """The page's text as a reader sees it: entities decoded, non-breaking spaces plain."""
    response = client.get(page(flag))
    assert response.status_code == 200
    return html.unescape(response.content.decode()).replace("\xa0", " ")


def urgent_flag(patient, clinician, *, acknowledged_after: int | None) -> Flag:
    """A cauda equina answer saved through the real service, acknowledged so many minutes
    after it was raised."""
    with time_machine.travel(RAISED, tick=False):
        factories.report_check_in(patient, SeriousSymptom.SADDLE, pain_now=6)
    flag = Flag.objects.get(patient=patient)
    if acknowledged_after is not None:
        later = RAISED + datetime.timedelta(minutes=acknowledged_after)
        with time_machine.travel(later, tick=False):
            flag_acknowledge(flag=flag, by=clinician)
    return Flag.objects.get(pk=flag.pk)


@pytest.fixture
def reviewer_client(client, reviewer):
    factories.sign_in(client, reviewer)
    return client


def test_the_page_says_who_acknowledged_an_urgent_flag_within_the_window(
    reviewer_client, patient, clinician
):
    flag = urgent_flag(patient, clinician, acknowledged_after=47)

    text = read(reviewer_client, flag)

    assert "By Carol Staff, 47 min after it was raised" in text
    assert "Within the clinic's window of 60 minutes." in text


def test_the_page_says_how_late_an_urgent_flag_was_acknowledged(
    reviewer_client, patient, clinician
):
    flag = urgent_flag(patient, clinician, acknowledged_after=95)

    text = read(reviewer_client, flag)

    assert "1 h 35 min after it was raised" in text
    assert "35 min later than the clinic's window of 60 minutes." in text


def test_an_unacknowledged_flag_says_its_window_has_passed(reviewer_client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)

    with time_machine.travel(RAISED + datetime.timedelta(minutes=130), tick=False):
        text = read(reviewer_client, flag)

    assert "Not acknowledged." in text
    assert "The clinic's window of 60 minutes passed 1 h 10 min ago." in text


def test_the_page_shows_the_yes_answer_and_the_urgent_advice_with_the_emergency_number(
    reviewer_client, patient, clinician, clinic
):
    flag = urgent_flag(patient, clinician, acknowledged_after=10)

    text = read(reviewer_client, flag)

    answers = text.split("The patient's answers")[1].split("What the patient was shown")[0]
    saddle = str(SeriousSymptom.SADDLE.label)
    assert f"<dt>{saddle}</dt><dd>Yes</dd>" in answers
    assert f"<dt>{SeriousSymptom.BLADDER.label}</dt><dd>Not answered</dd>" in answers
    shown = text.split("What the patient was shown")[1].split("Alert emails")[0]
    assert "Get medical help now" in shown
    assert f"call {clinic.emergency_number}" in shown


def test_the_page_shows_each_alert_email_with_its_delivery_state_and_last_error(
    reviewer_client, patient, clinician
):
    flag = urgent_flag(patient, clinician, acknowledged_after=10)
    Notification.objects.filter(flag=flag).update(
        state=DeliveryState.FAILED, attempts=3, last_error="Connection refused by mail host"
    )

    text = read(reviewer_client, flag)

    emails = text.split("Alert emails")[1]
    assert "Could not be sent" in emails
    assert "Connection refused by mail host" in emails
    assert "<td>3</td>" in emails


def test_a_review_flag_says_no_email_was_sent(reviewer_client, patient):
    factories.report_check_in(patient, pain_now=3, says_flare=True)
    flag = Flag.objects.get(patient=patient)
    assert flag.severity == "review"

    text = read(reviewer_client, flag)

    assert "None sent" in text


def test_every_event_is_listed_in_order(reviewer_client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=10)
    with time_machine.travel(RAISED + datetime.timedelta(minutes=20), tick=False):
        factories.report_check_in(patient, SeriousSymptom.BLADDER, pain_now=7)

    text = read(reviewer_client, flag)

    table = text.split("Evidence, as the clinician saw it")[1].split("The patient's answers")[0]
    kinds = [FlagEventKind.RAISED, FlagEventKind.ACKNOWLEDGED, FlagEventKind.EVIDENCE]
    positions = [table.index(f'<th scope="row">{kind.label}</th>') for kind in kinds]
    assert positions == sorted(positions)


def test_a_walk_the_patient_deleted_is_shown_as_deleted(reviewer_client, patient):
    with time_machine.travel(RAISED, tick=False):
        walk = factories.report_walk(patient, pain_before=3, pain_after=9)
    flag = Flag.objects.get(patient=patient)
    with time_machine.travel(RAISED + datetime.timedelta(hours=2), tick=False):
        walk_log_delete(log=walk, by=patient.user, now=RAISED + datetime.timedelta(hours=2))

    text = read(reviewer_client, flag)

    assert "The patient deleted this walk on Mon 2 Mar 2026 12:00." in text
    assert "<dd>9</dd>" in text  # the pain after the walk, as they reported it


def test_viewing_the_page_is_recorded_in_the_audit_trail(reviewer_client, reviewer, patient):
    flag = urgent_flag(patient, reviewer, acknowledged_after=None)

    reviewer_client.get(page(flag))

    viewed = AuditEvent.objects.get(action=AuditAction.VIEWED, subject="flag")
    assert (viewed.actor, viewed.object_id, viewed.patient_id) == (
        reviewer.username,
        str(flag.pk),
        patient.pk,
    )


def test_a_reviewer_of_another_clinic_gets_not_found(client, patient, clinician, other_clinic):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)
    stranger = factories.make_staff("stella", other_clinic, "reviewer")
    factories.sign_in(client, stranger)

    assert client.get(page(flag)).status_code == 404
    assert client.post(mark(flag), {"note": "x"}).status_code == 404
    assert not FlagReview.objects.exists()


def test_the_patient_gets_not_found(client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)
    factories.sign_in(client, patient.user)

    assert client.get(page(flag)).status_code == 404
    assert client.post(mark(flag), {"note": ""}).status_code == 404


def test_someone_signed_out_is_sent_to_sign_in(client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)

    response = client.get(page(flag))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_clinician_of_the_clinic_can_read_but_not_mark(client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)
    factories.sign_in(client, clinician)

    response = client.get(page(flag))

    text = response.content.decode()
    assert response.status_code == 200
    assert mark(flag) not in text
    # What to do next is on the record and the resolve page; the reviewers' section is not
    # theirs to fill in.
    assert "This flag is still open" in text
    assert reverse("patient_record", args=[patient.pk]) in text
    assert reverse("flag_resolve", args=[flag.pk]) in text
    assert "Governance review" not in text
    assert client.post(mark(flag), {"note": "Fine"}).status_code == 404
    assert not FlagReview.objects.exists()


def test_a_reviewer_sees_no_link_to_the_patients_record(reviewer_client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)

    text = read(reviewer_client, flag)

    assert reverse("patient_record", args=[patient.pk]) not in text
    assert mark(flag) in text


def test_a_mark_saves_who_when_and_the_note_and_audits_it_without_the_note(
    reviewer_client, reviewer, patient, clinician
):
    flag = urgent_flag(patient, clinician, acknowledged_after=95)
    note = "  Window breach: rota gap on Monday, discussed at governance.  "
    marked_at = RAISED + datetime.timedelta(days=3)

    with time_machine.travel(marked_at, tick=False):
        response = reviewer_client.post(mark(flag), {"note": note})
        followed = read(reviewer_client, flag)

    assert response.status_code == 302
    assert response.url == page(flag)
    review = FlagReview.objects.get(flag=flag)
    assert (review.reviewed_by, review.reviewed_at, review.note) == (
        reviewer,
        marked_at,
        note.strip(),
    )
    event = AuditEvent.objects.get(action=AuditAction.CREATED, subject="flag review")
    assert (event.actor, event.object_id, event.patient_id) == (
        reviewer.username,
        str(flag.pk),
        patient.pk,
    )
    assert "rota" not in event.detail
    assert "Marked as reviewed." in followed
    assert "Window breach: rota gap on Monday" in followed


def test_a_too_long_note_keeps_the_text_and_saves_nothing(reviewer_client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)
    note = "Looked at this. " * 130  # over 2,000 characters

    response = reviewer_client.post(mark(flag), {"note": note})

    assert response.status_code == 200
    text = response.content.decode()
    assert "at most 2000 characters" in text
    assert note.strip()[:200] in text
    assert not FlagReview.objects.exists()
    assert not AuditEvent.objects.filter(subject="flag review").exists()


def test_a_double_tap_makes_one_mark(reviewer_client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)

    reviewer_client.post(mark(flag), {"note": "Reviewed at governance"})
    reviewer_client.post(mark(flag), {"note": "Reviewed at governance"})

    assert FlagReview.objects.filter(flag=flag).count() == 1
    assert AuditEvent.objects.filter(subject="flag review").count() == 1


def test_a_second_look_later_adds_another_mark(reviewer_client, patient, clinician):
    flag = urgent_flag(patient, clinician, acknowledged_after=None)

    assert "Mark as reviewed" in read(reviewer_client, flag)
    reviewer_client.post(mark(flag), {"note": "Reviewed"})
    assert "Add another review note" in read(reviewer_client, flag)
    with time_machine.travel(datetime.timedelta(minutes=5)):
        reviewer_client.post(mark(flag), {"note": "Reviewed"})

    assert FlagReview.objects.filter(flag=flag).count() == 2


def test_the_page_costs_the_same_queries_however_many_reports_and_emails(
    reviewer_client, patient, clinician
):
    flag = urgent_flag(patient, clinician, acknowledged_after=10)
    with CaptureQueriesContext(connection) as one_report:
        read(reviewer_client, flag)
    for minutes, symptom in ((20, SeriousSymptom.BLADDER), (40, SeriousSymptom.BOWEL)):
        with time_machine.travel(RAISED + datetime.timedelta(minutes=minutes), tick=False):
            factories.report_check_in(patient, symptom, pain_now=7)
            factories.report_walk(patient, pain_before=3, pain_after=9)
    assert flag.events.count() > 3 and flag.notifications.count() > 1

    with CaptureQueriesContext(connection) as many_reports:
        read(reviewer_client, flag)

    assert len(many_reports) == len(one_report)


def test_the_pages_wide_tables_can_be_scrolled_from_the_keyboard(
    reviewer_client, patient, clinician
):
    """Each table that scrolls sideways on a phone is a named region in the tab order, as on
    the report, so a keyboard user can scroll it (WCAG 2.1.1)."""
    flag = urgent_flag(patient, clinician, acknowledged_after=47)

    content = reviewer_client.get(page(flag)).content.decode()

    assert '<div class="table-scroll">' not in content
    assert content.count('class="table-scroll" tabindex="0" role="region" aria-label="') == 2


def test_the_summary_and_the_filters_fit_a_screen_180_pixels_wide():
    """At 200% zoom on a phone the page is 180 CSS pixels wide: a term's value goes below
    it, and a filter is never wider than the screen, so nothing is cut off at the right."""
    css = (settings.BASE_DIR / "static" / "css" / "stepwise.css").read_text()

    assert re.search(r"\.summary div \{[^}]*flex-wrap: wrap", css)
    assert ".summary dt { font-weight: 600; min-width: min(10rem, 100%); }" in css
    assert ".filters .field { margin: 0; min-width: min(16rem, 100%); }" in css
