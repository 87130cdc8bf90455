"""The flag engine: turns the rules' findings into flags a clinician works through.

Called inside the transaction that saves a report, so a report and its flags are stored
together or not at all. One query finds the patient's unresolved flags for the rules that
fired; the rest is a bounded number of writes (at most a few per rule), whatever the size
of the patient's history.
"""

import contextlib
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.choices import ALERT_SEVERITIES, SEVERITY_RANK, Severity
from patients.languages import in_records_language
from patients.models import (
    PLAN_CHANGING_ACTIONS,
    AuditAction,
    EvidenceChange,
    Flag,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    NotificationKind,
    Patient,
)
from patients.safety.notifications import notify
from patients.safety.rules import Finding, is_flagged
from patients.security import audit
from patients.summaries import summary_refresh
from programs import services as plan_services
from programs.actions import MovedOn, apply_plan_action
from programs.models import PlanAssignment, PlanStatus

# Urgent evidence on an open flag alerts the clinic again, but not more often than this.
REPEAT_ALERT_AFTER = datetime.timedelta(minutes=10)


@in_records_language
def record_findings(
    *, patient: Patient, findings: list[Finding], source: dict, quiet_rules=frozenset()
) -> list[Flag]:
    """Raise new flags or add evidence to unresolved ones. Returns the flags touched.

    The caller refreshes the patient's summary once its whole change is written.

    `quiet_rules` were already acted on for this same report (its first, partial save):
    their evidence is added without telling the clinic twice.
    """
    findings = [finding for finding in findings if is_flagged(finding)]
    if not findings:
        return []
    # One patient's reports are flagged one at a time: two saved at once would otherwise
    # both find no open flag, and the second insert would fail and lose its report.
    Patient.objects.lock(patient.pk)
    now = timezone.now()
    unresolved = {
        flag.rule: flag
        for flag in Flag.objects.select_for_update()
        .unresolved()
        .filter(patient=patient, rule__in=[finding.rule for finding in findings])
    }
    touched = []
    for finding in findings:
        evidence = {**finding.evidence, **source}
        flag = unresolved.get(finding.rule)
        if flag is None:
            flag = _raise(patient, finding, evidence, now)
        else:
            _add_evidence(flag, finding, evidence, now, quiet=finding.rule in quiet_rules)
        touched.append(flag)
    if any(finding.severity in ALERT_SEVERITIES for finding in findings):
        _pause_plan(patient)
    return touched


def _raise(patient: Patient, finding: Finding, evidence: dict, now) -> Flag:
    flag = Flag.objects.create(
        patient=patient,
        rule=finding.rule,
        severity=finding.severity,
        summary=finding.summary,
        high_priority=bool(finding.evidence.get("high_priority")),
        last_evidence_at=now,
    )
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEventKind.RAISED,
        severity=finding.severity,
        summary=finding.summary,
        evidence=evidence,
    )
    audit.record(
        by=None,
        action=AuditAction.CREATED,
        subject="flag",
        patient=patient,
        obj=flag,
        detail=f"{finding.rule} ({finding.severity})",
    )
    if finding.severity in ALERT_SEVERITIES:
        notify(flag)
    return flag


def _add_evidence(flag: Flag, finding: Finding, evidence: dict, now, *, quiet: bool) -> None:
    worse = SEVERITY_RANK[finding.severity] > SEVERITY_RANK[flag.severity] and not quiet
    # An acknowledged flag goes back to the top of the queue when the news is worse or
    # urgent: merging must never hide an escalation behind an earlier acknowledgement.
    news = not quiet and (worse or finding.severity == Severity.URGENT)
    reopened = news and flag.status == FlagStatus.ACKNOWLEDGED
    if worse:
        flag.severity = finding.severity
    if reopened:
        flag.status = FlagStatus.OPEN
    flag.summary = latest_summary(flag.summary, finding.summary)
    flag.evidence_change = ""  # new evidence stands, whatever became of earlier evidence
    flag.last_evidence_at = now
    flag.save(
        update_fields=["severity", "summary", "status", "evidence_change", "last_evidence_at"]
    )
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEventKind.ESCALATED if worse else FlagEventKind.EVIDENCE,
        severity=finding.severity,
        summary=finding.summary,
        evidence=evidence,
    )
    audit.record(
        by=None,
        action=AuditAction.CHANGED,
        subject="flag",
        patient=flag.patient,
        obj=flag,
        detail="escalated" if worse else "new evidence",
    )
    # New urgent evidence tells the clinic again, even about an acknowledged flag; the same
    # news sent again within minutes (a resend, a retry) makes one alert, not one each.
    repeat = not (worse or reopened) and _alerted_since(flag, now - REPEAT_ALERT_AFTER)
    if news and finding.severity in ALERT_SEVERITIES and not repeat:
        notify(flag)


# The latest evidence leads a flag's one-line summary, saying there is more behind it.
EARLIER_REPORTS = gettext_lazy("(and earlier reports)")


def latest_summary(current: str, latest: str) -> str:
    if current.startswith(latest):  # the same news again, alone or already leading
        return current
    return f"{latest} {EARLIER_REPORTS}"[:300]


def _alerted_since(flag: Flag, since) -> bool:
    return flag.notifications.filter(kind=NotificationKind.ALERT, created_at__gte=since).exists()


def _pause_plan(patient: Patient) -> None:
    plan = PlanAssignment.objects.current_for(patient)
    if plan is None or plan.status != PlanStatus.ACTIVE:
        return
    # Paused or ended meanwhile by the clinic: the report must still be saved.
    with contextlib.suppress(ValidationError):
        plan_services.plan_pause(
            assignment=plan,
            by=None,
            reason="Paused automatically: an urgent or same-day flag was raised.",
            today=patient.clinic.today(),
        )


def _locked(flag: Flag) -> Flag:
    """The flag, locked for this change, with its patient for the audit record."""
    return Flag.objects.select_for_update(of=("self",)).select_related("patient").get(pk=flag.pk)


class FlagMovedOn(MovedOn):
    """The flag is no longer as the person saw it: someone else acted, or news arrived."""


def _require_seen(flag: Flag, expected: str | None) -> None:
    """The flag is unresolved and, if `expected` is given, still as the page showed it."""
    if flag.status == FlagStatus.RESOLVED:
        who = flag.resolved_by.get_full_name() if flag.resolved_by else ""
        raise FlagMovedOn(
            _("This flag was already resolved%(by)s, so nothing was changed.")
            % {"by": _(" by %(who)s") % {"who": who} if who else ""}
        )
    if expected is not None and flag.seen != expected:
        raise FlagMovedOn(
            _(
                "This flag changed after the page was opened (it is now %(status)s, "
                "%(severity)s), so nothing was changed. Look at it again: there may be news."
            )
            % {
                "status": flag.get_status_display().lower(),
                "severity": flag.get_severity_display().lower(),
            }
        )


@transaction.atomic
def flag_acknowledge(*, flag: Flag, by, expected: str | None = None) -> Flag:
    """Acknowledge an open flag, as the page showed it (`expected`, Flag.seen). An
    acknowledged or resolved one, or one with news since, raises FlagMovedOn."""
    flag = _locked(flag)
    _require_seen(flag, expected)
    if flag.status != FlagStatus.OPEN:
        raise FlagMovedOn(_("This flag was already acknowledged, so nothing was changed."))
    flag.status = FlagStatus.ACKNOWLEDGED
    flag.acknowledged_at = timezone.now()
    flag.acknowledged_by = by
    flag.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    FlagEvent.objects.create(
        flag=flag, kind=FlagEventKind.ACKNOWLEDGED, severity=flag.severity, by=by
    )
    audit.record(
        by=by,
        action=AuditAction.CHANGED,
        subject="flag",
        patient=flag.patient,
        obj=flag,
        detail="acknowledged",
    )
    return flag


@in_records_language
def evidence_changed(*, patient: Patient, report_id, change: str, summary: str, by) -> list[Flag]:
    """Mark the flags a report fed when the patient deletes or corrects it.

    Flags are never deleted or lowered: the clinician sees that the evidence changed and
    decides. A deletion marks a flag "evidence withdrawn" only when none of its evidence
    still stands; either way its history says what happened. Runs in the caller's
    transaction.
    """
    report_id = str(report_id)
    fed = FlagEvent.objects.filter(flag__patient=patient).filter(
        Q(evidence__source_id=report_id) | Q(evidence__other_source_id=report_id)
    )
    flags = list(Flag.objects.select_for_update().filter(pk__in=fed.values("flag_id")))
    still_stands = _evidence_standing(flags, withdrawn=report_id)
    kind = (
        FlagEventKind.WITHDRAWN if change == EvidenceChange.WITHDRAWN else FlagEventKind.CORRECTED
    )
    for flag in flags:
        if change == EvidenceChange.CORRECTED or not still_stands[flag.pk]:
            flag.evidence_change = change
            flag.save(update_fields=["evidence_change"])
        FlagEvent.objects.create(
            flag=flag,
            kind=kind,
            severity=flag.severity,
            summary=summary,
            evidence={"source_id": report_id},
            by=by,
        )
    return flags


EVIDENCE_KINDS = [FlagEventKind.RAISED, FlagEventKind.EVIDENCE, FlagEventKind.ESCALATED]


def _evidence_standing(flags: list[Flag], *, withdrawn: str) -> dict:
    """For each flag, whether any of its evidence still stands once `withdrawn` is gone.

    A piece of evidence stands while every report behind it does (a flare needs both of
    its days).
    """
    events = list(
        FlagEvent.objects.filter(
            flag__in=flags, kind__in=[*EVIDENCE_KINDS, FlagEventKind.WITHDRAWN]
        ).values_list("flag_id", "kind", "evidence")
    )
    gone = {withdrawn} | {
        evidence.get("source_id") for _flag, kind, evidence in events if kind == "withdrawn"
    }
    standing = {flag.pk: False for flag in flags}
    for flag_id, kind, evidence in events:
        reports = {evidence.get("source_id"), evidence.get("other_source_id")} - {None, ""}
        if kind != FlagEventKind.WITHDRAWN and reports and not reports & gone:
            standing[flag_id] = True
    return standing


@transaction.atomic
def flag_resolve(
    *,
    flag: Flag,
    by,
    action: str,
    note: str,
    today=None,
    against_warning: bool = False,
    expected_flag: str | None = None,
    expected_plan=None,
) -> Flag:
    """Resolve a flag with what the clinician did, changing the plan where that is the action.

    The plan change and the resolution stand or fall together. `against_warning`: the
    clinician confirmed continuing or advancing after an urgent or same-day flag or on a
    red light. `expected_flag` and `expected_plan` are the flag and plan as the clinician
    saw them (Flag.seen, programs.actions.Expected): if news arrived, someone else acted or
    the plan changed meanwhile, MovedOn is raised and nothing changes.
    """
    Patient.objects.lock(flag.patient_id)  # the patient first, as every change takes it
    flag = _locked(flag)
    _require_seen(flag, expected_flag)
    if action in PLAN_CHANGING_ACTIONS:
        plan = PlanAssignment.objects.current_for(flag.patient)
        if plan is None and expected_plan is not None:
            raise FlagMovedOn(
                _("The plan ended after this page was opened, so nothing was changed.")
            )
        if plan is not None:
            apply_plan_action(
                action,
                assignment=plan,
                by=by,
                reason=note,
                today=today or flag.patient.clinic.today(),
                against_warning=against_warning,
                expected=expected_plan,
            )
    now = timezone.now()
    if flag.acknowledged_at is None:
        # Resolving implies having looked: the time to acknowledge is kept honest.
        flag.acknowledged_at, flag.acknowledged_by = now, by
    flag.status = FlagStatus.RESOLVED
    flag.resolved_at, flag.resolved_by = now, by
    flag.resolution_action, flag.resolution_note = action, note
    flag.resolved_against_warning = against_warning
    flag.save(
        update_fields=[
            "status",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "resolution_action",
            "resolution_note",
            "resolved_against_warning",
        ]
    )
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEventKind.RESOLVED,
        severity=flag.severity,
        summary=note[:300],
        evidence={"action": action, "against_warning": against_warning},
        by=by,
    )
    audit.record(
        by=by,
        action=AuditAction.CHANGED,
        subject="flag",
        patient=flag.patient,
        obj=flag,
        detail=f"resolved: {action}",
    )
    summary_refresh(flag.patient)
    return flag
