"""A patient at a glance: one row the clinic's pages read instead of rebuilding it.

The row is a copy, never the record: every service that changes what it summarises
(walks, next-morning checks, flags, plans, the patient's baseline) refreshes it in the
same transaction, and `manage.py rebuild_summaries` builds every row again from the
records. What depends on the day (this week's figures, whether the stage is over) is
stored with the day it was worked out on and read against today, so a row stays true
when a week rolls over with nothing logged.
"""

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from patients.models.enrolment import Patient
from programs.progression import Light, LightReason, StageProgress


class PatientSummary(models.Model):
    patient = models.OneToOneField(
        Patient, on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    # The week these figures belong to (its Monday): read as nothing walked yet once the
    # clinic's week has moved on.
    week_starts_on = models.DateField()
    week_walks = models.PositiveIntegerField(default=0)
    week_minutes = models.PositiveIntegerField(default=0)
    last_walk_on = models.DateField(null=True, blank=True)
    # The newest few walks' pain after walking, oldest first.
    pain_trend = models.JSONField(default=list, blank=True)

    # The current plan (active or paused) and, while it is active, its stage's week.
    plan = models.ForeignKey(
        "programs.PlanAssignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    stage_position = models.PositiveSmallIntegerField(null=True, blank=True)
    stage_count = models.PositiveSmallIntegerField(default=0)
    target_walks = models.PositiveSmallIntegerField(null=True, blank=True)
    target_minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    # The current stage's light and readiness; empty without an active plan.
    light = models.CharField(max_length=5, blank=True)
    light_reason = models.CharField(max_length=20, choices=LightReason, blank=True)
    stage_walks_done = models.PositiveIntegerField(default=0)
    stage_walks_needed = models.PositiveIntegerField(default=0)
    stage_ends_on = models.DateField(null=True, blank=True)
    has_next_stage = models.BooleanField(default=False)

    open_flags = models.PositiveIntegerField(default=0)
    open_urgent = models.PositiveIntegerField(default=0)
    open_same_day = models.PositiveIntegerField(default=0)
    open_review = models.PositiveIntegerField(default=0)
    open_info = models.PositiveIntegerField(default=0)
    # When the longest-waiting open flag was raised.
    oldest_open_at = models.DateTimeField(null=True, blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("patient summary")
        verbose_name_plural = _("patient summaries")
        indexes = [
            # The dashboard lists patients with open flags first.
            models.Index(fields=["-open_flags"], name="summary_open_flags"),
        ]

    def __str__(self) -> str:
        return f"Summary of {self.patient_id}"

    def this_week(self, today: datetime.date) -> tuple[int, int]:
        """Walks and minutes in today's week: none yet once the stored week is over."""
        monday = today - datetime.timedelta(days=today.weekday())
        if self.week_starts_on != monday:
            return 0, 0
        return self.week_walks, self.week_minutes

    @property
    def light_label(self) -> str:
        return Light(self.light).label if self.light else ""

    @property
    def light_reason_label(self) -> str:
        return LightReason(self.light_reason).label

    def stage_over(self, today: datetime.date) -> bool:
        return self.stage_ends_on is not None and today >= self.stage_ends_on

    def ready(self, today: datetime.date) -> bool:
        """Complete on green with a stage to move to (programs.progression decides)."""
        progress = self.progress(today)
        return progress is not None and progress.ready

    def progress(self, today: datetime.date) -> StageProgress | None:
        """The stage's light and readiness as patients.summaries worked them out."""
        if not self.light:
            return None
        return StageProgress(
            light=self.light,
            light_reason=self.light_reason,
            walks_done=self.stage_walks_done,
            walks_needed=self.stage_walks_needed,
            stage_over=self.stage_over(today),
            has_next_stage=self.has_next_stage,
        )

    def as_read_on(self, today: datetime.date) -> dict:
        """Everything a page shows, as of `today`: two rows that read the same are equal,
        whichever day each was worked out on."""
        walks, minutes = self.this_week(today)
        return {
            "plan_id": self.plan_id,
            "stage_position": self.stage_position,
            "stage_count": self.stage_count,
            "target_walks": self.target_walks,
            "target_minutes": self.target_minutes,
            "week_walks": walks,
            "week_minutes": minutes,
            "last_walk_on": self.last_walk_on,
            "pain_trend": list(self.pain_trend),
            "light": self.light,
            "light_reason": self.light_reason,
            "stage_walks_done": self.stage_walks_done,
            "stage_walks_needed": self.stage_walks_needed,
            "stage_over": self.stage_over(today),
            "ready": self.ready(today),
            "has_next_stage": self.has_next_stage,
            "open_flags": self.open_flags,
            "open_urgent": self.open_urgent,
            "open_same_day": self.open_same_day,
            "open_review": self.open_review,
            "open_info": self.open_info,
            "oldest_open_at": self.oldest_open_at,
        }
