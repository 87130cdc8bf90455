"""What a reminder says: a lock screen and an email preview are public, so no reminder
names a symptom, pain, the back or a diagnosis, and each says what to do next."""

import re

import pytest

from patients.models import ReminderKind
from patients.reminders.texts import reminder_email, reminder_text

PRIVATE_WORDS = {
    "pain",
    "painful",
    "back",
    "spine",
    "numb",
    "numbness",
    "tingling",
    "symptom",
    "symptoms",
    "flare",
    "diagnosis",
    "sciatica",
    "nerve",
    "leg",
    "legs",
    "hurt",
    "ache",
    "injury",
    "flag",
}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_no_reminder_names_a_symptom_or_a_diagnosis(kind):
    title, body = reminder_text(kind)
    subject, email_body = reminder_email(
        kind, page_link="https://s.example/", settings_link="", stop_link=""
    )

    assert not words(" ".join([title, body, subject, email_body])) & PRIVATE_WORDS


@pytest.mark.parametrize("kind", ReminderKind.values)
def test_each_reminder_is_short_and_says_what_to_do(kind):
    title, body = reminder_text(kind)

    assert 0 < len(title) <= 40
    assert 0 < len(body) <= 160
    assert "Stepwise" in body


def test_the_email_leads_to_the_patients_page_their_settings_and_the_stop_link():
    _subject, body = reminder_email(
        ReminderKind.WALK,
        page_link="https://s.example/",
        settings_link="https://s.example/reminders/",
        stop_link="https://s.example/reminders/stop/abc/",
    )

    assert "Open Stepwise: https://s.example/\n" in body
    assert "https://s.example/reminders/\n" in body
    assert body.endswith("To stop reminder emails: https://s.example/reminders/stop/abc/")
