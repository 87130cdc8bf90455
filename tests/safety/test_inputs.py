"""The bridge from stored reports to the rules (patients/safety/inputs.py): the right
reports, of the right patient, on the right days, reach each rule.

The rules are tested on plain data in tests/safety/rules/; these tests check what is read
from the database for them. A mutation run found that no test noticed the look-back
reading another patient's walks, a deleted walk, or a week cut short at either end."""

import datetime

import pytest
from django.utils import timezone

from patients.choices import Rule, Severity
from patients.models import Flag, SymptomCheckIn, WalkLog
from patients.safety.inputs import (
    answer_findings,
    check_in_findings,
    morning_findings,
    recent_history,
    unsettled_days,
    walk_findings,
)
from patients.safety.rules import Baseline, Report, Thresholds
from patients.safety.trends import Entry
from patients.services.reports import walk_log_delete
from tests.factories import answer_morning, make_patient, report_check_in, report_walk

ONE_DAY = datetime.timedelta(days=1)


@pytest.fixture
def day(clinic) -> datetime.date:
    """The day the look-back is taken from, far enough back that a week after it is past."""
    return clinic.today() - datetime.timedelta(days=10)


def walk_on(patient, when: datetime.date, pain_after: int = 3) -> WalkLog:
    """A walk saved through the real service, then dated `when` (the form allows only the
    last few days)."""
    walk = report_walk(patient, pain_after=pain_after)
    WalkLog.objects.filter(pk=walk.pk).update(walked_on=when)
    walk.refresh_from_db()
    return walk


def check_in_on(patient, when: datetime.date, pain_now: int, **values) -> SymptomCheckIn:
    check_in = report_check_in(patient, pain_now=pain_now, **values)
    SymptomCheckIn.objects.filter(pk=check_in.pk).update(reported_on=when)
    check_in.refresh_from_db()
    return check_in


@pytest.fixture
def bob(clinic, clinician):
    return make_patient(clinic, clinician, "Bob")


def test_the_look_back_reads_this_patients_live_walks_a_fortnight_before_to_a_week_after(
    patient, bob, day
):
    inside = [
        walk_on(patient, day - datetime.timedelta(days=14), pain_after=4),  # first day
        walk_on(patient, day - ONE_DAY, pain_after=5),
        walk_on(patient, day + datetime.timedelta(days=6), pain_after=6),  # last day
    ]
    walk_on(patient, day - datetime.timedelta(days=15), pain_after=9)  # a day too early
    walk_on(patient, day + datetime.timedelta(days=7), pain_after=9)  # a day too late
    walk_on(bob, day - ONE_DAY, pain_after=9)  # someone else's
    deleted = walk_on(patient, day - ONE_DAY, pain_after=9)
    walk_log_delete(log=deleted, by=patient.user, now=timezone.now())

    recent = recent_history(patient, day)

    assert recent.pains == tuple(
        Entry(walk.walked_on, walk.pain_after, str(walk.pk)) for walk in inside
    )


def test_the_look_back_reads_this_patients_answered_check_ins_in_the_same_days(patient, bob, day):
    inside = [
        check_in_on(patient, day - datetime.timedelta(days=14), 4),
        check_in_on(patient, day + datetime.timedelta(days=6), 6),
    ]
    check_in_on(patient, day - datetime.timedelta(days=15), 9)  # a day too early
    check_in_on(patient, day + datetime.timedelta(days=7), 9)  # a day too late
    check_in_on(bob, day - ONE_DAY, 9)  # someone else's
    # Symptoms from an unfinished walk log come back as the walk itself once it is saved.
    check_in_on(patient, day - ONE_DAY, 9, from_walk_form=True)
    unanswered = check_in_on(patient, day - ONE_DAY, 9)
    SymptomCheckIn.objects.filter(pk=unanswered.pk).update(pain_now=None)

    recent = recent_history(patient, day)

    assert recent.pains == tuple(
        Entry(check_in.reported_on, check_in.pain_now, str(check_in.pk)) for check_in in inside
    )


def test_unsettled_mornings_are_this_patients_live_walks_within_a_week_either_side(
    patient, bob, day
):
    def walk_with_morning(someone, when, feeling="bit_worse"):
        walk = walk_on(someone, when)
        answer_morning(walk, feeling, pain_now=3)
        return walk

    walk_with_morning(patient, day - datetime.timedelta(days=6))  # first day
    walk_with_morning(patient, day + datetime.timedelta(days=6))  # last day
    walk_with_morning(patient, day - datetime.timedelta(days=7))  # a day too early
    walk_with_morning(patient, day + datetime.timedelta(days=7))  # a day too late
    walk_with_morning(patient, day, feeling="usual")  # settled
    walk_with_morning(bob, day)  # someone else's
    deleted = walk_with_morning(patient, day - ONE_DAY)
    walk_log_delete(log=deleted, by=patient.user, now=timezone.now())

    assert sorted(unsettled_days(patient, day)) == [
        day - datetime.timedelta(days=6),
        day + datetime.timedelta(days=6),
    ]
    assert recent_history(patient, day).unsettled_days == unsettled_days(patient, day)


def test_a_walk_is_judged_as_a_walk(patient):
    """Pain up after a walk is walk-provoked (advice now); the same score on a check-in
    is not."""
    walk = report_walk(patient, pain_after=6)

    assert [(f.rule, f.severity) for f in walk_findings(walk)] == [
        (Rule.WALK_PROVOKED, Severity.INFO)
    ]
    assert check_in_findings(report_check_in(patient, pain_now=6)) == []


def test_a_check_in_is_judged_on_the_kind_of_pain_it_describes(patient):
    check_in = report_check_in(
        patient, pain_character=["electric_shock"], pain_areas=["thigh"], pain_side="left"
    )

    assert [finding.rule for finding in check_in_findings(check_in)] == [Rule.NEW_NERVE]


def test_the_morning_after_uses_the_clinics_own_rise(clinic, patient):
    clinic.next_morning_rise = 3
    clinic.save()
    walk = report_walk(patient, pain_before=3)
    answer_morning(walk, "usual", pain_now=5)  # 2 up: enough by default, not for this clinic

    assert morning_findings(walk) == []


def test_a_second_unsettled_morning_in_a_week_raises_a_flare(patient):
    today = patient.clinic.today()
    first = report_walk(patient, walked_on=today - 3 * ONE_DAY)
    second = report_walk(patient, walked_on=today - ONE_DAY)

    answer_morning(first, "bit_worse", pain_now=3)
    assert not Flag.objects.filter(rule=Rule.FLARE).exists()
    answer_morning(second, "much_worse", pain_now=3)

    assert Flag.objects.get(rule=Rule.FLARE).severity == Severity.REVIEW


def test_a_settled_morning_adds_no_flare_however_the_week_went(patient):
    today = patient.clinic.today()
    walks = [report_walk(patient, walked_on=today - back * ONE_DAY) for back in (4, 3, 1)]
    answer_morning(walks[0], "bit_worse", pain_now=3)
    answer_morning(walks[1], "bit_worse", pain_now=3)  # the flare
    flare = Flag.objects.get(rule=Rule.FLARE)

    answer_morning(walks[2], "usual", pain_now=3)

    assert morning_findings(walks[2]) == []
    assert flare.events.count() == 1  # raised once, nothing added by the settled morning


def test_answers_with_no_day_yet_are_judged_without_a_history(patient):
    """A form with the date missing or mistyped: serious answers still count, nothing fails."""
    report = Report(pain=9, day=None, says_flare=True, serious=frozenset({"saddle"}))

    findings = answer_findings(report, patient)

    assert findings[0].severity == Severity.URGENT
    assert Rule.FLARE not in [finding.rule for finding in findings]


def test_the_baseline_is_what_the_clinic_recorded_at_enrolment(clinic, clinician):
    dee = make_patient(
        clinic,
        clinician,
        "Dee",
        usual_pain=4,
        leg_symptoms="both",
        leg_symptoms_below_knee=True,
        known_nerve_symptoms=["numbness"],
        known_walking_pattern=True,
        known_joint_pain=["hip"],
        osteoporosis=True,
    )

    assert Baseline.of(dee) == Baseline(
        usual_pain=4,
        leg_symptoms="both",
        below_knee=True,
        nerve_symptoms=frozenset({"numbness"}),
        walking_pattern=True,
        joint_pain=frozenset({"hip"}),
        fragile_bones=True,
        limits=Thresholds.of(clinic),
    )


def test_findings_come_most_severe_first(patient):
    check_in = report_check_in(patient, "saddle", "fever", pain_now=9)

    assert [finding.severity for finding in check_in_findings(check_in)] == [
        Severity.URGENT,
        Severity.SAME_DAY,
        Severity.REVIEW,
    ]
