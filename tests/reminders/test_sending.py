"""Queueing and sending reminders through the real command, the real database and the
in-process task backend, on a frozen clock."""

import datetime
import io
import threading
import zoneinfo

import pytest
import time_machine
from django.core import mail, management
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from patients.models import DeliveryState, Reminder, ReminderChannel, ReminderKind, ReminderSettings
from patients.reminders import sending
from patients.reminders.links import stop_link
from patients.reminders.sending import queue_due_reminders, queue_test_reminder
from patients.safety.notifications import deliver_notification
from programs.services import plan_pause
from tests.factories import answer_morning, assign, make_patient, report_walk

LONDON = zoneinfo.ZoneInfo("Europe/London")
EVERY_DAY = [str(day) for day in range(1, 8)]
SPRING_CHANGE = datetime.date(2026, 3, 29)
AUTUMN_CHANGE = datetime.date(2026, 10, 25)
PLAN_START = datetime.date(2026, 5, 20)


def london(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=LONDON)


def reminders_on(patient, **values) -> ReminderSettings:
    defaults = {
        "walk_days": EVERY_DAY,
        "walk_time": datetime.time(7, 30),
        "time_zone": "Europe/London",
        "by_email": True,
    }
    return ReminderSettings.objects.create(patient=patient, **{**defaults, **values})


@pytest.fixture(autouse=True)
def committed(django_capture_on_commit_callbacks, monkeypatch):
    """Each test runs in a transaction that never commits; queueing waits for a commit. So
    each call that queues runs as if it committed when it returns, as it does live."""

    def as_committed(function):
        def call(*args, **kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return function(*args, **kwargs)

        return call

    monkeypatch.setattr(
        "tests.reminders.test_sending.queue_due_reminders",
        as_committed(sending.queue_due_reminders),
    )
    monkeypatch.setattr(
        "tests.reminders.test_sending.queue_test_reminder",
        as_committed(sending.queue_test_reminder),
    )
    monkeypatch.setattr(
        "tests.reminders.test_sending.call_command", as_committed(management.call_command)
    )


def run_every_five_minutes(clock, first: datetime.datetime, last: datetime.datetime) -> None:
    moment = first
    while moment <= last:
        clock.move_to(moment)
        call_command("send_reminders", stdout=io.StringIO())
        moment += datetime.timedelta(minutes=5)


@pytest.fixture
def walker(patient, clinician, standard_template):
    """A patient on an active plan since before the days the tests run on."""
    with time_machine.travel(london(PLAN_START, 9), tick=False):
        assign(patient, standard_template, clinician)
    reminders_on(patient)
    return patient


@pytest.mark.parametrize("change", [SPRING_CHANGE, AUTUMN_CHANGE], ids=["spring", "autumn"])
def test_a_seven_thirty_reminder_is_sent_once_at_seven_thirty_across_a_clock_change(
    db, patient, clinician, standard_template, change
):
    days = [change + datetime.timedelta(days=n) for n in (-1, 0, 1)]
    with time_machine.travel(london(days[0], 0), tick=False) as clock:
        assign(patient, standard_template, clinician)
        reminders_on(patient)
        for day in days:
            run_every_five_minutes(clock, london(day, 6), london(day, 9))

    sent = Reminder.objects.order_by("due_at")
    assert [reminder.due_at.astimezone(LONDON) for reminder in sent] == [
        london(day, 7, 30) for day in days
    ]
    assert {(reminder.kind, reminder.state) for reminder in sent} == {
        (ReminderKind.WALK, DeliveryState.SENT)
    }
    assert len(mail.outbox) == 3


def test_no_reminder_during_quiet_hours_but_one_as_they_end(db, walker):
    ReminderSettings.objects.filter(patient=walker).update(
        walk_time=datetime.time(6, 30),
        quiet_from=datetime.time(22, 0),
        quiet_until=datetime.time(7, 0),
    )
    day = datetime.date(2026, 6, 3)
    with time_machine.travel(london(day, 5), tick=False) as clock:
        run_every_five_minutes(clock, london(day, 5), london(day, 6, 55))
        assert not Reminder.objects.exists()
        run_every_five_minutes(clock, london(day, 7), london(day, 8))

    assert [reminder.due_at for reminder in Reminder.objects.all()] == [london(day, 7)]


def test_no_walk_reminder_while_the_plan_is_paused(db, walker, clinician):
    day = datetime.date(2026, 6, 3)
    with time_machine.travel(london(day, 6), tick=False) as clock:
        plan_pause(assignment=walker.assignments.get(), by=clinician, reason="Holiday", today=day)
        run_every_five_minutes(clock, london(day, 7), london(day, 8))

    assert not Reminder.objects.exists()
    assert mail.outbox == []


def test_no_walk_reminder_without_a_plan(db, patient):
    reminders_on(patient)

    assert queue_due_reminders(london(datetime.date(2026, 6, 3), 7, 30)) == 0


def test_running_the_command_twice_at_once_sends_once(db, walker):
    due = london(datetime.date(2026, 6, 3), 7, 30)

    assert queue_due_reminders(due) == 1
    assert queue_due_reminders(due) == 0
    assert queue_due_reminders(due + datetime.timedelta(minutes=5)) == 0

    assert Reminder.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    # SQLite's in-memory test database refuses a second writer at once ("table is locked")
    # instead of waiting as the file database does: the send failed there now and then.
    reason="a race between database connections",
)
@pytest.mark.parametrize("attempt", range(2))
def test_two_workers_at_the_same_moment_send_once(
    transactional_db, patient, clinician, standard_template, attempt
):
    """Each with its own database connection; the unique row decides which one queues."""
    assign(patient, standard_template, clinician)
    reminders_on(patient)
    due = london(datetime.date(2026, 6, 3), 7, 30)
    start = threading.Barrier(2)
    queued = []

    def worker():
        start.wait()
        try:
            queued.append(queue_due_reminders(due))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(queued) == [0, 1]
    assert Reminder.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_walk_logged_today_cancels_the_walk_reminder(db, walker):
    day = datetime.date(2026, 6, 3)
    with time_machine.travel(london(day, 7), tick=False):
        report_walk(walker, walked_on=day)

        assert queue_due_reminders(london(day, 7, 30)) == 0


def test_a_walk_without_its_next_morning_check_brings_a_reminder_at_the_time_chosen(db, walker):
    ReminderSettings.objects.filter(patient=walker).update(
        walk_days=[], morning_check_time=datetime.time(9, 0)
    )
    day = datetime.date(2026, 6, 3)
    with time_machine.travel(london(day, 18), tick=False) as clock:
        report_walk(walker, walked_on=day)
        checked = report_walk(walker, walked_on=day - datetime.timedelta(days=1))
        answer_morning(checked, "usual", 3)
        next_day = day + datetime.timedelta(days=1)
        run_every_five_minutes(clock, london(next_day, 8), london(next_day, 10))

    (reminder,) = Reminder.objects.all()
    assert (reminder.kind, reminder.due_at) == (ReminderKind.MORNING_CHECK, london(next_day, 9))


def test_the_nudge_comes_on_the_day_the_quiet_spell_reaches_its_length(db, walker):
    ReminderSettings.objects.filter(patient=walker).update(walk_days=[], nudge_after_days=3)
    day = datetime.date(2026, 6, 3)
    with time_machine.travel(london(day, 18), tick=False) as clock:
        report_walk(walker, walked_on=day)
        for later in range(1, 6):
            moment = day + datetime.timedelta(days=later)
            run_every_five_minutes(clock, london(moment, 7), london(moment, 8))

    (reminder,) = Reminder.objects.all()
    assert reminder.kind == ReminderKind.NUDGE
    assert reminder.due_at == london(day + datetime.timedelta(days=3), 7, 30)


def test_reading_many_patients_takes_the_same_few_queries(db, clinic, clinician, walker):
    due = london(datetime.date(2026, 6, 3), 7, 30)
    quiet_time = due - datetime.timedelta(hours=3)
    with CaptureQueriesContext(connection) as one:
        queue_due_reminders(quiet_time)
    for number in range(5):
        reminders_on(make_patient(clinic, clinician, f"Many{number}"))
    with CaptureQueriesContext(connection) as six:
        queue_due_reminders(quiet_time)

    assert len(six) == len(one) <= 3


def test_the_email_carries_a_one_click_unsubscribe_and_the_links(db, walker, settings):
    settings.SITE_URL = "https://stepwise.example"

    assert queue_due_reminders(london(datetime.date(2026, 6, 3), 7, 30)) == 1

    (email,) = mail.outbox
    assert email.to == [walker.user.email]
    assert email.extra_headers["List-Unsubscribe"] == f"<{stop_link(walker)}>"
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert stop_link(walker).startswith("https://stepwise.example/reminders/stop/")
    assert stop_link(walker) in email.body
    assert "https://stepwise.example/reminders/" in email.body
    assert "https://stepwise.example/\n" in email.body + "\n"


def test_no_email_reminder_when_email_is_off_or_the_patient_has_no_address(db, walker):
    due = london(datetime.date(2026, 6, 3), 7, 30)
    ReminderSettings.objects.filter(patient=walker).update(by_email=False, by_push=True)

    assert queue_due_reminders(due) == 0  # push is on, but no browser is subscribed

    ReminderSettings.objects.filter(patient=walker).update(by_email=True)
    type(walker.user).objects.filter(pk=walker.user_id).update(email="")
    assert queue_due_reminders(due) == 0


def test_a_test_reminder_is_sent_now_as_its_own_row(db, walker):
    now = london(datetime.date(2026, 6, 3), 7, 30)
    with time_machine.travel(now, tick=False):
        assert queue_due_reminders(now) == 1
        assert queue_test_reminder(walker) == 1

    test = Reminder.objects.get(kind=ReminderKind.TEST)
    assert (test.due_at, test.channel, test.state) == (now, ReminderChannel.EMAIL, "sent")
    assert Reminder.objects.count() == 2
    assert mail.outbox[-1].subject == "This is a test reminder"


def test_a_test_reminder_with_no_way_on_queues_nothing(db, patient):
    assert queue_test_reminder(patient) == 0
    reminders_on(patient, by_email=False)
    assert queue_test_reminder(patient) == 0


def test_the_command_queues_a_test_reminder_by_email_address(db, walker, capsys):
    call_command("send_reminders", "--test", walker.user.email.upper())

    assert "test reminders queued: 1" in capsys.readouterr().out
    assert mail.outbox[0].subject == "This is a test reminder"


def test_the_command_says_clearly_when_no_patient_has_the_address(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No patient has the email address"):
        call_command("send_reminders", "--test", "nobody@example.com")


def test_a_reminder_that_failed_is_sent_again_by_the_sweep_while_still_of_use(db, walker, settings):
    now = london(datetime.date(2026, 6, 3), 7, 30)
    settings.EMAIL_BACKEND = "tests.reminders.test_sending.BrokenBackend"
    with time_machine.travel(now, tick=False):
        queue_due_reminders(now)
    reminder = Reminder.objects.get()
    assert reminder.state == DeliveryState.FAILED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(now + datetime.timedelta(minutes=5), tick=False):
        call_command("escalate_flags", stdout=io.StringIO())

    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.SENT
    assert len(mail.outbox) == 1


def test_a_reminder_switched_off_before_sending_is_not_sent_or_retried(db, walker):
    from patients.reminders.sending import deliver_reminder

    reminder = Reminder.objects.create(
        patient=walker,
        kind=ReminderKind.WALK,
        channel=ReminderChannel.EMAIL,
        due_at=london(datetime.date(2026, 6, 3), 7, 30),
        recipient=walker.user.email,
    )
    ReminderSettings.objects.filter(patient=walker).update(by_email=False)

    deliver_reminder.call(reminder.pk)

    reminder.refresh_from_db()
    assert reminder.state == DeliveryState.FAILED
    assert mail.outbox == []
    assert not Reminder.objects.due_again(reminder.due_at + datetime.timedelta(hours=1)).exists()


class BrokenBackend:
    """A mail server that refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server")


def test_one_patients_unreadable_settings_do_not_stop_everyone_elses_reminders(
    db, walker, clinic, clinician, standard_template, caplog
):
    other = make_patient(clinic, clinician, "Ola")
    with time_machine.travel(london(PLAN_START, 9), tick=False):
        assign(other, standard_template, clinician)
    reminders_on(other)
    # A zone the system no longer knows, as after an update of the time zone database.
    ReminderSettings.objects.filter(patient=walker).update(time_zone="Mars/Olympus_Mons")

    queued = queue_due_reminders(london(datetime.date(2026, 6, 3), 7, 30))

    assert queued == 1
    assert list(Reminder.objects.values_list("patient", flat=True)) == [other.pk]
    assert "could not be worked out" in caplog.text


def test_reminders_wait_behind_alerts_about_flags_in_the_queue():
    """The worker takes the highest priority first: an urgent flag's alert email never
    waits behind a queue of reminders (or a push service that is slow to answer)."""
    assert sending.deliver_reminder.priority < deliver_notification.priority
