"""The daily no-activity check. Safe to run more than once a day: it flags each quiet
patient once, while that flag is unresolved, and never a paused plan."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Max, Q

from patients.choices import Rule
from patients.models import Flag, SafetyProcess
from patients.safety.engine import record_findings
from patients.safety.rules import Thresholds
from patients.safety.trends import no_activity
from patients.safety.watch import record_run
from patients.summaries import summary_refresh
from programs.models import PlanAssignment, PlanStatus


class Command(BaseCommand):
    help = "Flag patients on an active plan who have not logged a walk for 7 days."

    def handle(self, *args, **options):
        already_flagged = Flag.objects.unresolved().filter(rule=Rule.NO_ACTIVITY).values("patient")
        plans = (
            PlanAssignment.objects.filter(status=PlanStatus.ACTIVE)
            .exclude(patient__in=already_flagged)
            .select_related("patient__clinic", "patient__clinician", "patient__user")
            .annotate(
                last_walk=Max(
                    "patient__walk_logs__walked_on",
                    filter=Q(patient__walk_logs__deleted_at__isnull=True),
                )
            )
        )
        flagged = 0
        # Read in full first: on SQLite a write cannot start under a read still open once
        # another process has written ("database is locked").
        for plan in list(plans):
            # The stage clock restarts on resume, so a returning patient gets a fresh week.
            clinic = plan.patient.clinic
            finding = no_activity(
                plan.last_walk, plan.stage_started_on, clinic.today(), Thresholds.of(clinic)
            )
            if finding is None:
                continue
            with transaction.atomic():
                record_findings(
                    patient=plan.patient, findings=[finding], source={"source": "daily_check"}
                )
                summary_refresh(plan.patient)
            flagged += 1
        done = f"patients flagged for no activity: {flagged}"
        record_run(SafetyProcess.ACTIVITY_CHECK, done)
        self.stdout.write(done)
