"""The patient's reminder settings page: choosing reminders, mistakes explained with
nothing typed lost, stopping them all, and who may open it."""

import datetime

import pytest
from django.urls import reverse

from patients.models import AuditEvent, ReminderSettings
from patients.reminders.links import stop_token
from patients.services.reminders import reminder_settings_save
from tests import factories

URL = reverse("reminder_settings")


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


def settings_post(**overrides) -> dict:
    data = {
        "walk_days": ["1", "3", "5"],
        "walk_time": "10:00",
        "nudge_after_days": "3",
        "morning_check_time": "09:00",
        "quiet_from": "",
        "quiet_until": "",
        "time_zone": "Europe/London",
        "by_email": "on",
        "action": "save",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def test_a_new_patient_sees_reminders_off_and_their_clinics_time_zone(patient_client, patient):
    response = patient_client.get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your reminders are off." in page
    assert '<option value="Europe/London" selected>' in page
    assert "Stop all reminders" not in page
    assert not ReminderSettings.objects.filter(patient=patient).exists()


def test_saving_turns_reminders_on_and_audits_the_change(patient_client, patient):
    response = patient_client.post(URL, settings_post(), follow=True)

    assert response.redirect_chain == [(URL, 302)]
    page = response.content.decode()
    assert "Your reminders are saved." in page
    assert "Your reminders are on." in page
    saved = ReminderSettings.objects.get(patient=patient)
    assert saved.walk_days == ["1", "3", "5"]
    assert saved.walk_time == datetime.time(10, 0)
    assert saved.nudge_after_days == 3
    assert saved.morning_check_time == datetime.time(9, 0)
    assert saved.by_email and saved.is_on
    # The clinic's zone is stored as "the clinic's", so it follows a change of the clinic's.
    assert saved.time_zone == ""
    event = AuditEvent.objects.get(subject="reminder settings")
    assert (event.action, event.actor, event.detail) == ("created", "the patient", "on")
    assert event.patient_id == patient.pk


def test_another_time_zone_is_stored_and_shown_again(patient_client, patient):
    patient_client.post(URL, settings_post(time_zone="Europe/Madrid"))

    assert ReminderSettings.objects.get(patient=patient).time_zone == "Europe/Madrid"
    assert '<option value="Europe/Madrid" selected>' in patient_client.get(URL).content.decode()


def test_walk_days_without_a_time_say_so_and_keep_what_was_typed(patient_client, patient):
    response = patient_client.post(
        URL, settings_post(walk_time="", quiet_from="22:00", quiet_until="07:00")
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Choose a time for your walk reminder, or untick the days." in page
    assert 'value="3" id="id_walk_days_2" checked' in page
    assert 'value="22:00"' in page and 'value="07:00"' in page
    assert not ReminderSettings.objects.filter(patient=patient).exists()


def test_a_time_without_days_asks_for_the_days(patient_client):
    page = patient_client.post(URL, settings_post(walk_days=[])).content.decode()

    assert "Choose the days to be reminded, or clear the time." in page


@pytest.mark.parametrize(
    ("quiet_from", "quiet_until", "message"),
    [
        ("22:00", "", "Enter both times for your quiet hours, or leave both empty."),
        ("", "07:00", "Enter both times for your quiet hours, or leave both empty."),
        ("22:00", "22:00", "Quiet hours must end at a different time."),
    ],
)
def test_quiet_hours_need_both_times(patient_client, patient, quiet_from, quiet_until, message):
    page = patient_client.post(
        URL, settings_post(quiet_from=quiet_from, quiet_until=quiet_until)
    ).content.decode()

    assert message in page
    assert not ReminderSettings.objects.filter(patient=patient).exists()


def test_a_reminder_inside_quiet_hours_over_midnight_is_explained(patient_client, patient):
    page = patient_client.post(
        URL,
        settings_post(
            walk_time="22:30", morning_check_time="06:45", quiet_from="22:00", quiet_until="07:00"
        ),
    ).content.decode()

    assert "Your walk reminder at 22:30 is inside your quiet hours (22:00 to 07:00)." in page
    assert "Your next-morning reminder at 06:45 is inside your quiet hours" in page
    assert not ReminderSettings.objects.filter(patient=patient).exists()


def test_a_reminder_outside_quiet_hours_is_saved_with_them(patient_client, patient):
    patient_client.post(
        URL, settings_post(walk_time="07:00", quiet_from="22:00", quiet_until="07:00")
    )

    saved = ReminderSettings.objects.get(patient=patient)
    assert (saved.quiet_from, saved.quiet_until) == (datetime.time(22), datetime.time(7))


def test_the_nudge_comes_before_the_clinics_no_activity_flag(patient_client, patient, clinic):
    clinic.no_activity_days = 5
    clinic.save()

    page = patient_client.get(URL).content.decode()
    refused = patient_client.post(URL, settings_post(nudge_after_days="5")).content.decode()

    assert '<option value="4">4 days</option>' in page
    assert '<option value="5">' not in page
    assert "Choose one of the numbers of days in the list." in refused
    assert not ReminderSettings.objects.filter(patient=patient).exists()


def test_reminders_need_a_way_to_reach_the_patient(patient_client, patient):
    page = patient_client.post(URL, settings_post(by_email=None)).content.decode()

    assert "Tick “By email” so your reminders can reach you" in page
    assert not ReminderSettings.objects.filter(patient=patient).exists()


def test_after_the_stop_link_the_page_says_why_emails_must_be_ticked(patient_client, patient):
    patient_client.post(URL, settings_post())
    patient_client.post(reverse("reminder_stop", args=[stop_token(patient)]))

    page = patient_client.get(URL).content.decode()

    assert (
        "Your reminder emails are off. Tick “By email” to get them again, or stop all reminders."
        in page
    )
    assert "Your reminders are on." not in page


def test_reminders_on_by_email_do_not_say_emails_are_off(patient_client):
    patient_client.post(URL, settings_post())

    page = patient_client.get(URL).content.decode()

    assert "Your reminder emails are off." not in page
    assert "Your reminders are on." in page


def test_a_time_that_is_not_a_time_says_how_to_write_one(patient_client):
    page = patient_client.post(URL, settings_post(walk_time="ten o'clock")).content.decode()

    assert "Enter a time like 10:00." in page
    assert "ten o&#x27;clock" in page


def test_an_unknown_time_zone_is_refused(patient_client, patient):
    page = patient_client.post(URL, settings_post(time_zone="Mars/Olympus")).content.decode()

    assert "Choose a time zone from the list." in page
    assert not ReminderSettings.objects.filter(patient=patient).exists()


def test_stop_all_reminders_switches_every_kind_off(patient_client, patient):
    reminder_settings_save(
        patient,
        patient.user,
        walk_days=["2"],
        walk_time=datetime.time(18),
        nudge_after_days=2,
        morning_check_time=datetime.time(8),
        quiet_from=datetime.time(22),
        quiet_until=datetime.time(7),
    )

    response = patient_client.post(URL, {"action": "stop"}, follow=True)

    assert "All your reminders are off." in response.content.decode()
    saved = ReminderSettings.objects.get(patient=patient)
    assert not saved.any_kind_on and not saved.is_on
    # Kept for when they turn reminders on again.
    assert saved.quiet_from == datetime.time(22)
    assert AuditEvent.objects.filter(subject="reminder settings", detail="off").count() == 1


def test_the_week_page_links_to_the_reminders(patient_client):
    page = patient_client.get(reverse("patient_week")).content.decode()

    assert f'href="{URL}"' in page


def test_staff_get_a_404(client, clinician):
    factories.sign_in(client, clinician)

    assert client.get(URL).status_code == 404
    assert client.post(URL, settings_post()).status_code == 404


def test_signed_out_goes_to_sign_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


TEST = reverse("reminder_test")


def test_a_test_reminder_is_sent_by_email_and_a_double_tap_sends_one(
    patient_client, patient, django_capture_on_commit_callbacks, mailoutbox
):
    patient_client.post(URL, settings_post())
    page = patient_client.get(URL).content.decode()
    assert "Send me a test reminder" in page

    with django_capture_on_commit_callbacks(execute=True):
        first = patient_client.post(TEST, follow=True).content.decode()
        second = patient_client.post(TEST, follow=True).content.decode()

    assert "A test reminder is on its way." in first
    assert "A test reminder was sent a moment ago." in second
    assert [email.subject for email in mailoutbox] == ["This is a test reminder"]
    assert mailoutbox[0].to == [patient.user.email]


def test_with_no_way_to_reach_the_patient_the_test_says_what_to_do(patient_client, patient):
    page = patient_client.post(TEST, follow=True).content.decode()

    assert "There is no way to reach you yet" in page
    assert "Send me a test reminder" not in page


def test_staff_cannot_send_a_test_reminder(client, clinician):
    factories.sign_in(client, clinician)

    assert client.post(TEST).status_code == 404


def test_stopping_works_whatever_else_is_stored(patient_client, patient):
    """A zone this server no longer knows must not stand between a patient and "stop"."""
    patient_client.post(URL, settings_post())
    ReminderSettings.objects.filter(patient=patient).update(time_zone="Mars/Olympus_Mons")

    response = patient_client.post(URL, {"action": "stop"}, follow=True)

    assert "All your reminders are off." in response.content.decode()
    assert not ReminderSettings.objects.get(patient=patient).any_kind_on


def test_a_day_sent_twice_is_stored_once_and_only_places_are_offered_as_zones(
    patient_client, patient
):
    patient_client.post(URL, settings_post(walk_days=["1", "1", "3", "1"]))

    assert ReminderSettings.objects.get(patient=patient).walk_days == ["1", "3"]
    page = patient_client.get(URL).content.decode()
    assert 'value="America/New_York"' in page
    for not_a_place in ("localtime", "Factory", "posixrules", "Etc/GMT+5"):
        assert f'value="{not_a_place}"' not in page


def test_a_stored_zone_no_longer_offered_shows_as_the_clinics_not_the_first_in_the_list(
    patient_client, patient
):
    patient_client.post(URL, settings_post())
    ReminderSettings.objects.filter(patient=patient).update(time_zone="US/Eastern")

    page = patient_client.get(URL).content.decode()

    assert '<option value="Europe/London" selected>' in page
    assert 'value="US/Eastern"' not in page  # an alias of America/New_York
    assert 'value="America/New_York"' in page
