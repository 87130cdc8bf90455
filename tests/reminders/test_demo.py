"""The demo clinic's Tom has reminders on, so scripts/run can send him a test one."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from patients.models import ReminderSettings

pytestmark = pytest.mark.usefixtures("standard_template")


def test_tom_has_reminders_on_and_a_test_reminder_reaches_him(
    settings, db, django_capture_on_commit_callbacks
):
    settings.DEBUG = True
    call_command("demo_data", stdout=StringIO())

    tom = ReminderSettings.objects.get(patient__user__email="tom@example.com")
    assert tom.is_on
    assert sorted(tom.walk_days) == ["1", "3", "5"]
    assert (tom.walk_time, tom.morning_check_time) == (datetime.time(10), datetime.time(9))
    assert (tom.nudge_after_days, tom.by_email) == (3, True)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--test", "tom@example.com", stdout=StringIO())

    (email,) = [sent for sent in mail.outbox if sent.to == ["tom@example.com"]]
    assert email.subject == "This is a test reminder"
