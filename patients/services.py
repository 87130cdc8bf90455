import datetime
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients import audit
from patients.flags import evidence_changed, record_findings
from patients.models import (
    INVITATION_LIFETIME,
    AuditAction,
    Clinic,
    EvidenceChange,
    Invitation,
    InvitationState,
    MorningCheck,
    Patient,
    RevisionAction,
    SymptomCheckIn,
    WalkLog,
    WalkLogRevision,
)
from patients.rules import SeriousSymptom
from patients.safety import check_in_findings, morning_findings, walk_findings

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

    Returns the log and whether this call created it. If this form's symptoms were already
    acted on while it had a mistake in it, the clinic is not told about them twice.
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
    told = _told_by_form(patient, submission_key)
    findings = walk_findings(log)
    record_findings(
        patient=patient,
        findings=findings,
        source=_source("walk", log),
        quiet_rules={f.rule for f in findings if f.rank <= told.get(f.rule, 0)},
    )
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
    log = WalkLog.objects.select_for_update().get(pk=log.pk)
    _require_changeable(log, now)
    log.deleted_at = now
    log.save(update_fields=["deleted_at", "updated_at"])
    _walk_changed(log, RevisionAction.DELETED, by=by)
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
    try:
        with transaction.atomic():
            check_in.save()
    except IntegrityError:
        existing = SymptomCheckIn.objects.get(patient=patient, submission_key=submission_key)
        return _check_in_complete(existing, serious_yes, serious_no, answers), False
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


def symptom_check_in_complete(
    *, check_in: SymptomCheckIn, serious_yes=(), serious_no=(), **answers
) -> SymptomCheckIn:
    """Fill in what a check-in left unanswered (the questions asked again after advice)."""
    with transaction.atomic():
        return _check_in_complete(check_in, serious_yes, serious_no, answers)


def _check_in_complete(check_in, serious_yes, serious_no, answers: dict) -> SymptomCheckIn:
    check_in = (
        SymptomCheckIn.objects.select_for_update()
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
    record_findings(
        patient=check_in.patient,
        findings=[f for f in check_in_findings(check_in) if f.rank > before.get(f.rule, 0)],
        source=_source("check_in", check_in),
    )
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
    log.morning_check = check
    record_findings(
        patient=log.patient, findings=morning_findings(log), source=_source("walk", log)
    )
    return check, True


def _source(kind: str, report) -> dict:
    """Where a flag's evidence came from, so a clinician can open the report."""
    return {"source": kind, "source_id": str(report.pk)}


EMAIL_CHANGE_SALT = "stepwise.patient-email-change"
EMAIL_CHANGE_LIFETIME = INVITATION_LIFETIME


@transaction.atomic
def patient_email_change(*, patient: Patient, email: str, by) -> bool:
    """Change the address a patient signs in with. Returns whether it changed now.

    Before the patient has a password the change is made at once (and any invitation
    waiting at the old address is replaced). After, it waits to be confirmed from the new
    address: the caller sends the link (`email_change_send`).
    """
    email = User.objects.normalize_email(email).lower()
    user = patient.user
    if email == user.email.lower():
        return False
    if not user.has_usable_password():
        Invitation.objects.filter(
            patient=patient, used_at__isnull=True, replaced_at__isnull=True
        ).update(replaced_at=timezone.now())
        _set_email(patient, email)
        audit.record(by=by, action=AuditAction.CHANGED, subject="patient email", patient=patient)
        return True
    patient.pending_email = email
    patient.save(update_fields=["pending_email", "updated_at"])
    audit.record(
        by=by,
        action=AuditAction.CHANGED,
        subject="patient email",
        patient=patient,
        detail="change asked for; waits for the new address to confirm",
    )
    return False


@transaction.atomic
def email_change_by_operator(*, patient: Patient, email: str, by, reason: str) -> None:
    """Move an account to a new address without the patient's confirmation.

    Only for a patient who can read neither their old address nor remember their password,
    whom the clinic has identified in person. It is a server command, not an admin button,
    so clinic staff alone cannot move an account to an address they control.
    """
    email = User.objects.normalize_email(email).lower()
    _move_account(
        patient,
        email,
        by=by,
        detail=f"changed by the server operator without confirmation: {reason}",
    )


def _move_account(patient: Patient, email: str, *, by, detail: str) -> None:
    """Sign-in moves to `email`; any change waiting to be confirmed is dropped."""
    if User.objects.filter(username__iexact=email).exclude(pk=patient.user_id).exists():
        raise ValidationError(_("An account with this email address already exists."))
    _set_email(patient, email)
    patient.pending_email = ""
    patient.save(update_fields=["pending_email", "updated_at"])
    audit.record(
        by=by, action=AuditAction.CHANGED, subject="patient email", patient=patient, detail=detail
    )


def _set_email(patient: Patient, email: str) -> None:
    user = patient.user
    user.email = user.username = email
    user.save(update_fields=["email", "username"])


def email_change_token(patient: Patient) -> str:
    return signing.TimestampSigner(salt=EMAIL_CHANGE_SALT).sign_object(
        {"patient": str(patient.pk), "email": patient.pending_email}
    )


def email_change_send(*, patient: Patient, link: str) -> None:
    """The link to the new address, and a notice to the old one, after the commit."""
    context = {"patient": patient, "link": link, "new_email": patient.pending_email}
    confirm = render_to_string("emails/email_change_confirm.txt", context)
    notice = render_to_string("emails/email_change_notice.txt", context)
    subject = _("Your Stepwise account with %(clinic)s") % {"clinic": patient.clinic}
    new, old = patient.pending_email, patient.user.email

    def send() -> None:
        send_mail(subject, confirm, None, [new])
        send_mail(subject, notice, None, [old])

    transaction.on_commit(send)


def email_change_claim(token: str) -> Patient:
    """The patient a change-of-address link is for, while it still applies."""
    try:
        claim = signing.TimestampSigner(salt=EMAIL_CHANGE_SALT).unsign_object(
            token, max_age=EMAIL_CHANGE_LIFETIME
        )
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise ValidationError(_("This link does not work or has run out.")) from error
    patient = Patient.objects.select_related("user").filter(pk=claim.get("patient")).first()
    # A later change, or a cancelled one, makes earlier links useless.
    if patient is None or not patient.pending_email or patient.pending_email != claim.get("email"):
        raise ValidationError(_("This link does not work or has run out."))
    return patient


@transaction.atomic
def email_change_confirm(*, token: str) -> Patient:
    """Apply a change of address confirmed from the new address with the patient's password.

    The caller checks the password: the link alone proves only that someone reads the new
    address, and staff who typed that address could be the ones reading it.
    """
    claimed = email_change_claim(token)
    patient = (
        Patient.objects.select_for_update().select_related("user").filter(pk=claimed.pk).first()
    )
    if patient is None or patient.pending_email != claimed.pending_email:
        raise ValidationError(_("This link does not work or has run out."))
    _move_account(
        patient,
        patient.pending_email,
        by=patient.user,
        detail="confirmed from the new address with the patient's password",
    )
    return patient


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
    """Set the patient's first password and use up the invitation. Returns the user.

    An invitation only ever sets a first password: an account that has one changes it
    through password reset, which goes to the patient's own address.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state(now) != InvitationState.VALID:
        raise ValidationError(_("This invitation link can no longer be used."))
    user = invitation.patient.user
    if user.has_usable_password():
        raise ValidationError(_("This account already has a password."))
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    return user
