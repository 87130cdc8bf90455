"""Is anything that keeps patients safe not running?

Three processes run outside any request: the worker (it sends alert emails), the
escalation sweep (every 5 minutes) and the daily activity check. Each records a heartbeat
when it runs (`record_run`). The worker is idle most of the time, so the sweep queues a
tiny heartbeat task on each run and the worker records its heartbeat when it runs it: the
worker's heartbeat is then proof that the queue is being worked, not just that a process
exists. An alert email waiting longer than a running worker would ever leave it says the
same thing sooner.

`problems` turns that into plain sentences (what is wrong, what stops happening, what IT
should do) for the monitoring endpoint (/health/processes/) and the dashboard.
"""

import datetime
import socket
from dataclasses import dataclass

from django.db.models import Count, Min
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from patients.models import DeliveryState, Heartbeat, Notification, SafetyProcess


@dataclass(frozen=True)
class Schedule:
    late_after: datetime.timedelta
    consequence: str  # what stops happening, for the clinic
    fix: str  # for the clinic's IT contact (docs/operations.md has the same)
    urgent: bool  # patients with urgent symptoms depend on it


# How long each process may be silent before it is reported. The sweep runs every 5
# minutes and queues the worker's heartbeat: three missed runs are a problem, not a slow
# machine. The daily check gets two hours' grace.
SCHEDULES = {
    SafetyProcess.WORKER: Schedule(
        late_after=datetime.timedelta(minutes=15),
        consequence=_lazy("Alert emails about urgent and same-day flags are not being sent."),
        fix="Restart the worker: systemctl restart stepwise-worker (docs/operations.md).",
        urgent=True,
    ),
    SafetyProcess.ESCALATION_SWEEP: Schedule(
        late_after=datetime.timedelta(minutes=15),
        consequence=_lazy(
            "Urgent flags nobody acknowledged are not being escalated, and alert emails "
            "that failed are not sent again."
        ),
        fix="Turn its timer on: systemctl enable --now stepwise-escalate.timer "
        "(docs/operations.md).",
        urgent=True,
    ),
    SafetyProcess.ACTIVITY_CHECK: Schedule(
        late_after=datetime.timedelta(hours=26),
        consequence=_lazy("Patients who stopped walking are not being flagged."),
        fix="Turn its timer on: systemctl enable --now stepwise-check-activity.timer "
        "(docs/operations.md).",
        urgent=False,
    ),
}
# A running worker sends an alert within seconds; the sweep queues a lost one again at 10.
ALERT_WAITING_TOO_LONG = datetime.timedelta(minutes=5)
# Servers' clocks further apart than this make heartbeats meaningless.
CLOCKS_DIFFER = datetime.timedelta(minutes=2)


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
    waiting = DBTaskResult.objects.ready().filter(task_path=worker_heartbeat.module_path)
    if not waiting.exists():
        worker_heartbeat.enqueue()


@dataclass(frozen=True)
class ProcessState:
    process: str
    last_run_at: datetime.datetime | None
    late: bool | None  # None: cannot be told now
    problem: str  # what is wrong, when late
    schedule: Schedule

    @property
    def consequence(self) -> str:
        return str(self.schedule.consequence)

    @property
    def fix(self) -> str:
        return self.schedule.fix


@dataclass(frozen=True)
class WaitingAlerts:
    count: int
    oldest: datetime.datetime | None


def alerts_waiting(now: datetime.datetime) -> WaitingAlerts:
    """Alert emails no worker has sent for longer than a running worker would take."""
    waiting = Notification.objects.filter(
        state=DeliveryState.PENDING, created_at__lte=now - ALERT_WAITING_TOO_LONG
    ).aggregate(count=Count("pk"), oldest=Min("created_at"))
    return WaitingAlerts(**waiting)


def how_long(delta: datetime.timedelta) -> str:
    """ "20 minutes", "30 hours", "3 days": what a person would say."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 120:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    if minutes < 48 * 60:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = minutes // (24 * 60)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def silence(process: str, heartbeat: Heartbeat | None, now: datetime.datetime) -> str:
    """ "The escalation sweep has not run for 30 hours.", or "" if it ran recently enough."""
    name = capfirst(str(SafetyProcess(process).label))
    if heartbeat is None:
        return _("%(name)s has never run.") % {"name": name}
    if heartbeat.last_run_at - now > CLOCKS_DIFFER:
        # A run "in the future" would count as recent until that time came.
        return _(
            "%(name)s last ran on a server whose clock is %(ahead)s ahead, so whether it "
            "still runs cannot be told: set the servers' clocks right."
        ) % {"name": name, "ahead": how_long(heartbeat.last_run_at - now)}
    if now - heartbeat.last_run_at <= SCHEDULES[process].late_after:
        return ""
    return _("%(name)s has not run for %(silence)s.") % {
        "name": name,
        "silence": how_long(now - heartbeat.last_run_at),
    }


def worker_problem(
    heartbeat: Heartbeat | None, waiting: WaitingAlerts, sweep_silent: bool, now: datetime.datetime
) -> tuple[bool | None, str]:
    """Alerts waiting too long say the worker is down even before its heartbeat is late.

    The worker's heartbeat comes from a task the sweep queues: while the sweep is not
    running, an old heartbeat says nothing about the worker, so only waiting alerts count.
    """
    if waiting.count:
        return True, ngettext(
            "%(count)d alert email has waited %(wait)s to be sent.",
            "%(count)d alert emails have waited up to %(wait)s to be sent.",
            waiting.count,
        ) % {"count": waiting.count, "wait": how_long(now - waiting.oldest)}
    if sweep_silent:
        return None, ""
    quiet = silence(SafetyProcess.WORKER, heartbeat, now)
    return bool(quiet), quiet


def process_states(now: datetime.datetime | None = None) -> list[ProcessState]:
    """Every safety process, late or not, in the order of SafetyProcess."""
    now = now or timezone.now()
    heartbeats = {beat.process: beat for beat in Heartbeat.objects.all()}
    problems = {
        process: silence(process, heartbeats.get(process), now)
        for process in (SafetyProcess.ESCALATION_SWEEP, SafetyProcess.ACTIVITY_CHECK)
    }
    late = {process: bool(problem) for process, problem in problems.items()}
    late[SafetyProcess.WORKER], problems[SafetyProcess.WORKER] = worker_problem(
        heartbeats.get(SafetyProcess.WORKER),
        alerts_waiting(now),
        late[SafetyProcess.ESCALATION_SWEEP],
        now,
    )
    return [
        ProcessState(
            process=process,
            last_run_at=heartbeats[process].last_run_at if process in heartbeats else None,
            late=late[process],
            problem=problems[process],
            schedule=SCHEDULES[process],
        )
        for process in SafetyProcess
    ]


def problems(now: datetime.datetime | None = None) -> list[ProcessState]:
    return [state for state in process_states(now) if state.late]
