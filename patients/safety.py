"""Runs the red-flag rules on what a patient saved.

The one bridge between stored reports and the plain-data rules in patients/rules.py: it
turns a report into a Report, the enrolment into a Baseline, and a bounded look-back (three
indexed queries, whatever the length of the patient's history) into Recent.
"""

import datetime
import statistics

from django.utils import timezone

from patients.models import MorningCheck, MorningFeeling, SymptomCheckIn, WalkLog
from patients.rules import (
    FLARE_WINDOW,
    MEDIAN_WINDOW,
    Baseline,
    Finding,
    Recent,
    Report,
    evaluate,
    flare,
)


def walk_report(log: WalkLog) -> Report:
    return Report(
        pain=log.pain_after,
        characters=frozenset(log.pain_character),
        areas=frozenset(log.pain_areas),
        side=log.pain_side,
        after_walk=True,
    )


def check_in_report(check_in: SymptomCheckIn) -> Report:
    return Report(
        pain=check_in.pain_now,
        characters=frozenset(check_in.pain_character),
        areas=frozenset(check_in.pain_areas),
        side=check_in.pain_side,
        hard_to_function=check_in.hard_to_function,
        serious=frozenset(check_in.serious_symptoms),
    )


def recent_history(patient, now: datetime.datetime, *, exclude_pk=None) -> Recent:
    since = now - MEDIAN_WINDOW
    walks = (
        WalkLog.objects.live()
        .filter(patient=patient, created_at__gte=since)
        .exclude(pk=exclude_pk)
        .values_list("created_at", "pain_after")
    )
    check_ins = (
        SymptomCheckIn.objects.filter(patient=patient, created_at__gte=since)
        .exclude(pk=exclude_pk)
        .values_list("created_at", "pain_now")
    )
    pains = sorted([*walks, *check_ins])
    unsettled = (
        MorningCheck.objects.filter(walk_log__patient=patient, created_at__gte=now - FLARE_WINDOW)
        .exclude(feeling=MorningFeeling.USUAL)
        .count()
    )
    return Recent(
        pains=tuple(pains),
        unsettled_mornings=unsettled,
        median_14_days=statistics.median(pain for _when, pain in pains) if pains else None,
    )


def _findings(report: Report, patient, pk) -> list[Finding]:
    baseline = Baseline.of(patient)
    findings = evaluate(report, baseline)
    now = timezone.now()
    sustained = flare(report, baseline, recent_history(patient, now, exclude_pk=pk), now)
    if sustained is not None:
        findings.append(sustained)
        findings.sort(key=lambda finding: -finding.rank)
    return findings


def walk_findings(log: WalkLog) -> list[Finding]:
    return _findings(walk_report(log), log.patient, log.pk)


def check_in_findings(check_in: SymptomCheckIn) -> list[Finding]:
    return _findings(check_in_report(check_in), check_in.patient, check_in.pk)
