"""Red flags as FHIR: a Flag for the record's banner, and a DetectedIssue for what was
found, on what evidence, and what the clinic did about it (its mitigation).

Both are one per `Flag` row with the row's UUID (two types, so one id serves both). The
Flag points at its DetectedIssue by the flag-detail extension. Evidence names the reports
a rule fired on: a walk as its pain Observation (`Observation/<walk id>-pain`), a check-in
as its QuestionnaireResponse; a report the patient has since deleted is named in words
only, since the API serves it no more. Which reports still exist is read once a page, for
every patient on it, so a page of any size is a fixed number of queries.
"""

import datetime

from django.db import models
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import translation

from patients.choices import Rule, Severity
from patients.fhir import codes
from patients.fhir.dates import instant
from patients.fhir.people import reference
from patients.models import (
    EvidenceChange,
    Flag,
    FlagAction,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    SymptomCheckIn,
    WalkLog,
)

AUTHOR = "Stepwise red-flag rules"
ISSUE_SEVERITY = {
    Severity.URGENT: "high",
    Severity.SAME_DAY: "high",
    Severity.REVIEW: "moderate",
    Severity.INFO: "low",
}
EVIDENCE_KINDS = (FlagEventKind.RAISED, FlagEventKind.EVIDENCE, FlagEventKind.ESCALATED)
PAIN_SUFFIX = "-pain"  # the walk's pain Observation


def _or_opened(field: str):
    return Coalesce(field, "opened_at")


# Every change to a flag is one of these times, or a FlagEvent (evidence withdrawn or
# corrected has no time on the flag itself). Coalesced: SQLite's MAX() of a NULL is NULL.
LAST_UPDATED = Greatest(
    "opened_at",
    "last_evidence_at",
    _or_opened("acknowledged_at"),
    _or_opened("resolved_at"),
    _or_opened("escalated_at"),
    Coalesce(
        Subquery(FlagEvent.objects.filter(flag=OuterRef("pk")).order_by("-at").values("at")[:1]),
        "opened_at",
    ),
)


def flags() -> models.QuerySet:
    return Flag.objects.select_related(
        "patient", "acknowledged_by", "resolved_by"
    ).prefetch_related(
        "events",
        Prefetch(
            "patient__walk_logs",
            queryset=WalkLog.objects.live().only("id", "patient_id"),
            to_attr="fhir_walks",
        ),
        Prefetch(
            "patient__check_ins",
            queryset=SymptomCheckIn.objects.only("id", "patient_id"),
            to_attr="fhir_check_ins",
        ),
    )


def _rule(row: Flag) -> dict:
    rule = Rule(row.rule)
    severity = Severity(row.severity)
    return {
        "coding": [
            codes.coding(codes.RED_FLAG_RULE, rule.value, rule.label),
            codes.coding(codes.SEVERITY, severity.value, severity.label),
        ],
        "text": row.summary,
    }


def flag(row: Flag) -> dict:
    with translation.override("en"):
        period = {"start": instant(row.opened_at)}
        if row.resolved_at:
            period["end"] = instant(row.resolved_at)
        return {
            "extension": [
                {
                    "url": codes.FLAG_DETAIL,
                    "valueReference": {"reference": f"DetectedIssue/{row.pk}"},
                }
            ],
            "status": "inactive" if row.status == FlagStatus.RESOLVED else "active",
            "category": [{"coding": [codes.CLINICAL_FLAG], "text": "Clinical"}],
            "code": _rule(row),
            "subject": reference(row.patient_id),
            "period": period,
            "author": {"display": AUTHOR},
        }


def _person(user) -> dict:
    if user is None:
        return {"display": "A former member of staff"}
    return {"display": user.get_full_name() or user.get_username()}


def _report(row: Flag, kind: str | None, report_id: str) -> dict:
    """A reference to the report behind some evidence, or its name where it is gone."""
    walks = {str(walk.pk) for walk in row.patient.fhir_walks}
    check_ins = {str(check_in.pk) for check_in in row.patient.fhir_check_ins}
    if report_id in walks and kind in (None, "walk"):
        return {"reference": f"Observation/{report_id}{PAIN_SUFFIX}", "display": "Walk"}
    if report_id in check_ins and kind in (None, "check_in"):
        return {"reference": f"QuestionnaireResponse/{report_id}", "display": "Symptom check-in"}
    return {"display": "A report the patient has since deleted"}


def _evidence(row: Flag) -> list[dict]:
    found = []
    for event in row.events.all():
        if event.kind not in EVIDENCE_KINDS:
            continue
        evidence = event.evidence or {}
        details = []
        if source_id := evidence.get("source_id"):
            details.append(_report(row, evidence.get("source"), source_id))
        if other_id := evidence.get("other_source_id"):
            details.append(_report(row, None, other_id))
        element = {"detail": details} if details else {}
        if event.summary:
            when = event.at.astimezone(datetime.UTC).strftime("%d %b %Y %H:%M UTC")
            element["code"] = [{"text": f"{when}: {event.summary}"}]
        if element:
            found.append(element)
    return found


def _mitigation(row: Flag) -> list[dict]:
    done = []
    if row.acknowledged_at:
        done.append(
            {
                "action": codes.concept(codes.FLAG_MITIGATION, "acknowledged", "Acknowledged"),
                "date": instant(row.acknowledged_at),
                "author": _person(row.acknowledged_by),
            }
        )
    if row.resolved_at:
        action = FlagAction(row.resolution_action) if row.resolution_action else None
        concept = (
            codes.concept(codes.FLAG_MITIGATION, action.value, action.label)
            if action
            else {"text": "Resolved"}
        )
        words = [concept["text"]]
        if row.resolved_against_warning:
            words.append("confirmed against the warning")
        if row.resolution_note:
            words.append(row.resolution_note)
        concept["text"] = "; ".join(words)
        done.append(
            {
                "action": concept,
                "date": instant(row.resolved_at),
                "author": _person(row.resolved_by),
            }
        )
    return done


def detected_issue(row: Flag) -> dict:
    with translation.override("en"):
        detail = row.summary
        if row.evidence_change:
            detail = f"{detail} ({EvidenceChange(row.evidence_change).label}.)"
        issue = {
            # Preliminary while unresolved: evidence may still join it and raise its severity.
            "status": "final" if row.status == FlagStatus.RESOLVED else "preliminary",
            "code": _rule(row),
            "severity": ISSUE_SEVERITY[row.severity],
            "patient": reference(row.patient_id),
            "identifiedDateTime": instant(row.opened_at),
            "author": {"display": AUTHOR},
            "detail": detail,
        }
        if evidence := _evidence(row):
            issue["evidence"] = evidence
        if mitigation := _mitigation(row):
            issue["mitigation"] = mitigation
        return issue
