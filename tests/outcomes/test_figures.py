"""The outcome figures read from the database: recurrence-free days, adherence by week,
the share improved, and a fixed number of queries however many patients there are."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.choices import Instrument, Limitation
from patients.models import OutcomeScore, WalkLog
from patients.outcomes.figures import Scope, outcome_figures
from programs.models import PlanAssignment
from tests.factories import assign, make_clinic, make_patient, make_staff, make_template
from tests.outcomes.builders import TODAY, answer, discharged, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    return make_clinic("Outcomes clinic")


@pytest.fixture
def clinician(clinic):
    return make_staff("clin", clinic, second_factor=False)


def test_the_first_recurrence_is_the_event_dated_by_its_start(clinic, clinician):
    patient = discharged(clinic, clinician, "Ann", ended_on=datetime.date(2026, 1, 1))
    answer(patient, 1, limitation=Limitation.A_LITTLE)  # pain, but not a recurrence
    answer(patient, 2, limitation=Limitation.MODERATELY, started_on=datetime.date(2026, 2, 10))
    answer(patient, 3, limitation=Limitation.A_LOT)  # a later one does not count
    figures = outcome_figures(Scope([clinic.pk]), TODAY)
    assert figures.observations == [(40, True)]  # 1 January to 10 February
    assert figures.discharged == 1 and figures.never_answered == 0


def test_censored_at_the_last_answer_and_never_answered_left_out(clinic, clinician):
    free = discharged(clinic, clinician, "Bea", ended_on=datetime.date(2026, 1, 1))
    answer(free, 1, answered_on=datetime.date(2026, 2, 1))
    answer(
        free, 2, pain=True, limitation=Limitation.A_LITTLE, answered_on=datetime.date(2026, 3, 2)
    )
    discharged(clinic, clinician, "Cal", ended_on=datetime.date(2026, 1, 1))  # never answered
    figures = outcome_figures(Scope([clinic.pk]), TODAY)
    assert figures.observations == [(60, False)]
    assert (figures.discharged, figures.never_answered) == (2, 1)


def test_a_patient_still_on_a_plan_is_not_discharged(clinic, clinician):
    patient = discharged(clinic, clinician, "Dan", ended_on=datetime.date(2026, 1, 1))
    answer(patient, 1)
    assign(patient, make_template("Again", clinic), clinician)  # back on a plan
    assert outcome_figures(Scope([clinic.pk]), TODAY).discharged == 0


def test_the_discharge_dates_and_clinician_filter(clinic, clinician):
    other = make_staff("other", clinic, second_factor=False)
    early = discharged(clinic, clinician, "Eve", ended_on=datetime.date(2026, 1, 1))
    late = discharged(clinic, other, "Fay", ended_on=datetime.date(2026, 3, 1))
    answer(early, 1)
    answer(late, 1)
    scope = Scope([clinic.pk], date_from=datetime.date(2026, 2, 1))
    assert outcome_figures(scope, TODAY).discharged == 1
    assert outcome_figures(Scope([clinic.pk], clinician_id=clinician.pk), TODAY).discharged == 1
    assert outcome_figures(Scope([clinic.pk], date_to=datetime.date(2025, 1, 1))).discharged == 0


def test_adherence_by_week_caps_extra_walks(clinic, clinician):
    # The template's stages: 3 walks a week for 2 weeks each (6 weeks), then 3 a week.
    patient = make_patient(clinic, clinician, "Gus")
    plan = assign(patient, make_template("Ladder", clinic), clinician)
    start = TODAY - datetime.timedelta(days=14)  # two weeks over
    PlanAssignment.objects.filter(pk=plan.pk).update(start_date=start)
    # The day before the plan does not count; days 0-6 are week 1 (five, three count), 7 week 2.
    for day in (-1, 0, 1, 2, 3, 6, 7):
        WalkLog.objects.create(
            patient=patient, assignment=plan, walked_on=start + datetime.timedelta(days=day),
            minutes=10, terrain="flat", pain_before=2, pain_after=2,
        )  # fmt: skip
    weeks = outcome_figures(Scope([clinic.pk]), TODAY).adherence
    assert [(week.planned, week.done, week.patients) for week in weeks[:3]] == [
        (3, 3, 1),
        (3, 1, 1),
        (0, 0, 0),  # week 3 is not over yet
    ]
    assert weeks[0].share == 1 and weeks[1].share == pytest.approx(1 / 3)
    assert weeks[2].share is None and len(weeks) == 12


def test_improved_beyond_the_mcid(clinic, clinician):
    better = discharged(clinic, clinician, "Hal", ended_on=datetime.date(2026, 1, 1))
    same = discharged(clinic, clinician, "Ivy", ended_on=datetime.date(2026, 1, 1))
    once = discharged(clinic, clinician, "Jo", ended_on=datetime.date(2026, 1, 1))
    score(better, Instrument.PSFS, "3", 90)
    score(better, Instrument.PSFS, "5", 60)
    score(better, Instrument.PSFS, "7", 1)  # first 3, last 7: improved
    score(better, Instrument.NPRS, "4", 90)
    score(better, Instrument.NPRS, "7", 1)  # pain up by 3: worse
    score(same, Instrument.PSFS, "5", 90)
    score(same, Instrument.PSFS, "6", 1)  # up by 1: no real change
    score(once, Instrument.PSFS, "2", 1)  # one score: not counted
    psfs, pain = outcome_figures(Scope([clinic.pk]), TODAY).improvements
    assert (psfs.improved, psfs.no_change, psfs.worse, psfs.patients) == (1, 1, 0, 2)
    assert psfs.share == 0.5
    assert (pain.improved, pain.worse, pain.patients) == (0, 1, 1)


def test_a_psfs_activity_left_unrated_at_the_end_is_not_a_change(clinic, clinician):
    kim = discharged(clinic, clinician, "Kim", ended_on=datetime.date(2026, 1, 1))
    score(kim, Instrument.PSFS, "0", 90)
    score(kim, Instrument.PSFS, "0", 1)
    first = OutcomeScore.objects.filter(response__patient=kim).earliest("response__answered_at")
    # At the start she also rated lifting 10 (a mean of 5); at the end only the dog walk.
    first.items = {
        "activities": [
            {"activity": "Walking the dog", "rating": 0},
            {"activity": "Lifting", "rating": 10},
        ]
    }
    first.score = 5
    first.save()

    psfs, _pain = outcome_figures(Scope([clinic.pk]), TODAY).improvements

    assert (psfs.no_change, psfs.worse) == (1, 0)  # not a fall from 5 to 0


def many(clinic, clinician, count):
    for index in range(count):
        patient = discharged(
            clinic, clinician, f"P{count}x{index}", ended_on=datetime.date(2026, 1, 1)
        )
        answer(patient, 1, limitation=Limitation.A_LOT if index % 2 else "")
        score(patient, Instrument.PSFS, "3", 90)
        score(patient, Instrument.PSFS, "6", 1)


def test_a_fixed_number_of_queries_however_many_patients(clinic, clinician):
    many(clinic, clinician, 2)
    with CaptureQueriesContext(connection) as few:
        outcome_figures(Scope([clinic.pk]), TODAY)
    many(clinic, clinician, 6)
    with CaptureQueriesContext(connection) as more:
        figures = outcome_figures(Scope([clinic.pk]), TODAY)
    assert len(few) == len(more) == 6
    assert figures.discharged == 8 and len(figures.observations) == 8
