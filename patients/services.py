import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from patients import audit
from patients.flags import record_findings
from patients.models import (
    INVITATION_LIFETIME,
    AuditAction,
    Clinic,
    Invitation,
    InvitationState,
    MorningCheck,
    Patient,
    RevisionAction,
    SymptomCheckIn,
    WalkLog,
    WalkLogRevision,
)
from patients.rules import Thresholds, walk_provoked_next_morning
from patients.safety import check_in_findings, walk_findings

User = get_user_model()

# Field validators (ranges, choices) still run on every report; the foreign keys come from
# the signed-in patient, and uniqueness and check constraints are enforced by the database
# itself, so checking them here would only add a query each to the patient's save.
TRUSTED_ROWS = {
    "exclude": ["patient", "assignment"],
    "validate_unique": False,
    "validate_constraints": False,
}


@transaction.atomic
def patient_enrol(
    *,
    clinic: Clinic,
    clinician,
    first_name: str,
    last_name: str,
    email: str,
    **baseline,
) -> Patient:
    """Create a patient's account and enrolment with their baseline.

    The account has no usable password until the patient accepts their invitation, and it
    is never a staff account: patients have no way into the admin.
    """
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(username__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    user = User(username=email, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.is_staff = False
    user.save()
    patient = Patient(user=user, clinic=clinic, clinician=clinician, **baseline)
    patient.full_clean(exclude=["user"])
    patient.save()
    audit.record(by=clinician, action=AuditAction.CREATED, subject="patient", patient=patient)
    return patient


def _current_plan(patient: Patient):
    from programs.models import PlanAssignment

    return PlanAssignment.objects.current().filter(patient=patient).first()


@transaction.atomic
def walk_log_create(*, patient: Patient, submission_key, by, **values) -> tuple[WalkLog, bool]:
    """Save a walk once per form: a repeat of the same submission returns the first save.

    Returns the log and whether this call created it.
    """
    if submission_key is not None:
        existing = WalkLog.objects.filter(patient=patient, submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    plan = _current_plan(patient)
    log = WalkLog(
        patient=patient,
        submission_key=submission_key,
        assignment=plan,
        stage_position=plan.current_position if plan else None,
        **values,
    )
    log.full_clean(**TRUSTED_ROWS)
    try:
        # A savepoint, so a concurrent duplicate (two workers, one retry) does not spoil
        # the surrounding transaction: the loser reads the winner's row instead.
        with transaction.atomic():
            log.save()
    except IntegrityError:
        return WalkLog.objects.get(patient=patient, submission_key=submission_key), False
    WalkLogRevision.objects.create(
        walk_log=log, action=RevisionAction.CREATED, values=log.snapshot(), changed_by=by
    )
    audit.record(by=by, action=AuditAction.CREATED, subject="walk", patient=patient, obj=log)
    record_findings(patient=patient, findings=walk_findings(log), source=_source("walk", log))
    return log, True


def _require_changeable(log: WalkLog, now: datetime.datetime) -> None:
    if not log.can_be_changed(now):
        raise ValidationError(
            _("A walk can be corrected or deleted for 24 hours after it was logged.")
        )


@transaction.atomic
def walk_log_correct(*, log: WalkLog, by, now: datetime.datetime, **values) -> WalkLog:
    log = WalkLog.objects.select_for_update().get(pk=log.pk)
    _require_changeable(log, now)
    for name, value in values.items():
        setattr(log, name, value)
    log.full_clean(**TRUSTED_ROWS)
    log.save(update_fields=[*values, "updated_at"])
    WalkLogRevision.objects.create(
        walk_log=log, action=RevisionAction.CORRECTED, values=log.snapshot(), changed_by=by
    )
    audit.record(by=by, action=AuditAction.CHANGED, subject="walk", patient=log.patient, obj=log)
    # A correction is new evidence too: it may reveal what the first entry hid.
    record_findings(patient=log.patient, findings=walk_findings(log), source=_source("walk", log))
    return log


@transaction.atomic
def walk_log_delete(*, log: WalkLog, by, now: datetime.datetime) -> WalkLog:
    """Hide the walk from the patient's record; the row and its history are kept."""
    log = WalkLog.objects.select_for_update().get(pk=log.pk)
    _require_changeable(log, now)
    log.deleted_at = now
    log.save(update_fields=["deleted_at", "updated_at"])
    WalkLogRevision.objects.create(
        walk_log=log, action=RevisionAction.DELETED, values=log.snapshot(), changed_by=by
    )
    audit.record(by=by, action=AuditAction.DELETED, subject="walk", patient=log.patient, obj=log)
    return log


@transaction.atomic
def symptom_check_in_create(
    *, patient: Patient, submission_key, **values
) -> tuple[SymptomCheckIn, bool]:
    if submission_key is not None:
        existing = SymptomCheckIn.objects.filter(
            patient=patient, submission_key=submission_key
        ).first()
        if existing is not None:
            return existing, False
    check_in = SymptomCheckIn(patient=patient, submission_key=submission_key, **values)
    check_in.full_clean(**TRUSTED_ROWS)
    try:
        with transaction.atomic():
            check_in.save()
    except IntegrityError:
        return SymptomCheckIn.objects.get(patient=patient, submission_key=submission_key), False
    audit.record(
        by=patient.user,
        action=AuditAction.CREATED,
        subject="check-in",
        patient=patient,
        obj=check_in,
    )
    record_findings(
        patient=patient,
        findings=check_in_findings(check_in),
        source=_source("check_in", check_in),
    )
    return check_in, True


@transaction.atomic
def morning_check_create(*, log: WalkLog, feeling: str, pain_now: int) -> tuple[MorningCheck, bool]:
    """One answer per walk; a repeat returns the first answer."""
    check = MorningCheck(walk_log=log, feeling=feeling, pain_now=pain_now)
    check.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            check.save()
    except IntegrityError:
        return MorningCheck.objects.get(walk_log=log), False
    audit.record(
        by=log.patient.user,
        action=AuditAction.CREATED,
        subject="morning check",
        patient=log.patient,
        obj=check,
    )
    finding = walk_provoked_next_morning(
        log.pain_before, pain_now, Thresholds.of(log.patient.clinic)
    )
    if finding is not None:
        record_findings(patient=log.patient, findings=[finding], source=_source("walk", log))
    return check, True


def _source(kind: str, report) -> dict:
    """Where a flag's evidence came from, so a clinician can open the report."""
    return {"source": kind, "source_id": str(report.pk)}


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, patient: Patient, by, now: datetime.datetime) -> tuple[Invitation, str]:
    """A new invitation replaces any earlier one still waiting. Returns it and its token."""
    Invitation.objects.filter(
        patient=patient, used_at__isnull=True, replaced_at__isnull=True
    ).update(replaced_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        patient=patient,
        token_hash=invitation_token_hash(token),
        created_by=by,
        expires_at=now + INVITATION_LIFETIME,
    )
    return invitation, token


def invitation_send(*, invitation: Invitation, link: str) -> None:
    """Email the link once the transaction that made the invitation has committed."""
    patient = invitation.patient
    context = {"patient": patient, "link": link, "expires_at": invitation.expires_at}
    message = render_to_string("emails/invitation.txt", context)
    transaction.on_commit(
        lambda: send_mail(
            _("Your walking plan with %(clinic)s: set your password") % {"clinic": patient.clinic},
            message,
            None,
            [patient.user.email],
        )
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str, now: datetime.datetime):
    """Set the patient's password and use up the invitation. Returns the updated user."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state(now) != InvitationState.VALID:
        raise ValidationError(_("This invitation link can no longer be used."))
    user = invitation.patient.user
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    return user
