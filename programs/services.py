"""Writes that change walking plans. Each runs in one transaction and records its history."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from patients.models import AuditAction, Clinic, Patient
from patients.security import audit
from patients.summaries import summary_refresh
from programs.models import (
    AssignedStage,
    PlanAssignment,
    PlanStatus,
    PlanTemplate,
    StageChange,
    StageChangeKind,
    TemplateStage,
)

# After a pause this long the patient restarts one stage lower (deconditioning).
LONG_PAUSE = datetime.timedelta(days=14)


@transaction.atomic
def plan_template_duplicate(
    *, template: PlanTemplate, clinic: Clinic | None, created_by, name: str | None = None
) -> PlanTemplate:
    name = name or _unique_copy_name(template.name, clinic)
    copy = PlanTemplate.objects.create(
        name=name, description=template.description, clinic=clinic, created_by=created_by
    )
    TemplateStage.objects.bulk_create(
        TemplateStage(template=copy, **stage.copy_fields()) for stage in template.stages.all()
    )
    return copy


def _unique_copy_name(name: str, clinic: Clinic | None) -> str:
    taken = set(PlanTemplate.objects.filter(clinic=clinic).values_list("name", flat=True))
    candidate = _("Copy of %(name)s") % {"name": name}
    number = 2
    while candidate in taken:
        candidate = _("Copy %(number)d of %(name)s") % {"number": number, "name": name}
        number += 1
    return candidate


@transaction.atomic
def plan_assign(
    *,
    patient: Patient,
    template: PlanTemplate,
    start_date: datetime.date,
    assigned_by,
    start_position: int = 1,
    automatic_progression: bool = False,
) -> PlanAssignment:
    """Give a patient their own copy of a template's stages, starting at a chosen stage."""
    stages = list(template.stages.order_by("position"))
    if not stages:
        raise ValidationError({"template": _("This template has no stages to copy.")})
    positions = [stage.position for stage in stages]
    if start_position not in positions:
        raise ValidationError(
            {
                "start_position": _("Choose a starting stage between 1 and %(last)d.")
                % {"last": positions[-1]}
            }
        )
    # Lock the patient row so two clinicians assigning at once get a clear message, not
    # a constraint error from the second insert.
    Patient.objects.lock(patient.pk)
    if patient.assignments.current().exists():
        raise ValidationError(
            _("This patient already has a current plan. End it before assigning another.")
        )
    assignment = PlanAssignment.objects.create(
        patient=patient,
        source_template=template,
        name=template.name,
        start_date=start_date,
        current_position=start_position,
        stage_started_on=start_date,
        automatic_progression=automatic_progression,
        created_by=assigned_by,
    )
    AssignedStage.objects.bulk_create(
        AssignedStage(assignment=assignment, **stage.copy_fields()) for stage in stages
    )
    StageChange.objects.create(
        assignment=assignment,
        kind=StageChangeKind.START,
        to_position=start_position,
        changed_by=assigned_by,
        reason=_("Plan assigned from template “%(name)s”.") % {"name": template.name},
    )
    audit.record(
        by=assigned_by,
        action=AuditAction.CREATED,
        subject="plan",
        patient=patient,
        obj=assignment,
        detail=f"starts at stage {start_position}",
    )
    summary_refresh(patient)
    return assignment


def locked_plan(assignment: PlanAssignment) -> PlanAssignment:
    """The plan, locked until the transaction ends, with its patient for the audit record.

    The patient is locked first, as every change for a patient takes that lock first
    (patients.models.PatientQuerySet.lock): two locks always in the same order."""
    Patient.objects.lock(assignment.patient_id)
    plans = PlanAssignment.objects.select_for_update(of=("self",)).select_related("patient__clinic")
    return plans.get(pk=assignment.pk)


def _positions(assignment: PlanAssignment) -> list[int]:
    return list(assignment.stages.order_by("position").values_list("position", flat=True))


def _record(
    assignment, *, kind, from_position, by, reason, against_warning: bool = False
) -> StageChange:
    detail = f"{kind}: stage {from_position} to {assignment.current_position}"
    audit.record(
        by=by,
        action=AuditAction.CHANGED,
        subject="plan",
        patient=assignment.patient,
        obj=assignment,
        detail=f"{detail}, confirmed against a warning" if against_warning else detail,
    )
    # A reason may be a translatable phrase (a patient's step-up): the stage history is the
    # clinic's, so it is written in the site's language, whatever the page's.
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(reason)
    change = StageChange.objects.create(
        assignment=assignment,
        kind=kind,
        from_position=from_position,
        to_position=assignment.current_position,
        changed_by=by,
        reason=reason,
        against_warning=against_warning,
    )
    summary_refresh(assignment.patient)
    return change


def _require_status(assignment: PlanAssignment, *allowed: str) -> None:
    if assignment.status not in allowed:
        raise ValidationError(
            _("This plan is %(status)s, so that change is not possible.")
            % {"status": assignment.get_status_display().lower()}
        )


def _move_to(
    assignment, position: int, *, kind: str, by, reason: str, today, against_warning=False
) -> PlanAssignment:
    """Move an active plan to another stage; that stage's clock starts today."""
    previous = assignment.current_position
    assignment.current_position = position
    assignment.stage_started_on = today
    assignment.save(update_fields=["current_position", "stage_started_on", "updated_at"])
    _record(
        assignment,
        kind=kind,
        from_position=previous,
        by=by,
        reason=reason,
        against_warning=against_warning,
    )
    return assignment


@transaction.atomic
def plan_advance(
    *,
    assignment: PlanAssignment,
    by,
    reason: str,
    today: datetime.date,
    against_warning: bool = False,
) -> PlanAssignment:
    """Move to the next stage. `against_warning`: the clinician confirmed it on a red light."""
    assignment = locked_plan(assignment)
    _require_status(assignment, PlanStatus.ACTIVE)
    later = [p for p in _positions(assignment) if p > assignment.current_position]
    if not later:
        raise ValidationError(
            _("This is the last stage of the plan; there is nothing to advance to.")
        )
    return _move_to(
        assignment,
        later[0],
        kind=StageChangeKind.ADVANCE,
        by=by,
        reason=reason,
        today=today,
        against_warning=against_warning,
    )


@transaction.atomic
def plan_step_back(
    *, assignment: PlanAssignment, by, reason: str, today: datetime.date
) -> PlanAssignment:
    assignment = locked_plan(assignment)
    _require_status(assignment, PlanStatus.ACTIVE)
    earlier = [p for p in _positions(assignment) if p < assignment.current_position]
    if not earlier:
        raise ValidationError(
            _("This is the first stage of the plan; there is nothing to step back to.")
        )
    return _move_to(
        assignment, earlier[-1], kind=StageChangeKind.STEP_BACK, by=by, reason=reason, today=today
    )


@transaction.atomic
def plan_hold(
    *, assignment: PlanAssignment, by, reason: str, today: datetime.date
) -> PlanAssignment:
    """Repeat the current stage: its clock starts again today."""
    assignment = locked_plan(assignment)
    _require_status(assignment, PlanStatus.ACTIVE)
    assignment.stage_started_on = today
    assignment.save(update_fields=["stage_started_on", "updated_at"])
    _record(
        assignment,
        kind=StageChangeKind.HOLD,
        from_position=assignment.current_position,
        by=by,
        reason=reason,
    )
    return assignment


@transaction.atomic
def plan_pause(
    *, assignment: PlanAssignment, by, reason: str, today: datetime.date
) -> PlanAssignment:
    assignment = locked_plan(assignment)
    _require_status(assignment, PlanStatus.ACTIVE)
    assignment.status = PlanStatus.PAUSED
    assignment.paused_on = today
    assignment.save(update_fields=["status", "paused_on", "updated_at"])
    _record(
        assignment,
        kind=StageChangeKind.PAUSE,
        from_position=assignment.current_position,
        by=by,
        reason=reason,
    )
    return assignment


def resume_steps_back(assignment: PlanAssignment, today: datetime.date) -> bool:
    """After a long pause the patient restarts one stage lower, if there is one."""
    return (
        assignment.paused_on is not None
        and today - assignment.paused_on >= LONG_PAUSE
        and assignment.current_position > min(_positions(assignment), default=1)
    )


@transaction.atomic
def plan_resume(
    *,
    assignment: PlanAssignment,
    by,
    reason: str,
    today: datetime.date,
    against_warning: bool = False,
) -> PlanAssignment:
    assignment = locked_plan(assignment)
    _require_status(assignment, PlanStatus.PAUSED)
    previous = assignment.current_position
    if resume_steps_back(assignment, today):
        earlier = [p for p in _positions(assignment) if p < previous]
        assignment.current_position = earlier[-1]
        reason = " ".join(
            part for part in [reason, _("Restarted one stage lower after a long pause.")] if part
        )
    assignment.status = PlanStatus.ACTIVE
    assignment.paused_on = None
    assignment.stage_started_on = today
    assignment.save(
        update_fields=["status", "paused_on", "current_position", "stage_started_on", "updated_at"]
    )
    _record(
        assignment,
        kind=StageChangeKind.RESUME,
        from_position=previous,
        by=by,
        reason=reason,
        against_warning=against_warning,
    )
    return assignment


@transaction.atomic
def plan_end(*, assignment: PlanAssignment, by, reason: str) -> PlanAssignment:
    assignment = locked_plan(assignment)
    _require_status(assignment, PlanStatus.ACTIVE, PlanStatus.PAUSED)
    assignment.status = PlanStatus.ENDED
    assignment.paused_on = None
    assignment.ended_on = assignment.patient.clinic.today()
    assignment.save(update_fields=["status", "paused_on", "ended_on", "updated_at"])
    _record(
        assignment,
        kind=StageChangeKind.END,
        from_position=assignment.current_position,
        by=by,
        reason=reason,
    )
    return assignment
