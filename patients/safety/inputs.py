"""Runs the red-flag rules on what a patient reported.

The one bridge between stored reports and the plain-data rules in patients/safety/rules.py: it
turns a report into a Report, the enrolment into a Baseline, and a bounded look-back (three
indexed queries, whatever the length of the patient's history) into Recent. Every report
is dated by the clinic-local day it describes: a walk by its date, a check-in by the day it
was made.
"""

import datetime

from patients.languages import in_records_language
from patients.models import MorningCheck, MorningFeeling, SymptomCheckIn, WalkLog
from patients.safety.rules import Baseline, Finding, Report, Thresholds, evaluate
from patients.safety.trends import (
    FLARE_DAYS,
    MEDIAN_DAYS,
    Entry,
    Recent,
    flare,
    unsettled_morning,
    walk_provoked_next_morning,
)


def walk_report(log: WalkLog) -> Report:
    return Report(
        pain=log.pain_after,
        day=log.walked_on,
        characters=frozenset(log.pain_character),
        areas=frozenset(log.pain_areas),
        side=log.pain_side,
        after_walk=True,
    )


def check_in_report(check_in: SymptomCheckIn) -> Report:
    return Report(
        pain=check_in.pain_now,
        day=check_in.reported_on,
        characters=frozenset(check_in.pain_character),
        areas=frozenset(check_in.pain_areas),
        side=check_in.pain_side,
        # Symptoms from an unfinished walk log were felt on that walk.
        after_walk=check_in.from_walk_form,
        hard_to_function=bool(check_in.hard_to_function),
        serious=frozenset(check_in.serious_symptoms),
        says_flare=bool(check_in.says_flare),
    )


def recent_history(patient, day: datetime.date, *, exclude_pk=None) -> Recent:
    """The patient's other reports around `day`: 14 days before it for the median, and a
    week either side, because a back-dated entry can be the earlier of two bad days."""
    return Lookback(patient, day, day).recent(day, exclude_pk=exclude_pk)


class Lookback:
    """The reports the rules look back on, for every report made between two days, read
    once (three indexed queries): a page showing the findings of several reports (a
    flag's evidence) reads the history once, and the rules see exactly what they saw."""

    def __init__(self, patient, first_day: datetime.date, last_day: datetime.date):
        first = first_day - datetime.timedelta(days=MEDIAN_DAYS)
        last = last_day + datetime.timedelta(days=FLARE_DAYS)
        walks = (
            WalkLog.objects.live()
            .filter(patient=patient, walked_on__range=(first, last))
            .values_list("walked_on", "pain_after", "pk")
        )
        # Symptoms from an unfinished walk log come back as the walk itself once it is saved.
        check_ins = SymptomCheckIn.objects.filter(
            patient=patient,
            reported_on__range=(first, last),
            pain_now__isnull=False,
            from_walk_form=False,
        ).values_list("reported_on", "pain_now", "pk")
        self.pains = sorted(Entry(day, pain, str(pk)) for day, pain, pk in [*walks, *check_ins])
        week = datetime.timedelta(days=FLARE_DAYS)
        self.unsettled = _unsettled_between(patient, first_day - week, last_day + week)

    def recent(self, day: datetime.date, *, exclude_pk=None) -> Recent:
        first = day - datetime.timedelta(days=MEDIAN_DAYS)
        last = day + datetime.timedelta(days=FLARE_DAYS)
        excluded = str(exclude_pk) if exclude_pk is not None else None
        week = datetime.timedelta(days=FLARE_DAYS)
        return Recent(
            pains=tuple(
                entry
                for entry in self.pains
                if first <= entry.day <= last and entry.ref != excluded
            ),
            unsettled_days=tuple(
                walked_on for walked_on in self.unsettled if abs(walked_on - day) <= week
            ),
        )


def unsettled_days(patient, day: datetime.date) -> tuple[datetime.date, ...]:
    """Days within a week of `day` whose walk was not back to usual by the next morning."""
    week = datetime.timedelta(days=FLARE_DAYS)
    return _unsettled_between(patient, day - week, day + week)


def _unsettled_between(patient, first: datetime.date, last: datetime.date):
    return tuple(
        MorningCheck.objects.filter(
            walk_log__patient=patient,
            walk_log__deleted_at__isnull=True,
            walk_log__walked_on__range=(first, last),
        )
        .exclude(feeling=MorningFeeling.USUAL)
        .values_list("walk_log__walked_on", flat=True)
    )


def _by_rank(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda finding: -finding.rank)


@in_records_language
def findings_for(
    report: Report, patient, *, exclude_pk=None, lookback: Lookback | None = None
) -> list[Finding]:
    """Every rule's finding for a saved report, history included, most severe first.
    `lookback`: the history already read for this report's day."""
    baseline = Baseline.of(patient)
    findings = evaluate(report, baseline)
    if lookback is None:
        recent = recent_history(patient, report.day, exclude_pk=exclude_pk)
    else:
        recent = lookback.recent(report.day, exclude_pk=exclude_pk)
    sustained = flare(report, baseline, recent)
    return _by_rank([*findings, sustained] if sustained else findings)


def walk_findings(log: WalkLog, lookback: Lookback | None = None) -> list[Finding]:
    return findings_for(walk_report(log), log.patient, exclude_pk=log.pk, lookback=lookback)


def check_in_findings(check_in: SymptomCheckIn, lookback: Lookback | None = None) -> list[Finding]:
    return findings_for(
        check_in_report(check_in), check_in.patient, exclude_pk=check_in.pk, lookback=lookback
    )


@in_records_language
def unsettled_findings(log: WalkLog) -> list[Finding]:
    """After a next-morning check: has the patient now not settled twice in a week?"""
    report = Report(pain=None, day=log.walked_on)
    recent = Recent(unsettled_days=unsettled_days(log.patient, log.walked_on))
    sustained = flare(report, Baseline.of(log.patient), recent)
    return [sustained] if sustained else []


@in_records_language
def morning_findings(log: WalkLog) -> list[Finding]:
    """After a walk's next-morning answer: not settled (advice), still up on the pre-walk
    score, or a second unsettled morning in a week (flags)."""
    check = log.morning_check
    limits = Thresholds.of(log.patient.clinic)
    findings = [
        unsettled_morning(check.settled),
        walk_provoked_next_morning(log.pain_before, check.pain_now, limits),
    ]
    if not check.settled:
        findings += unsettled_findings(log)
    return _by_rank([finding for finding in findings if finding])


@in_records_language
def answer_findings(report: Report, patient) -> list[Finding]:
    """The rules on answers not yet saved (a form with a mistake in it): no history needed
    to see that an answer is worrying (a flare the patient names included)."""
    baseline = Baseline.of(patient)
    said_flare = flare(report, baseline, Recent()) if report.day else None
    findings = evaluate(report, baseline)
    return _by_rank([*findings, said_flare] if said_flare else findings)
