"""A change happens once, from the state the person saw.

Every button that changes a plan or a flag posts back the state its page showed. A double
click, a second tab, or a page opened before a colleague's change finds the state moved on:
nothing changes, and the page says what the plan or flag is now. (Real simultaneous
requests on PostgreSQL: tests/services/test_simultaneous_clicks.py.)
"""

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients.forms.common import OUT_OF_DATE
from patients.models import Flag, FlagAction, FlagEventKind, FlagStatus
from patients.safety.engine import flag_acknowledge, flag_resolve
from programs import services
from programs.actions import Expected
from programs.models import PlanAssignment, StageChangeKind
from tests import factories
from tests.factories import assign, report_check_in, seen_flag, seen_plan

MOVED_ON = "changed after this page was opened, so nothing was changed"


@pytest.fixture
def staff_client(client, clinician):
    factories.sign_in(client, clinician)
    return client


@pytest.fixture
def ready_plan(patient, clinician, clinic_template):
    """A first stage finished on green: one click advances it."""
    plan = assign(patient, clinic_template, clinician, days_ago=15)
    factories.walk_the_stage(patient, count=7)
    return plan


@pytest.fixture
def open_flag(patient, clinician, clinic_template):
    assign(patient, clinic_template, clinician, days_ago=15)
    report_check_in(patient, pain_now=10)  # severe pain: a review flag
    return Flag.objects.get()


def said(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def kinds(plan) -> list[str]:
    return list(plan.changes.values_list("kind", flat=True))


def test_a_double_click_on_advance_advances_once(staff_client, ready_plan):
    url = reverse("plan_advance", args=[ready_plan.pk])
    page_said = seen_plan(ready_plan)

    first = staff_client.post(url, page_said)
    second = staff_client.post(url, page_said)

    ready_plan.refresh_from_db()
    assert ready_plan.current_position == 2
    assert kinds(ready_plan).count(StageChangeKind.ADVANCE) == 1
    assert "Alice Patient advanced. Now: Stage 2 of 3" in said(first)
    assert MOVED_ON in said(second)


def test_advance_from_a_page_that_does_not_say_what_it_showed_changes_nothing(
    staff_client, ready_plan
):
    response = staff_client.post(reverse("plan_advance", args=[ready_plan.pk]))

    ready_plan.refresh_from_db()
    assert ready_plan.current_position == 1
    assert str(OUT_OF_DATE) in said(response)


def test_advance_after_a_colleague_paused_the_plan_changes_nothing(
    staff_client, ready_plan, clinician, patient
):
    page_said = seen_plan(ready_plan)
    services.plan_pause(
        assignment=ready_plan, by=clinician, reason="Called", today=patient.clinic.today()
    )

    staff_client.post(reverse("plan_advance", args=[ready_plan.pk]), page_said)

    ready_plan.refresh_from_db()
    assert (ready_plan.current_position, ready_plan.status) == (1, "paused")


def test_repeating_a_stage_twice_from_one_page_repeats_it_once(
    staff_client, patient, clinician, clinic_template
):
    """Repeating leaves stage and status as they were: the state seen still tells the
    second click from the first."""
    plan = assign(patient, clinic_template, clinician, days_ago=3)
    url = reverse("patient_plan_change", args=[patient.pk])
    form = {**seen_plan(plan), "kind": "hold", "reason": "Settling in"}

    staff_client.post(url, form)
    second = staff_client.post(url, form)

    assert kinds(plan).count(StageChangeKind.HOLD) == 1
    page = second.content.decode()
    assert second.status_code == 200
    assert MOVED_ON in page
    assert "Settling in" in page  # the reason as typed, ready to send again


def test_a_plan_change_on_a_page_opened_before_a_colleagues_change_says_what_is_now(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician, days_ago=3)
    form = {**seen_plan(plan), "kind": "advance", "reason": "Doing well", "confirm": "on"}
    services.plan_pause(assignment=plan, by=clinician, reason="Flare", today=patient.clinic.today())

    response = staff_client.post(reverse("patient_plan_change", args=[patient.pk]), form)

    plan.refresh_from_db()
    assert (plan.current_position, plan.status) == (1, "paused")
    page = response.content.decode()
    assert MOVED_ON in page
    assert "paused" in page.lower()
    # The page now carries the new state: choosing again acts on what is shown.
    assert response.context["plan_form"]["plan_seen"].value() == plan.seen


def test_a_second_acknowledge_says_so_and_records_one(staff_client, open_flag):
    url = reverse("flag_acknowledge", args=[open_flag.pk])
    page_said = seen_flag(open_flag)

    staff_client.post(url, page_said)
    second = staff_client.post(url, page_said)

    assert open_flag.events.filter(kind=FlagEventKind.ACKNOWLEDGED).count() == 1
    assert "changed after the page was opened" in said(second)


def test_acknowledge_from_a_page_that_does_not_say_what_it_showed_changes_nothing(
    staff_client, open_flag
):
    response = staff_client.post(reverse("flag_acknowledge", args=[open_flag.pk]))

    open_flag.refresh_from_db()
    assert open_flag.status == FlagStatus.OPEN
    assert str(OUT_OF_DATE) in said(response)


@pytest.fixture
def urgent_flag(patient, clinician, clinic_template):
    assign(patient, clinic_template, clinician, days_ago=15)
    report_check_in(patient, "bladder")
    return Flag.objects.get()


def test_news_on_a_flag_stops_a_page_that_never_showed_it(staff_client, patient, urgent_flag):
    """The flag is still open, but the patient reported again since the page was opened:
    neither acknowledging nor resolving from that page goes ahead."""
    page_said = seen_flag(urgent_flag)
    report_check_in(patient, "saddle")  # more urgent evidence on the same open flag
    urgent_flag.refresh_from_db()
    assert urgent_flag.status == FlagStatus.OPEN

    staff_client.post(reverse("flag_acknowledge", args=[urgent_flag.pk]), page_said)
    resolve = staff_client.post(
        reverse("flag_resolve", args=[urgent_flag.pk]),
        {**page_said, "action": FlagAction.REFER, "note": "Told to go to the emergency department"},
    )

    urgent_flag.refresh_from_db()
    assert urgent_flag.status == FlagStatus.OPEN
    assert "there may be news" in resolve.content.decode()
    assert "Told to go to the emergency department" in resolve.content.decode()  # as typed


def test_news_that_reopens_an_acknowledged_flag_stops_a_stale_acknowledge(
    staff_client, patient, clinician, urgent_flag
):
    page_said = seen_flag(urgent_flag)
    flag_acknowledge(flag=urgent_flag, by=clinician, expected=urgent_flag.seen)
    report_check_in(patient, "saddle")  # urgent news re-opens it
    urgent_flag.refresh_from_db()
    assert urgent_flag.status == FlagStatus.OPEN

    staff_client.post(reverse("flag_acknowledge", args=[urgent_flag.pk]), page_said)

    urgent_flag.refresh_from_db()
    assert urgent_flag.status == FlagStatus.OPEN  # still at the top of the queue
    assert urgent_flag.events.filter(kind=FlagEventKind.ACKNOWLEDGED).count() == 1


def test_resolving_with_a_plan_change_needs_the_plan_the_page_showed(staff_client, open_flag):
    """A resolve form without the plan it showed could advance the plan once per post."""
    form = {"flag_seen": open_flag.seen, "action": FlagAction.ADVANCE, "note": "Settled"}

    response = staff_client.post(reverse("flag_resolve", args=[open_flag.pk]), form)

    open_flag.refresh_from_db()
    assert open_flag.status == FlagStatus.OPEN
    assert str(OUT_OF_DATE) in response.content.decode()
    assert open_flag.patient.assignments.get().current_position == 1


def test_a_plan_paused_meanwhile_is_not_resolved_over(open_flag, clinician):
    """Resolving with 'advance' once the plan was paused: nothing is resolved or changed,
    rather than a resolution that says 'advance' with no advance behind it."""
    plan = open_flag.patient.assignments.get()
    page_plan = Expected.of(plan)
    services.plan_pause(
        assignment=plan, by=clinician, reason="Flare", today=plan.patient.clinic.today()
    )

    for expected in (page_plan, None):
        with pytest.raises(ValidationError):
            flag_resolve(
                flag=open_flag,
                by=clinician,
                action=FlagAction.ADVANCE,
                note="Settled",
                expected_plan=expected,
            )

    open_flag.refresh_from_db()
    assert open_flag.status == FlagStatus.OPEN


def test_resolving_twice_from_one_page_resolves_once(staff_client, open_flag):
    url = reverse("flag_resolve", args=[open_flag.pk])
    form = {**seen_flag(open_flag), "action": FlagAction.ADVANCE, "note": "Settled"}

    staff_client.post(url, form)
    second = staff_client.post(url, form)

    open_flag.refresh_from_db()
    assert open_flag.status == FlagStatus.RESOLVED
    assert open_flag.events.filter(kind=FlagEventKind.RESOLVED).count() == 1
    plan = open_flag.patient.assignments.get()
    assert (plan.current_position, kinds(plan).count(StageChangeKind.ADVANCE)) == (2, 1)
    assert "already resolved" in said(second)


def test_resolving_after_a_colleague_moved_the_plan_resolves_nothing(
    staff_client, open_flag, clinician
):
    """The clinician chose 'advance' for the plan they saw; it has moved on since."""
    form = {**seen_flag(open_flag), "action": FlagAction.ADVANCE, "note": "Settled now"}
    plan = open_flag.patient.assignments.get()
    services.plan_advance(
        assignment=plan, by=clinician, reason="Seen", today=plan.patient.clinic.today()
    )

    response = staff_client.post(reverse("flag_resolve", args=[open_flag.pk]), form)

    open_flag.refresh_from_db()
    plan.refresh_from_db()
    assert open_flag.status == FlagStatus.OPEN
    assert plan.current_position == 2  # advanced once, by the colleague
    page = response.content.decode()
    assert MOVED_ON in page
    assert "Settled now" in page


def test_resolving_a_flag_a_colleague_acknowledged_meanwhile_asks_to_look_again(
    staff_client, open_flag, clinician
):
    form = {**seen_flag(open_flag), "action": FlagAction.CONTINUE, "note": "Called"}
    flag_acknowledge(flag=open_flag, by=clinician, expected=open_flag.seen)

    refused = staff_client.post(reverse("flag_resolve", args=[open_flag.pk]), form)
    again = staff_client.post(
        reverse("flag_resolve", args=[open_flag.pk]),
        {**seen_flag(open_flag), "action": FlagAction.CONTINUE, "note": "Called"},
    )

    assert "it is now acknowledged" in refused.content.decode()
    assert again.status_code == 302
    open_flag.refresh_from_db()
    assert open_flag.status == FlagStatus.RESOLVED


@pytest.mark.parametrize(("choice", "kind"), [("up", "advance"), ("stay", "hold")])
def test_a_patients_double_tap_on_step_up_counts_once(
    client, patient, clinician, clinic_template, choice, kind
):
    plan = assign(patient, clinic_template, clinician, days_ago=15, automatic_progression=True)
    factories.walk_the_stage(patient)
    factories.sign_in(client, patient.user)
    tap = {**seen_plan(plan), "choice": choice}

    client.post(reverse("step_up"), tap)
    second = client.post(reverse("step_up"), tap)

    assert kinds(plan).count(kind) == 1
    assert "Your plan has not changed" in said(second)


def test_a_second_click_in_the_admin_changes_the_plan_once(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, "advance"])
    form = {**seen_plan(plan), "reason": "Reviewed in clinic"}

    staff_client.post(url, form)
    second = staff_client.post(url, form)

    plan.refresh_from_db()
    assert plan.current_position == 2
    assert kinds(plan).count(StageChangeKind.ADVANCE) == 1
    assert MOVED_ON in second.content.decode()
    assert f'value="{plan.seen}"' in second.content.decode()  # the page shows now


def test_saving_a_plan_in_the_admin_keeps_a_pause_made_while_it_saved(
    rf, clinician, patient, clinic_template
):
    """The admin loads the plan, an urgent report pauses it, then the admin saves the
    renamed plan: the pause stands (the save once wrote every column back as loaded)."""
    plan = assign(patient, clinic_template, clinician)
    loaded = PlanAssignment.objects.get(pk=plan.pk)
    services.plan_pause(assignment=plan, by=clinician, reason="Urgent", today=plan.start_date)
    plan_admin = admin.site._registry[PlanAssignment]
    request = rf.post("/")
    request.user = clinician
    form = plan_admin.get_form(request, loaded, change=True)(
        {"name": "Renamed", "automatic_progression": ""}, instance=loaded
    )
    assert form.is_valid(), form.errors

    plan_admin.save_model(request, form.save(commit=False), form, change=True)

    plan.refresh_from_db()
    assert (plan.name, plan.status) == ("Renamed", "paused")
