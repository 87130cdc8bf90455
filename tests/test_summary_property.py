"""The summary the services keep never disagrees with one worked out from scratch.

Hypothesis plays any sequence of what happens to a patient (walks saved, corrected and
deleted, next-morning answers, serious symptoms, flags resolved, plan changes, the daily
activity check, days and weeks passing on a frozen clock) and after every step compares
the stored row with a rebuild, both read as of the clinic's today.
"""

import datetime
import io
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from patients.models import Flag, FlagAction, MorningFeeling, PatientSummary, WalkLog
from patients.safety.engine import flag_resolve
from patients.services.reports import walk_log_correct, walk_log_delete
from patients.summaries import summaries_rebuild
from programs import services as plans
from programs.actions import MovedOn
from programs.models import PlanAssignment
from tests import factories
from tests.fuzz import fuzz_settings, rolled_back

pytestmark = pytest.mark.django_db(transaction=False)

# A Saturday evening in London: two steps of a day cross into a new week.
START = datetime.datetime(2026, 11, 28, 18, 0, tzinfo=datetime.UTC)

steps = st.one_of(
    st.tuples(
        st.just("walk"),
        st.integers(0, 9),  # days ago: late entries, some in last week
        st.integers(1, 60),  # minutes
        st.integers(0, 10),  # pain after
    ),
    st.tuples(st.just("correct"), st.integers(0, 5), st.integers(0, 10), st.integers(0, 4)),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("morning"), st.integers(0, 5), st.sampled_from(MorningFeeling.values)),
    st.tuples(st.just("serious")),
    st.tuples(st.just("resolve"), st.sampled_from(FlagAction.values)),
    st.tuples(
        st.just("plan"),
        st.sampled_from(["advance", "step_back", "hold", "pause", "resume", "end", "assign"]),
    ),
    st.tuples(st.just("days"), st.sampled_from([1, 2, 7])),
    st.tuples(st.just("activity_check")),
)


@pytest.fixture
def clinic_people(db):
    clinic = factories.make_clinic("Property Clinic")
    clinician = factories.make_staff("property-doc", clinic)
    template = factories.make_template("Property ladder", clinic, ((5, 2), (10, 2), (15, 3)))
    return clinic, clinician, template


@fuzz_settings
@given(sequence=st.lists(steps, max_size=14))
def test_the_kept_summary_equals_a_rebuild(clinic_people, sequence):
    clinic, clinician, template = clinic_people
    with time_machine.travel(START, tick=False) as clock, rolled_back():
        patient = factories.make_patient(clinic, clinician, f"P{uuid.uuid4().hex[:8]}")
        factories.assign(patient, template, clinician, days_ago=3)
        for step in sequence:
            with rolled_back_on_refusal():
                apply(step, patient, clinician, template, clock)
            assert_kept_equals_rebuilt(patient)


class rolled_back_on_refusal:
    """A refused change (a walk past its correction window, advancing from the last stage)
    changes nothing; that is part of what is checked, not a failure of the test."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        return kind is not None and issubclass(kind, ValidationError | MovedOn)


def apply(step, patient, clinician, template, clock) -> None:
    today = patient.clinic.today()
    kind, *args = step
    walks = list(WalkLog.objects.live().filter(patient=patient).order_by("-created_at"))
    if kind == "walk":
        days_ago, minutes, pain_after = args
        factories.report_walk(
            patient,
            walked_on=today - datetime.timedelta(days=days_ago),
            minutes=minutes,
            pain_after=pain_after,
        )
    elif kind == "correct" and walks:
        index, pain_after, later = args
        walk = walks[index % len(walks)]
        walk_log_correct(
            log=walk,
            by=patient.user,
            now=timezone.now(),
            pain_after=pain_after,
            minutes=walk.minutes + later,
            walked_on=min(today, walk.walked_on + datetime.timedelta(days=later)),
        )
    elif kind == "delete" and walks:
        walk_log_delete(log=walks[args[0] % len(walks)], by=patient.user, now=timezone.now())
    elif kind == "morning" and walks:
        index, feeling = args
        walk = walks[index % len(walks)]
        if not hasattr(walk, "morning_check"):
            factories.answer_morning(walk, feeling, pain_now=4)
    elif kind == "serious":
        factories.report_check_in(patient, "saddle")
    elif kind == "resolve":
        flag = Flag.objects.unresolved().filter(patient=patient).order_by("opened_at").first()
        if flag is not None:
            flag_resolve(flag=flag, by=clinician, action=args[0], note="Reviewed.", today=today)
    elif kind == "plan":
        change_plan(args[0], patient, clinician, template, today)
    elif kind == "days":
        clock.shift(datetime.timedelta(days=args[0]))
    elif kind == "activity_check":
        call_command("check_activity", stdout=io.StringIO())


def change_plan(kind, patient, clinician, template, today) -> None:
    plan = PlanAssignment.objects.current_for(patient)
    if kind == "assign":
        factories.assign(patient, template, clinician)
    elif plan is None:
        return
    elif kind == "end":
        plans.plan_end(assignment=plan, by=clinician, reason="Done.")
    else:
        change = getattr(plans, f"plan_{kind}")
        change(assignment=plan, by=clinician, reason="Because.", today=today)


def assert_kept_equals_rebuilt(patient) -> None:
    today = patient.clinic.today()
    kept = PatientSummary.objects.get(pk=patient.pk).as_read_on(today)
    PatientSummary.objects.filter(pk=patient.pk).delete()
    summaries_rebuild([patient])
    rebuilt = PatientSummary.objects.get(pk=patient.pk).as_read_on(today)
    assert kept == rebuilt
