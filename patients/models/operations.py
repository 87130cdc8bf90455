"""When each process that keeps patients safe last ran.

Alert emails, escalations and the no-activity check happen outside any request: in the
worker and in scheduled commands. Nobody sees them stop. Each writes a heartbeat here
when it runs, so the monitoring endpoint and the clinic admin's dashboard can say which
one is late (patients.safety.watch decides what "late" means).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SafetyProcess(models.TextChoices):
    WORKER = "worker", _("the worker")
    ESCALATION_SWEEP = "escalation_sweep", _("the escalation sweep")
    ACTIVITY_CHECK = "activity_check", _("the daily activity check")


class Heartbeat(models.Model):
    """One row per process: the last run, on whichever machine it happened."""

    process = models.CharField(max_length=32, choices=SafetyProcess.choices, unique=True)
    last_run_at = models.DateTimeField()
    # What the run did, in counts only ("escalated: 0, queued again: 1"): no patient data.
    detail = models.CharField(max_length=200, blank=True)
    host = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.get_process_display()} at {self.last_run_at:%Y-%m-%d %H:%M}"
