"""Urgent and same-day flags email the clinic after commit, escalate once, and never vanish."""

import datetime
import smtplib
import socket

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from patients.models import DeliveryState, Flag, Notification
from patients.safety.notifications import (
    CLAIM_EXPIRES,
    MAX_ATTEMPTS,
    deliver_notification,
    escalate_overdue,
    retry_undelivered,
)
from tests import factories
from tests.factories import make_patient, report_check_in

# One read of the waiting flags (with clinic and clinician), then per flag: a savepoint,
# the once-only update, the escalation's one email, and the savepoint's release.
ESCALATION_SWEEP_QUERIES = 1 + 2 * 4


@pytest.fixture
def alerting_clinic(clinic):
    clinic.alert_email = "alerts@north.example"
    clinic.escalation_email = "lead@north.example"
    clinic.save()
    return clinic


def test_an_urgent_flag_emails_the_clinician_and_the_alert_address_after_commit(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "saddle")

    assert sorted(message.to[0] for message in mail.outbox) == [
        "alerts@north.example",
        "carol@example.com",
    ]
    assert mail.outbox[0].subject == "Stepwise: an urgent flag to review"
    assert "Alice" not in mail.outbox[0].body  # no patient details in email
    assert set(Notification.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_the_alert_and_the_escalation_read_word_for_word_without_patient_details(
    alerting_clinic, patient, django_capture_on_commit_callbacks, settings
):
    """The words are what a clinician acts on; the patient's details stay behind sign-in."""
    settings.SITE_URL = "https://stepwise.example"
    opened = datetime.datetime(2026, 11, 30, 9, 15, tzinfo=datetime.UTC)
    with time_machine.travel(opened, tick=False), django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "chest")
        escalate_overdue(opened + datetime.timedelta(hours=2))

    alert, _to_the_address, escalation = mail.outbox
    assert alert.subject == "Stepwise: an urgent flag to review"
    assert escalation.subject == "Stepwise: an urgent flag not yet acknowledged"
    assert (
        alert.body
        == escalation.body
        == (
            "An urgent flag was raised for a patient of North Clinic at 30 Nov 2026 09:15 GMT.\n\n"
            "Review it on the dashboard: https://stepwise.example/clinic/\n\n"
            "This email leaves out the patient's details on purpose."
        )
    )


def test_nothing_is_sent_when_the_save_rolls_back(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        report_check_in(patient, "saddle")
        raise RuntimeError("the worker died mid-save")

    assert mail.outbox == []
    assert not Flag.objects.exists()


def test_review_flags_send_no_email(alerting_clinic, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, pain_now=10)

    assert Flag.objects.get().severity == "review"
    assert mail.outbox == []


def test_new_urgent_evidence_notifies_again_after_acknowledgement(
    alerting_clinic, patient, clinician, django_capture_on_commit_callbacks
):
    from patients.safety.engine import flag_acknowledge

    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "chest")
    flag_acknowledge(flag=Flag.objects.get(), by=clinician)
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "chest")

    assert len(mail.outbox) == 4
    assert Flag.objects.get().status == "open"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_failure_is_recorded_shown_on_the_dashboard_and_retried(
    alerting_clinic, patient, client, clinician, settings, django_capture_on_commit_callbacks
):
    # A real SMTP connection to a port where nothing listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "bowel")

    failed = Notification.objects.filter(state=DeliveryState.FAILED)
    assert failed.count() == 2
    assert "refused" in failed.first().last_error.lower()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    factories.sign_in(client, clinician)
    page = client.get("/clinic/").content.decode()
    assert "Alert emails that were not delivered" in page

    assert retry_undelivered(timezone.now()) == 2
    assert Notification.objects.filter(state=DeliveryState.SENT).count() == 2
    assert len(mail.outbox) == 2


class RefusingBackend(locmem.EmailBackend):
    """A mail server that refuses every recipient, naming them, as SMTP servers do."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused(
            {address: (550, b"5.1.1 User unknown") for m in messages for address in m.to}
        )


def test_a_delivery_failure_is_logged_with_the_notification_and_error_type_only(
    alerting_clinic, patient, settings, django_capture_on_commit_callbacks, json_log
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "bowel")

    failed = Notification.objects.filter(state=DeliveryState.FAILED).order_by("pk")
    assert [line["message"] for line in json_log.lines() if line["level"] == "WARNING"] == [
        f"Notification {notification.pk} could not be sent: SMTPRecipientsRefused"
        for notification in failed
    ]
    assert "north.example" not in json_log.text


def test_an_alert_that_lost_its_place_in_the_queue_is_queued_again_after_ten_minutes(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    report_check_in(patient, "bowel")  # the queueing after commit never ran: lost
    first = Notification.objects.earliest("created_at").created_at
    last = Notification.objects.latest("created_at").created_at

    with django_capture_on_commit_callbacks(execute=True):
        early = retry_undelivered(first + datetime.timedelta(minutes=9))
        late = retry_undelivered(last + datetime.timedelta(minutes=10))

    assert (early, late) == (0, 2)
    assert Notification.objects.filter(state=DeliveryState.SENT).count() == 2


def test_an_alert_already_sent_is_not_sent_again(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    """A worker retrying a task, or a second worker picking it up, sends nothing twice."""
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "bowel")
    sent = Notification.objects.filter(state=DeliveryState.SENT).first()
    mail.outbox.clear()

    assert deliver_notification.call(sent.pk) == "already sent or being sent"
    assert mail.outbox == []


def waiting_alert(patient) -> Notification:
    """An urgent flag's alert, recorded but not yet sent: inside the test's transaction
    the commit that would queue it never comes."""
    with transaction.atomic():
        report_check_in(patient, "saddle")
    return Notification.objects.order_by("pk").first()


def test_an_alert_another_worker_is_sending_is_left_to_it(alerting_clinic, patient):
    alert = waiting_alert(patient)
    Notification.objects.filter(pk=alert.pk).update(claimed_at=timezone.now())

    assert deliver_notification.call(alert.pk) == "already sent or being sent"
    assert mail.outbox == []


def test_an_alert_left_by_a_worker_that_died_while_sending_is_sent_later(alerting_clinic, patient):
    alert = waiting_alert(patient)
    died = timezone.now() - CLAIM_EXPIRES - datetime.timedelta(seconds=1)
    Notification.objects.filter(pk=alert.pk).update(claimed_at=died, attempts=1)

    assert deliver_notification.call(alert.pk) == "sent"
    alert.refresh_from_db()
    assert (alert.state, alert.attempts, alert.claimed_at) == (DeliveryState.SENT, 2, None)
    assert [message.to for message in mail.outbox] == [[alert.recipient]]


class TransactionWatchingBackend(locmem.EmailBackend):
    """Notes, for each email, whether a database transaction was open while it was sent."""

    in_transaction: list[bool] = []

    def send_messages(self, messages):
        self.in_transaction.append(connection.in_atomic_block)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_no_transaction_is_open_while_the_mail_server_is_talked_to(
    alerting_clinic, patient, settings
):
    """A mail server that stalls must not hold locks: on SQLite, the whole database."""
    settings.EMAIL_BACKEND = f"{__name__}.TransactionWatchingBackend"
    TransactionWatchingBackend.in_transaction = []

    report_check_in(patient, "saddle")  # committed; the tests' queue sends at once

    assert TransactionWatchingBackend.in_transaction == [False, False]
    assert set(Notification.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_only_undelivered_alerts_are_queued_again(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    """Sent ones never; failed ones until they have been tried MAX_ATTEMPTS times."""
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "bowel")
    sent, tried_out = Notification.objects.order_by("pk")
    tried_out.state, tried_out.attempts = DeliveryState.FAILED, MAX_ATTEMPTS
    tried_out.save()

    assert sent.state == DeliveryState.SENT
    assert retry_undelivered(timezone.now() + datetime.timedelta(days=1)) == 0


def test_a_flag_in_a_clinic_with_a_shorter_window_is_escalated_on_time(
    alerting_clinic, patient, clinician, other_clinic, other_clinician
):
    """Flags are looked at oldest first; one not yet due must not stop the rest."""
    other_clinic.escalation_minutes = 5
    other_clinic.save()
    elsewhere = make_patient(other_clinic, other_clinician, "Bob")
    report_check_in(patient, "chest")  # 60 minutes to acknowledge
    report_check_in(elsewhere, "chest")  # 5 minutes
    later = Flag.objects.get(patient=elsewhere).opened_at + datetime.timedelta(minutes=10)

    assert escalate_overdue(later) == 1
    assert Flag.objects.get(patient=elsewhere).escalated_at == later


def test_an_unacknowledged_urgent_flag_is_escalated_once_after_the_clinics_window(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "chest")
    flag = Flag.objects.get()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        early = escalate_overdue(flag.opened_at + datetime.timedelta(minutes=59))
        on_time = escalate_overdue(flag.opened_at + datetime.timedelta(minutes=61))
        again = escalate_overdue(flag.opened_at + datetime.timedelta(minutes=120))

    assert (early, on_time, again) == (0, 1, 0)
    assert [message.to for message in mail.outbox] == [["lead@north.example"]]
    assert "not yet acknowledged" in mail.outbox[0].subject


@pytest.mark.parametrize("window", [5, 60])
def test_escalation_comes_exactly_when_the_window_ends(alerting_clinic, patient, window):
    """At the window's last minute, not one minute later (5 is the shortest allowed)."""
    alerting_clinic.escalation_minutes = window
    alerting_clinic.save()
    report_check_in(patient, "chest")
    flag = Flag.objects.get()

    before = escalate_overdue(flag.opened_at + datetime.timedelta(minutes=window, seconds=-1))
    exactly = escalate_overdue(flag.opened_at + datetime.timedelta(minutes=window))

    assert (before, exactly) == (0, 1)


def test_a_review_flag_is_never_escalated(alerting_clinic, patient):
    report_check_in(patient, pain_now=10)
    flag = Flag.objects.get()
    assert flag.severity == "review"

    assert escalate_overdue(flag.opened_at + datetime.timedelta(days=2)) == 0
    flag.refresh_from_db()
    assert flag.escalated_at is None


def test_each_overdue_flag_is_escalated_and_counted_on_its_own(alerting_clinic, patient, clinician):
    other = make_patient(alerting_clinic, clinician, "Bob")
    report_check_in(patient, "chest")
    report_check_in(other, "saddle")
    first, second = Flag.objects.order_by("opened_at")
    later = second.opened_at + datetime.timedelta(hours=2)

    assert escalate_overdue(later) == 2
    assert Flag.objects.filter(escalated_at=later).count() == 2
    assert first.notifications.filter(kind="escalation").count() == 1
    assert second.notifications.filter(kind="escalation").count() == 1


def test_a_sweep_reads_the_waiting_flags_once_and_skips_those_already_escalated(
    alerting_clinic, patient, clinician, django_assert_num_queries
):
    """Pinned: the flags come with their clinic and clinician in one read, and a flag
    escalated by an earlier sweep is not even looked at again."""
    done, first, second = (make_patient(alerting_clinic, clinician, name) for name in "ABC")
    for someone in (done, first, second):
        report_check_in(someone, "chest")
    later = Flag.objects.order_by("opened_at").last().opened_at + datetime.timedelta(hours=2)
    Flag.objects.filter(patient=done).update(escalated_at=later)

    with django_assert_num_queries(ESCALATION_SWEEP_QUERIES):
        assert escalate_overdue(later) == 2


def test_without_clinic_addresses_the_escalation_goes_to_the_clinician(
    clinic, patient, clinician, django_capture_on_commit_callbacks
):
    clinic.alert_email = clinic.escalation_email = ""
    clinic.save()
    report_check_in(patient, "chest")
    flag = Flag.objects.get()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        escalate_overdue(flag.opened_at + datetime.timedelta(hours=2))

    assert [message.to for message in mail.outbox] == [[clinician.email]]


def test_an_acknowledged_flag_is_not_escalated(alerting_clinic, patient, clinician):
    from patients.safety.engine import flag_acknowledge

    report_check_in(patient, "chest")
    flag = flag_acknowledge(flag=Flag.objects.get(), by=clinician)

    assert escalate_overdue(flag.opened_at + datetime.timedelta(hours=3)) == 0


def test_the_escalation_command_reports_what_it_did(alerting_clinic, patient, capsys):
    report_check_in(patient, "chest")
    Flag.objects.update(opened_at=timezone.now() - datetime.timedelta(hours=2))

    call_command("escalate_flags")

    assert "escalated: 1" in capsys.readouterr().out


# Transactional: the worker, as in production, reads committed rows, and it recycles
# connections it finds inside a transaction (which would end a normal test's transaction).
@pytest.mark.django_db(transaction=True)
def test_the_database_queue_delivers_through_a_worker(
    alerting_clinic, clinic, clinician, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    patient = make_patient(clinic, clinician, "Queued")

    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "weakness")
    assert mail.outbox == []  # queued, not yet sent

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert len(mail.outbox) == 2
    assert set(Notification.objects.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_the_same_urgent_news_sent_again_within_minutes_alerts_once(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    """A resend or a retry of urgent news is one alert; a later report is news again."""
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            report_check_in(patient, "saddle")
    assert len(mail.outbox) == 2  # the clinician and the clinic's alert address, once

    later = timezone.now() + datetime.timedelta(minutes=11)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "saddle")

    assert len(mail.outbox) == 4
    assert Flag.objects.get().events.count() == 6  # every report is kept as evidence


def test_a_reminder_that_a_flag_waits_is_not_an_alert_about_new_urgent_news(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    """Only an alert minutes ago makes new urgent news a repeat; an escalation is not one."""
    report_check_in(patient, "saddle")
    flag = Flag.objects.get()
    escalated = flag.opened_at + datetime.timedelta(minutes=60)
    with time_machine.travel(escalated, tick=False):
        assert escalate_overdue(escalated) == 1

    with time_machine.travel(escalated + datetime.timedelta(minutes=1), tick=False):
        report_check_in(patient, "saddle")

    assert flag.notifications.filter(kind="alert").count() == 4  # two reports, two addresses


def test_worse_news_always_alerts_even_minutes_after_the_last(
    alerting_clinic, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "fall")  # same day
        factories.report_check_in(patient, "fall", "foot_drop")  # still same day: no news
    assert len(mail.outbox) == 2

    patient.osteoporosis = True
    patient.save(update_fields=["osteoporosis"])
    with django_capture_on_commit_callbacks(execute=True):
        report_check_in(patient, "fall")  # now urgent: worse

    assert len(mail.outbox) == 4
