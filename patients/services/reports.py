"""Saving what patients report, once per form, and running the red-flag rules on it."""

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.choices import SeriousSymptom
from patients.languages import in_records_language
from patients.models import (
    AuditAction,
    EvidenceChange,
    MorningCheck,
    Patient,
    RevisionAction,
    SymptomCheckIn,
    WalkLog,
    WalkLogRevision,
)
from patients.safety.engine import evidence_changed, record_findings
from patients.safety.inputs import check_in_findings, morning_findings, walk_findings
from patients.security import audit
from patients.summaries import summary_refresh
from programs.models import PlanAssignment

# Field validators (ranges, choices) still run on every report; the foreign keys come from
# the signed-in patient, and uniqueness and check constraints are enforced by the database
# itself, so checking them here would only add a query each to the patient's save.
TRUSTED_ROWS = {
    "exclude": ["patient", "assignment"],
    "validate_unique": False,
    "validate_constraints": False,
}


def _save_once(row: Model, first: Callable[[], Model]) -> tuple[Model, bool]:
    """Save a new report, or return `first()`, the row a concurrent duplicate (two workers,
    a retry) saved before it. The savepoint keeps the caller's transaction usable after
    the unique constraint refuses the duplicate. Returns the row and whether it is new."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return first(), False
    return row, True


@transaction.atomic
def walk_log_create(*, patient: Patient, submission_key, by, **values) -> tuple[WalkLog, bool]:
    """Save a walk once per form: a repeat of the same submission returns the first save.

    Returns the log and whether this call created it. If this form's symptoms were already
    acted on while it had a mistake in it, the clinic is not told about them twice.
    """
    if submission_key is not None:
        existing = WalkLog.objects.filter(patient=patient, submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    plan = PlanAssignment.objects.current_for(patient)
    log = WalkLog(
        patient=patient,
        submission_key=submission_key,
        assignment=plan,
        stage_position=plan.current_position if plan else None,
        **values,
    )
    log.full_clean(**TRUSTED_ROWS)
    log, created = _save_once(
        log, lambda: WalkLog.objects.get(patient=patient, submission_key=submission_key)
    )
    if not created:
        return log, False
    WalkLogRevision.objects.create(
        walk_log=log, action=RevisionAction.CREATED, values=log.snapshot(), changed_by=by
    )
    audit.record(by=by, action=AuditAction.CREATED, subject="walk", patient=patient, obj=log)
    told = _told_by_form(patient, submission_key)
    findings = walk_findings(log)
    record_findings(
        patient=patient,
        findings=findings,
        source=_source("walk", log),
        quiet_rules={f.rule for f in findings if f.rank <= told.get(f.rule, 0)},
    )
    summary_refresh(patient)
    return log, True


# The browser's Back button gives a form a new key but fills in every answer again: an
# identical walk saved this recently is asked about before it is saved twice.
RESENT_WITHIN = datetime.timedelta(minutes=10)


def walk_just_saved(patient: Patient, values: dict, *, submission_key) -> WalkLog | None:
    """A walk identical to these values that the patient saved moments ago from another
    form, if any (the same form sent twice simply finds its own walk)."""
    recent = WalkLog.objects.live().filter(
        patient=patient,
        created_at__gte=timezone.now() - RESENT_WITHIN,
        walked_on=values["walked_on"],
        minutes=values["minutes"],
    )
    if submission_key is not None:
        recent = recent.exclude(submission_key=submission_key)
    return next(
        (log for log in recent if all(getattr(log, k) == v for k, v in values.items())), None
    )


def _require_changeable(log: WalkLog, now: datetime.datetime) -> None:
    if not log.can_be_changed(now):
        raise ValidationError(
            _("A walk can be corrected or deleted for 24 hours after it was logged.")
        )


@transaction.atomic
def walk_log_correct(
    *, log: WalkLog, by, now: datetime.datetime, submission_key=None, **values
) -> WalkLog:
    """Correct a walk within its window. What the walk (or this form, while it had a mistake
    in it) already told the clinic is not news again."""
    Patient.objects.lock(log.patient_id)  # the patient first, as every change takes it
    log = WalkLog.objects.select_for_update().get(pk=log.pk)
    _require_changeable(log, now)
    told = {**_ranks(walk_findings(log)), **_told_by_form(log.patient, submission_key)}
    for name, value in values.items():
        setattr(log, name, value)
    log.full_clean(**TRUSTED_ROWS)
    log.save(update_fields=[*values, "updated_at"])
    _walk_changed(log, RevisionAction.CORRECTED, by=by)
    # A correction is new evidence too: it may reveal what the first entry hid.
    findings = walk_findings(log)
    record_findings(
        patient=log.patient,
        findings=findings,
        source=_source("walk", log),
        quiet_rules={f.rule for f in findings if f.rank <= told.get(f.rule, 0)},
    )
    summary_refresh(log.patient)
    return log


def _told_by_form(patient: Patient, submission_key) -> dict[str, int]:
    """What symptoms sent from this form, while it had a mistake in it, already raised."""
    if submission_key is None:
        return {}
    partial = SymptomCheckIn.objects.filter(
        patient=patient, submission_key=submission_key, from_walk_form=True
    ).first()
    return _ranks(check_in_findings(partial)) if partial else {}


@transaction.atomic
def walk_log_delete(*, log: WalkLog, by, now: datetime.datetime) -> WalkLog:
    """Hide the walk from the patient's record; the row and its history are kept."""
    Patient.objects.lock(log.patient_id)  # the patient first, as every change takes it
    log = WalkLog.objects.select_for_update().get(pk=log.pk)
    _require_changeable(log, now)
    log.deleted_at = now
    log.save(update_fields=["deleted_at", "updated_at"])
    _walk_changed(log, RevisionAction.DELETED, by=by)
    summary_refresh(log.patient)
    return log


# What a correction or a deletion is, for the audit trail and for the flags the walk fed.
WALK_CHANGES = {
    RevisionAction.CORRECTED: (
        AuditAction.CHANGED,
        EvidenceChange.CORRECTED,
        gettext_lazy("The patient corrected the walk of %(day)s."),
    ),
    RevisionAction.DELETED: (
        AuditAction.DELETED,
        EvidenceChange.WITHDRAWN,
        gettext_lazy("The patient deleted the walk of %(day)s."),
    ),
}


@in_records_language  # what the flag's history says, for the clinic
def _walk_changed(log: WalkLog, action: str, *, by) -> None:
    """Keep the walk's new version, audit it, and mark the flags it fed."""
    audit_action, evidence_change, summary = WALK_CHANGES[action]
    WalkLogRevision.objects.create(
        walk_log=log, action=action, values=log.snapshot(), changed_by=by
    )
    audit.record(by=by, action=audit_action, subject="walk", patient=log.patient, obj=log)
    evidence_changed(
        patient=log.patient,
        report_id=log.pk,
        change=evidence_change,
        summary=str(summary) % {"day": log.walked_on},
        by=by,
    )


@transaction.atomic
def symptom_check_in_save(
    *,
    patient: Patient,
    submission_key,
    serious_yes=(),
    serious_no=(),
    from_walk_form: bool = False,
    **answers,
) -> tuple[SymptomCheckIn, bool]:
    """Save what the patient answered, or add it to what this same form already saved.

    Called as soon as anything is worrying, whatever else is missing, and again when the
    patient answers more (same submission key): a double tap, a retry or the rest of the
    answers complete one check-in instead of making another. Returns it and whether this
    call created it.
    """
    if submission_key is not None:
        existing = SymptomCheckIn.objects.filter(
            patient=patient, submission_key=submission_key
        ).first()
        if existing is not None and existing.reported_on == patient.clinic.today():
            return _check_in_complete(existing, serious_yes, serious_no, answers), False
        if existing is not None:
            submission_key = None  # a form from another day: today's news, a check-in of its own
    check_in = SymptomCheckIn(
        patient=patient,
        submission_key=submission_key,
        reported_on=patient.clinic.today(),
        serious_symptoms=_ordered(serious_yes),
        serious_denied=_ordered(set(serious_no) - set(serious_yes)),
        from_walk_form=from_walk_form,
        **answers,
    )
    check_in.full_clean(**TRUSTED_ROWS)
    check_in, created = _save_once(
        check_in,
        lambda: SymptomCheckIn.objects.get(patient=patient, submission_key=submission_key),
    )
    if not created:
        return _check_in_complete(check_in, serious_yes, serious_no, answers), False
    audit.record(
        by=patient.user,
        action=AuditAction.CREATED,
        subject="check-in",
        patient=patient,
        obj=check_in,
    )
    if record_findings(
        patient=patient,
        findings=check_in_findings(check_in),
        source=_source("check_in", check_in),
    ):
        summary_refresh(patient)
    return check_in, True


def symptom_check_in_complete(
    *, check_in: SymptomCheckIn, serious_yes=(), serious_no=(), **answers
) -> SymptomCheckIn:
    """Fill in what a check-in left unanswered (the questions asked again after advice)."""
    with transaction.atomic():
        return _check_in_complete(check_in, serious_yes, serious_no, answers)


def _check_in_complete(check_in, serious_yes, serious_no, answers: dict) -> SymptomCheckIn:
    Patient.objects.lock(check_in.patient_id)  # the patient first, as every change takes it
    check_in = (
        SymptomCheckIn.objects.select_for_update(of=("self",))
        .select_related("patient__clinic")
        .get(pk=check_in.pk)
    )
    before = _ranks(check_in_findings(check_in))
    changed = _merge_answers(check_in, answers)
    yes = set(check_in.serious_symptoms) | set(serious_yes)
    # A later "yes" counts; a later "no" never takes back a "yes", but is kept to show.
    no = (set(check_in.serious_denied) | set(serious_no)) - yes
    later_no = set(check_in.serious_later_no) | (set(serious_no) & yes)
    for name, value in (
        ("serious_symptoms", yes),
        ("serious_denied", no),
        ("serious_later_no", later_no),
    ):
        if set(getattr(check_in, name)) != value:
            setattr(check_in, name, _ordered(value))
            changed.append(name)
    if not changed:
        return check_in
    check_in.full_clean(**TRUSTED_ROWS)
    check_in.save(update_fields=[*changed, "updated_at"])
    audit.record(
        by=check_in.patient.user,
        action=AuditAction.CHANGED,
        subject="check-in",
        patient=check_in.patient,
        obj=check_in,
        detail="more answers",
    )
    # Only what is new or worse than before is news for the clinic.
    if record_findings(
        patient=check_in.patient,
        findings=[f for f in check_in_findings(check_in) if f.rank > before.get(f.rule, 0)],
        source=_source("check_in", check_in),
    ):
        summary_refresh(check_in.patient)
    return check_in


# How a later answer joins an earlier one: for a worrying yes/no, yes wins; for what was
# ticked, both count; otherwise the patient's latest answer stands (they may be correcting
# a mistake they saw when the form came back); a blank never erases an answer.
ANSWER_MERGES = {
    "pain_now": "latest",
    "pain_side": "latest",
    "hard_to_function": "yes_wins",
    "says_flare": "yes_wins",
    "pain_character": "union",
    "pain_areas": "union",
    "note": "latest",
    "symptoms_started": "latest",
}


def _merge_answers(check_in: SymptomCheckIn, answers: dict) -> list[str]:
    changed = []
    for name, new in answers.items():
        old = getattr(check_in, name)
        merge = ANSWER_MERGES[name]
        if merge == "union":
            value = sorted(set(old) | set(new or []))
        elif merge == "yes_wins":
            value = old if old or new is None else new
        elif merge == "fill":
            value = old if old not in (None, "") else new
        else:
            value = new if new not in (None, "") else old
        if value != old:
            setattr(check_in, name, value)
            changed.append(name)
    return changed


def _ordered(symptoms) -> list[str]:
    """Serious-symptom codes in the order the questions are asked."""
    chosen = set(symptoms)
    return [symptom.value for symptom in SeriousSymptom if symptom in chosen]


def _ranks(findings) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for finding in findings:
        ranks[finding.rule] = max(ranks.get(finding.rule, 0), finding.rank)
    return ranks


@transaction.atomic
def check_in_advice_shown(*, check_in: SymptomCheckIn, now: datetime.datetime) -> None:
    """Record when the patient was first shown the advice, for the clinician."""
    SymptomCheckIn.objects.filter(pk=check_in.pk, advice_shown_at__isnull=True).update(
        advice_shown_at=now
    )


@transaction.atomic
def morning_check_create(*, log: WalkLog, feeling: str, pain_now: int) -> tuple[MorningCheck, bool]:
    """One answer per walk; a repeat returns the first answer."""
    check = MorningCheck(walk_log=log, feeling=feeling, pain_now=pain_now)
    check.full_clean(validate_unique=False)
    check, created = _save_once(check, lambda: MorningCheck.objects.get(walk_log=log))
    if not created:
        return check, False
    audit.record(
        by=log.patient.user,
        action=AuditAction.CREATED,
        subject="morning check",
        patient=log.patient,
        obj=check,
    )
    log.morning_check = check
    record_findings(
        patient=log.patient, findings=morning_findings(log), source=_source("walk", log)
    )
    summary_refresh(log.patient)
    return check, True


def _source(kind: str, report) -> dict:
    """Where a flag's evidence came from, so a clinician can open the report."""
    return {"source": kind, "source_id": str(report.pk)}
