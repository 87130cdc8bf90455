"""Is anything that keeps patients safe not running?

Three processes run outside any request: the worker (it sends alert emails), the
escalation sweep (every 5 minutes) and the daily activity check. Each records a heartbeat
when it runs (`record_run`). The worker is idle most of the time, so the sweep queues a
tiny heartbeat task on each run and the worker records its heartbeat when it runs it: the
worker's heartbeat is then proof that the queue is being worked, not just that a process
exists. An alert waiting in the queue longer than a worker would ever leave it says the
same thing sooner.

`problems` turns that into plain sentences, each with its fix, for the monitoring
endpoint (/health/processes/) and the clinic admin's dashboard.
"""

import datetime
import socket
from dataclasses import dataclass

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from patients.models import Heartbeat, SafetyProcess


@dataclass(frozen=True)
class Schedule:
    late_after: datetime.timedelta
    fix: str


# How long each process may be silent before it is reported, with what the README says to
# do. The sweep runs every 5 minutes and queues the worker's heartbeat: three missed runs
# are a problem, not a slow machine. The daily check gets two hours' grace.
SCHEDULES = {
    SafetyProcess.WORKER: Schedule(
        late_after=datetime.timedelta(minutes=15),
        fix="Start the worker: python manage.py db_worker (README: the worker).",
    ),
    SafetyProcess.ESCALATION_SWEEP: Schedule(
        late_after=datetime.timedelta(minutes=15),
        fix="Run python manage.py escalate_flags every 5 minutes "
        "(docs/operations.md: the schedule).",
    ),
    SafetyProcess.ACTIVITY_CHECK: Schedule(
        late_after=datetime.timedelta(hours=26),
        fix="Run python manage.py check_activity once a day (docs/operations.md: the schedule).",
    ),
}
# No worker leaves a task waiting this long while it is running.
QUEUE_STALE_AFTER = datetime.timedelta(minutes=5)
# Servers' clocks further apart than this make heartbeats meaningless.
CLOCKS_DIFFER = datetime.timedelta(minutes=2)
HEARTBEAT_TASK_PATH = "patients.safety.watch.worker_heartbeat"


def record_run(process: str, detail: str = "", now: datetime.datetime | None = None) -> None:
    """Note that a process ran just now (one upsert; safe from any number of machines)."""
    Heartbeat.objects.update_or_create(
        process=process,
        defaults={
            "last_run_at": now or timezone.now(),
            "detail": detail[:200],
            "host": socket.gethostname()[:255],
        },
    )


@task()
def worker_heartbeat() -> None:
    record_run(SafetyProcess.WORKER, "ran the heartbeat task from the queue")


def queue_worker_heartbeat() -> None:
    """Queue the worker's heartbeat, unless one is already waiting for a worker."""
    if not DBTaskResult.objects.ready().filter(task_path=HEARTBEAT_TASK_PATH).exists():
        worker_heartbeat.enqueue()


@dataclass(frozen=True)
class ProcessState:
    process: str
    last_run_at: datetime.datetime | None
    detail: str
    problem: str  # empty when all is well
    fix: str

    @property
    def late(self) -> bool:
        return bool(self.problem)


@dataclass(frozen=True)
class Queue:
    waiting: int
    oldest_queued_at: datetime.datetime | None


def queue_now(now: datetime.datetime) -> Queue:
    waiting = DBTaskResult.objects.ready().exclude(task_path=HEARTBEAT_TASK_PATH)
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return Queue(waiting=waiting.count(), oldest_queued_at=oldest)


def minutes_since(moment: datetime.datetime, now: datetime.datetime) -> int:
    return max(0, int((now - moment).total_seconds() // 60))


def silence(process: str, heartbeat: Heartbeat | None, now: datetime.datetime) -> str:
    """ "the sweep has not run for 20 minutes", or "" if it ran recently enough."""
    name = SafetyProcess(process).label
    if heartbeat is None:
        return _("%(name)s has never run") % {"name": name}
    if heartbeat.last_run_at - now > CLOCKS_DIFFER:
        # A run "in the future" would count as recent until that time came.
        minutes = minutes_since(now, heartbeat.last_run_at)
        return _(
            "%(name)s last ran on a server whose clock is %(minutes)d minutes ahead, so "
            "whether it still runs cannot be told (set the servers' clocks right)"
        ) % {"name": name, "minutes": minutes}
    if now - heartbeat.last_run_at <= SCHEDULES[process].late_after:
        return ""
    minutes = minutes_since(heartbeat.last_run_at, now)
    return ngettext(
        "%(name)s has not run for %(minutes)d minute",
        "%(name)s has not run for %(minutes)d minutes",
        minutes,
    ) % {"name": name, "minutes": minutes}


def worker_problem(
    heartbeat: Heartbeat | None, queue: Queue, sweep_silent: bool, now: datetime.datetime
) -> str:
    """Alerts waiting too long say the worker is down even before its heartbeat is late.

    The worker's heartbeat comes from a task the sweep queues: while the sweep is not
    running, an old heartbeat says nothing about the worker, so only the queue counts.
    """
    if queue.oldest_queued_at is not None and now - queue.oldest_queued_at > QUEUE_STALE_AFTER:
        minutes = minutes_since(queue.oldest_queued_at, now)
        return ngettext(
            "Alerts are not being sent: %(count)d task has waited %(minutes)d minutes "
            "for the worker.",
            "Alerts are not being sent: %(count)d tasks have waited up to %(minutes)d "
            "minutes for the worker.",
            queue.waiting,
        ) % {"count": queue.waiting, "minutes": minutes}
    quiet = "" if sweep_silent else silence(SafetyProcess.WORKER, heartbeat, now)
    return _("Alerts are not being sent: %(quiet)s.") % {"quiet": quiet} if quiet else ""


def process_states(now: datetime.datetime | None = None) -> list[ProcessState]:
    """Every safety process, late or not, in the order of SafetyProcess."""
    now = now or timezone.now()
    heartbeats = {beat.process: beat for beat in Heartbeat.objects.all()}
    sweep_silence = silence(
        SafetyProcess.ESCALATION_SWEEP, heartbeats.get(SafetyProcess.ESCALATION_SWEEP), now
    )
    problems = {
        SafetyProcess.WORKER: worker_problem(
            heartbeats.get(SafetyProcess.WORKER), queue_now(now), bool(sweep_silence), now
        ),
        SafetyProcess.ESCALATION_SWEEP: (
            _("Escalation sweep late: %(silence)s.") % {"silence": sweep_silence}
            if sweep_silence
            else ""
        ),
        SafetyProcess.ACTIVITY_CHECK: capfirst_sentence(
            silence(SafetyProcess.ACTIVITY_CHECK, heartbeats.get(SafetyProcess.ACTIVITY_CHECK), now)
        ),
    }
    return [
        ProcessState(
            process=process,
            last_run_at=heartbeats[process].last_run_at if process in heartbeats else None,
            detail=heartbeats[process].detail if process in heartbeats else "",
            problem=problems[process],
            fix=SCHEDULES[process].fix,
        )
        for process in SafetyProcess
    ]


def capfirst_sentence(text: str) -> str:
    return f"{capfirst(text)}." if text else ""


def problems(now: datetime.datetime | None = None) -> list[ProcessState]:
    return [state for state in process_states(now) if state.late]
