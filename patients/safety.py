"""Runs the red-flag rules on what a patient saved.

The one bridge between stored reports and the plain-data rules in patients/rules.py. The
flag engine (raising, merging and escalating flags) builds on these functions.
"""

from patients.models import SymptomCheckIn, WalkLog
from patients.rules import Baseline, Finding, Report, evaluate


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


def walk_findings(log: WalkLog) -> list[Finding]:
    return evaluate(walk_report(log), Baseline.of(log.patient))


def check_in_findings(check_in: SymptomCheckIn) -> list[Finding]:
    return evaluate(check_in_report(check_in), Baseline.of(check_in.patient))
