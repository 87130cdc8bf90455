"""Two queue workers, as on two machines, never run the same task twice.

django_tasks_db's `db_worker` claims a task inside a transaction: it selects one ready row
with SELECT ... FOR UPDATE SKIP LOCKED, marks it RUNNING with its worker id, and commits,
then runs it. A second worker skips the locked row and takes the next, so no task can be
claimed twice. On SQLite the same command instead takes the whole database with an
exclusive transaction: one writer at a time, never several machines.

Here two real worker processes drain a queue of alert emails from the test database. Each
may run at most PER_WORKER tasks, fewer than the queue holds, so the queue only empties
if both of them worked on it at once.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from patients.choices import Rule, Severity
from patients.models import DeliveryState, Flag, Notification, NotificationKind
from patients.safety.notifications import deliver_notification

ROOT = Path(__file__).resolve().parents[2]
TASKS = 200
WORKERS = ("one", "two")
PER_WORKER = 120  # fewer than TASKS: neither worker can empty the queue alone
DRAIN_TIMEOUT = 120  # seconds; generous, it is a bound on a hang, not a speed test

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Workers on several machines need PostgreSQL (row locks, SKIP LOCKED); SQLite "
    "takes one writer at a time. CI runs this test on PostgreSQL.",
)


def database_url() -> str:
    """The URL of the test database this test process is using, for the workers."""
    db = connection.settings_dict
    user, password = quote(db["USER"], safe=""), quote(db["PASSWORD"], safe="")
    return f"postgres://{user}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(name: str, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    mail = tmp_path / f"{name}-mail"
    mail.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "TASK_BACKEND": "database",
        # django-environ drops the first slash of the path: four slashes make it absolute.
        "EMAIL_URL": f"filemail:///{mail}",
    }
    command = [
        *(sys.executable, "manage.py", "db_worker", "--batch", "--no-reload"),
        *("--no-startup-delay", "--interval", "0.1"),
        *("--max-tasks", str(PER_WORKER), "--worker-id", name),
    ]
    with (tmp_path / f"{name}.log").open("w") as log:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return worker, mail


def wait_for(workers: list[subprocess.Popen], tmp_path: Path) -> None:
    """Each worker exits once the queue is empty or it has run its share."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    for worker in workers:
        try:
            worker.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            logs = "\n".join(path.read_text() for path in sorted(tmp_path.glob("*.log")))
            left = DBTaskResult.objects.exclude(status="SUCCESSFUL").count()
            pytest.fail(f"Workers still running after {DRAIN_TIMEOUT}s, {left} tasks left.\n{logs}")


def recipients_mailed(mail: Path) -> list[str]:
    text = "".join(path.read_text() for path in mail.glob("*.log"))
    return re.findall(r"^To: (.+)$", text, flags=re.MULTILINE)


@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_every_alert_exactly_once(settings, tmp_path, patient):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    flag = Flag.objects.create(
        patient=patient,
        rule=Rule.CAUDA_EQUINA,
        severity=Severity.URGENT,
        summary="Numbness in the saddle area",
        last_evidence_at=timezone.now(),
    )
    notifications = Notification.objects.bulk_create(
        Notification(flag=flag, kind=NotificationKind.ALERT, recipient=f"lead{n}@north.example")
        for n in range(TASKS)
    )
    for notification in notifications:
        deliver_notification.enqueue(notification.pk)

    started = {name: start_worker(name, tmp_path) for name in WORKERS}
    workers = [worker for worker, _mailbox in started.values()]
    try:
        wait_for(workers, tmp_path)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=10)

    results = list(DBTaskResult.objects.all())
    assert len(results) == TASKS
    assert {result.status for result in results} == {"SUCCESSFUL"}
    # Claimed by one worker each, and run once: a second run would have returned
    # "already sent" over the first run's result.
    assert all(len(result.worker_ids) == 1 for result in results)
    assert {result.return_value for result in results} == {"sent"}
    claimed = {name: sum(result.worker_ids == [name] for result in results) for name in WORKERS}
    assert all(0 < count <= PER_WORKER for count in claimed.values()), claimed

    assert set(Notification.objects.values_list("state", "attempts")) == {(DeliveryState.SENT, 1)}
    mailed = {name: recipients_mailed(mailbox) for name, (_worker, mailbox) in started.items()}
    assert {name: len(to) for name, to in mailed.items()} == claimed
    everyone = sorted(address for addresses in mailed.values() for address in addresses)
    assert everyone == sorted(notification.recipient for notification in notifications)
