import datetime
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from patients.management.commands.demo_data import CLINIC_NAME
from patients.models import Clinic, FollowUpQuestion, Patient, WalkLog
from patients.outcomes.figures import Scope, outcome_figures
from patients.outcomes.follow_ups import discharge_date
from patients.summaries import summaries_rebuild
from programs.models import PlanAssignment
from tests import factories

# The demo is built on the shipped standard plan, which a transactional test elsewhere may
# have flushed: the fixture puts it back.
pytestmark = pytest.mark.usefixtures("standard_template")

LOGIN_LINE = re.compile(r"^(admin|clinician|reviewer|patient): (\S+) / (\S+)$")


def run_demo(*args) -> list[str]:
    out = StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue().splitlines()


def test_demo_data_prints_a_login_per_line_that_actually_signs_in(client, settings, db):
    settings.DEBUG = True

    lines = [line for line in run_demo() if LOGIN_LINE.match(line)]

    roles = [LOGIN_LINE.match(line).group(1) for line in lines]
    assert roles[:3] == ["admin", "clinician", "reviewer"]
    assert roles.count("patient") >= 3
    for line in lines:
        _role, username, password = LOGIN_LINE.match(line).groups()
        assert factories.password_signs_in(client, username, password), username


def test_demo_data_has_weeks_of_walks_and_plans_in_different_states(settings, db):
    settings.DEBUG = True
    run_demo()

    assert WalkLog.objects.count() >= 20
    demo_plans = PlanAssignment.objects.filter(patient__clinic__name=CLINIC_NAME)
    assert set(demo_plans.values_list("status", flat=True)) == {"active", "paused", "ended"}
    assert Patient.objects.filter(assignments__isnull=True).exists()
    newest = WalkLog.objects.filter(patient__user__first_name="David").first()
    assert "electric_shock" in newest.pain_character


def test_demo_data_refuses_to_run_with_debug_off(settings, db):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        run_demo()
    assert not Patient.objects.exists()


def test_demo_data_if_empty_leaves_existing_data_alone(settings, db):
    settings.DEBUG = True
    run_demo()
    walks = WalkLog.objects.count()

    lines = run_demo("--if-empty")

    assert WalkLog.objects.count() == walks
    assert any(line.startswith("clinician: ") for line in lines)


def test_demo_data_raises_flags_through_the_real_rules(settings, db):
    from patients.models import Flag

    settings.DEBUG = True
    run_demo()

    flags = {
        (flag.patient.user.first_name, flag.rule, flag.severity) for flag in Flag.objects.all()
    }
    assert ("David", "new_nerve", "review") in flags
    assert ("Aisha", "weakness_or_fall", "urgent") in flags


def test_the_demo_plans_history_is_dated_when_it_happened(settings, db):
    settings.DEBUG = True
    run_demo()

    for plan in PlanAssignment.objects.select_related("patient__clinic"):
        zone = plan.patient.clinic.zone
        started = plan.changes.get(kind="start")
        assert started.changed_at.astimezone(zone).date() == plan.start_date


def test_every_demo_patients_summary_matches_their_records(settings, db):
    """The demo writes a month of walks at once; the dashboard must still show them."""
    settings.DEBUG = True
    run_demo()

    for patient in Patient.objects.select_related("clinic", "summary"):
        today = patient.clinic.today()
        shown = patient.summary.as_read_on(today)
        summaries_rebuild([patient])
        patient.summary.refresh_from_db()
        assert shown == patient.summary.as_read_on(today), patient
        newest = patient.walk_logs.order_by("walked_on").last()
        assert shown["last_walk_on"] == (newest.walked_on if newest else None)


def test_the_generated_outcomes_clinic_draws_a_real_curve(settings, db):
    from django.contrib.auth import get_user_model

    from patients.management.commands import _demo_outcomes
    from patients.outcomes.figures import Scope, outcome_figures
    from patients.security import access

    settings.DEBUG = True
    run_demo()
    clinic = Clinic.objects.get(name=_demo_outcomes.CLINIC_NAME)
    reviewer = get_user_model().objects.get(username="reviewer")
    # The demo reviewer oversees it, beside the demo clinic.
    assert clinic.pk in access.clinic_ids(reviewer, access.REPORT_ROLES)

    figures = outcome_figures(Scope([clinic.pk]))
    assert figures.discharged == _demo_outcomes.PATIENTS
    assert 0 < figures.never_answered < 10
    censored = sum(1 for _days, event in figures.observations if not event)
    assert figures.curve.events >= 20 and censored >= 10
    assert 120 <= figures.median.days <= 320
    psfs, pain = figures.improvements
    assert psfs.patients == pain.patients == _demo_outcomes.PATIENTS
    assert 0 < psfs.improved < psfs.patients
    assert any(week.patients for week in figures.adherence)

    # Made once: generating again finds it, adds nothing.
    patients = Patient.objects.count()
    template = PlanAssignment.objects.filter(patient__clinic=clinic).first().source_template
    again = _demo_outcomes.generate(reviewer=reviewer, template=template, today=clinic.today())
    assert again == clinic and Patient.objects.count() == patients


def test_a_demo_patient_was_discharged_with_month_one_of_the_follow_up_open(settings, db, client):
    settings.DEBUG = True
    run_demo()

    ruth = Patient.objects.get(user__email="ruth@example.com")
    assert discharge_date(ruth) == ruth.clinic.today() - datetime.timedelta(days=35)
    question = FollowUpQuestion.objects.get(patient=ruth)
    assert (question.month, question.answered_at) == (1, None)
    factories.sign_in(client, ruth.user)
    assert "Answer this month's question" in client.get(reverse("patient_week")).text


def test_demo_walks_count_towards_their_plan_on_the_outcomes_page(settings, db):
    settings.DEBUG = True
    run_demo()

    demo_clinic = Clinic.objects.get(name=CLINIC_NAME)
    figures = outcome_figures(Scope([demo_clinic.pk]))
    assert sum(week.done for week in figures.adherence) > 0
    on_plan = WalkLog.objects.filter(patient__clinic=demo_clinic, assignment__isnull=False)
    assert all(walk.walked_on >= walk.assignment.start_date for walk in on_plan)
