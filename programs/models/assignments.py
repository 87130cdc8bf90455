"""A patient's own plan (a copy of a template's stages) and every change of stage in it."""

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programs.models.templates import PlanTemplate, Stage


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


CURRENT_STATUSES = [PlanStatus.ACTIVE, PlanStatus.PAUSED]


class PlanAssignmentQuerySet(models.QuerySet):
    def current(self) -> "PlanAssignmentQuerySet":
        return self.filter(status__in=CURRENT_STATUSES)

    def current_for(self, patient) -> "PlanAssignment | None":
        """The patient's one active or paused plan (a constraint allows no more): every page
        and service that needs "the plan now" asks here. Pages that show its stages ask
        `PlanAssignment.objects.prefetch_related("stages").current_for(patient)`."""
        return self.current().filter(patient=patient).first()

    def in_clinics(self, clinic_ids) -> "PlanAssignmentQuerySet":
        return self.filter(patient__clinic_id__in=clinic_ids)


class PlanAssignment(models.Model):
    """A patient's own walking plan: a copy of a template's stages that can be tailored.

    Editing the template later never changes this plan.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="assignments"
    )
    source_template = models.ForeignKey(
        PlanTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("copied from template"),
    )
    name = models.CharField(_("plan name"), max_length=200)
    start_date = models.DateField(_("start date"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus, default=PlanStatus.ACTIVE
    )
    current_position = models.PositiveSmallIntegerField(_("current stage"), default=1)
    stage_started_on = models.DateField(_("current stage started on"))
    paused_on = models.DateField(_("paused on"), null=True, blank=True)
    # The day the plan ended: for the patient, their discharge, from which the follow-up
    # after discharge and the clinic's recurrence-free days are counted.
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    automatic_progression = models.BooleanField(
        _("patient confirms progression"),
        default=False,
        help_text=_(
            "When a stage is complete and the patient's pain has stayed settled, the patient "
            "may choose to step up themselves. Otherwise a clinician advances the plan."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-created_at"]
        verbose_name = _("plan assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=CURRENT_STATUSES),
                name="assignment_one_current_per_patient",
                violation_error_message=_(
                    "This patient already has a current plan. End it before assigning another."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="assignment_status_known"
            ),
            models.CheckConstraint(
                condition=Q(current_position__gte=1), name="assignment_position_from_1"
            ),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.PAUSED) | Q(paused_on__isnull=False),
                name="assignment_paused_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=PlanStatus.ENDED) | Q(ended_on__isnull=False),
                name="assignment_ended_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} for {self.patient}"

    def ordered_stages(self) -> list["AssignedStage"]:
        # Uses the prefetch cache when the caller prefetched "stages".
        return sorted(self.stages.all(), key=lambda stage: stage.position)

    @property
    def current_stage(self) -> "AssignedStage | None":
        for stage in self.stages.all():
            if stage.position == self.current_position:
                return stage
        return None

    @property
    def stage_count(self) -> int:
        return len(self.stages.all())

    def week_of_stage(self, today: datetime.date) -> int:
        return max(1, (today - self.stage_started_on).days // 7 + 1)

    def available_changes(self) -> list[str]:
        """The stage changes that make sense now, in the order a clinician would think of them."""
        if self.status == PlanStatus.ENDED:
            return []
        if self.status == PlanStatus.PAUSED:
            return [StageChangeKind.RESUME, StageChangeKind.END]
        positions = [stage.position for stage in self.stages.all()]
        changes = []
        if any(position > self.current_position for position in positions):
            changes.append(StageChangeKind.ADVANCE)
        changes.append(StageChangeKind.HOLD)
        if any(position < self.current_position for position in positions):
            changes.append(StageChangeKind.STEP_BACK)
        return [*changes, StageChangeKind.PAUSE, StageChangeKind.END]

    @property
    def seen(self) -> str:
        """The plan's state as a page shows it; a change form posts it back, and the change
        goes ahead only if the plan is still in that state (programs/actions.Expected).

        Every plan change saves the row, so its last-saved time tells two states apart even
        when stage and status match (repeating a stage twice in one day).
        """
        return f"{self.current_position}|{self.status}|{self.updated_at.isoformat()}"

    def describe_current(self, today: datetime.date) -> str:
        """'Stage 2 of 8, week 1 of 2: walk 10 minutes on flat ground, 3 times a week'."""
        stage = self.current_stage
        if stage is None:
            return _("No stage")
        text = _("Stage %(position)d of %(count)d, week %(week)d of %(weeks)d: %(summary)s") % {
            "position": stage.position,
            "count": self.stage_count,
            "week": min(self.week_of_stage(today), stage.weeks),
            "weeks": stage.weeks,
            "summary": stage.summary(),
        }
        if self.status == PlanStatus.PAUSED:
            text = _("Paused. %(text)s") % {"text": text}
        return text


class AssignedStage(Stage):
    assignment = models.ForeignKey(PlanAssignment, on_delete=models.CASCADE, related_name="stages")

    class Meta(Stage.Meta):
        verbose_name = _("stage of the patient's plan")
        constraints = [
            *Stage.Meta.constraints,
            models.UniqueConstraint(
                fields=["assignment", "position"], name="assigned_stage_position_unique"
            ),
        ]


class StageChangeKind(models.TextChoices):
    START = "start", _("Started")
    ADVANCE = "advance", _("Advanced")
    HOLD = "hold", _("Held at this stage")
    STEP_BACK = "step_back", _("Stepped back")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    END = "end", _("Ended")


class StageChange(models.Model):
    """One entry in a plan's history. Never edited or deleted."""

    assignment = models.ForeignKey(PlanAssignment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("change"), max_length=10, choices=StageChangeKind)
    from_position = models.PositiveSmallIntegerField(_("from stage"), null=True)
    to_position = models.PositiveSmallIntegerField(_("to stage"))
    reason = models.TextField(_("why"), blank=True)
    # Advancing on a red light, or advancing or resuming while an urgent or same-day flag is
    # open, needs a second, explicit confirmation (patients/safety/plan_checks.py).
    against_warning = models.BooleanField(_("confirmed against a warning"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("stage change")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=StageChangeKind.values), name="stage_change_kind_known"
            ),
        ]
        indexes = [
            # Serves a plan's history, newest last.
            models.Index(fields=["assignment", "changed_at"], name="stage_change_history"),
        ]

    def __str__(self) -> str:
        if self.kind == StageChangeKind.START:
            return _("Started at stage %(to)d") % {"to": self.to_position}
        if self.from_position is not None and self.from_position != self.to_position:
            return _("%(change)s from stage %(from)d to stage %(to)d") % {
                "change": self.get_kind_display(),
                "from": self.from_position,
                "to": self.to_position,
            }
        return _("%(change)s at stage %(to)d") % {
            "change": self.get_kind_display(),
            "to": self.to_position,
        }
