"""Two escalation sweeps at the same moment (two cron lines, or a sweep slower than five
minutes) escalate each overdue flag once, on PostgreSQL, each with its own connection.

Both sweeps read the same overdue flags; the once-only update decides which one sends the
escalation. SQLite takes one writer at a time, so only PostgreSQL can show the race.
"""

import datetime
import threading

import pytest
from django.db import connection, connections

from patients.models import Flag, Notification, NotificationKind
from patients.safety.notifications import escalate_overdue
from tests.factories import make_patient, report_check_in

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a race between database connections"
)

FLAGS = 6


def sweeps_at_once(count: int, now: datetime.datetime) -> list[int]:
    start = threading.Barrier(count)
    escalated = []

    def sweep():
        start.wait()
        try:
            escalated.append(escalate_overdue(now))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return escalated


@pytest.mark.parametrize("attempt", range(3))
def test_two_sweeps_at_once_escalate_each_flag_once(transactional_db, clinic, clinician, attempt):
    clinic.escalation_email = "lead@north.example"
    clinic.save()
    for number in range(FLAGS):
        report_check_in(make_patient(clinic, clinician, f"Pat{number}"), "chest")
    later = Flag.objects.latest("opened_at").opened_at + datetime.timedelta(hours=2)

    escalated = sweeps_at_once(2, later)

    assert sum(escalated) == FLAGS
    assert Notification.objects.filter(kind=NotificationKind.ESCALATION).count() == FLAGS
