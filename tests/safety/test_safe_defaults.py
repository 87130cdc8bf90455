"""Safe defaults for clinicians: nothing preselected, a second check before carrying on
when a patient may be unwell, flags in the order of urgency, back where they acted."""

import datetime

import pytest
from django.urls import reverse

from patients.models import Flag, FlagAction, FlagStatus
from patients.safety.engine import flag_resolve
from programs.models import StageChange, StageChangeKind
from tests import factories
from tests.factories import assign, report_check_in, report_walk, seen_flag, seen_plan, seen_plan_of


@pytest.fixture
def staff_client(client, clinician):
    factories.sign_in(client, clinician)
    return client


def record(patient) -> str:
    return reverse("patient_record", args=[patient.pk])


def resolve(flag) -> str:
    return reverse("flag_resolve", args=[flag.pk])


def test_no_plan_change_is_chosen_until_the_clinician_chooses(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)

    response = staff_client.get(record(patient))
    form = response.context["plan_form"]

    assert form["kind"].value() in (None, "")
    assert form.fields["kind"].choices[0] == ("", "Choose a change")
    assert '<option value="" selected>Choose a change</option>' in response.content.decode()


def test_a_plan_change_without_a_choice_says_so_and_changes_nothing(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)

    response = staff_client.post(
        reverse("patient_plan_change", args=[patient.pk]),
        {**seen_plan_of(patient), "reason": "Going well"},
    )

    assert response.status_code == 400
    assert "Choose a change to make." in response.content.decode()
    assert plan.changes.count() == 1  # only its start


def red_light_patient(patient, clinician, template):
    """A patient whose stage is red: two walks not settled by the next morning (the flare
    flag that raises is resolved, so only the light is left)."""
    plan = assign(patient, template, clinician, days_ago=3)
    for back in (2, 1):
        walk = report_walk(patient, walked_on=patient.clinic.today() - datetime.timedelta(back))
        factories.answer_morning(walk, "bit_worse", 3)
    for flag in Flag.objects.filter(patient=patient):
        flag_resolve(flag=flag, by=clinician, action=FlagAction.CONTINUE, note="Called")
    return plan


def test_advancing_on_a_red_light_needs_a_second_explicit_check(
    staff_client, patient, clinician, clinic_template
):
    plan = red_light_patient(patient, clinician, clinic_template)
    url = reverse("patient_plan_change", args=[patient.pk])
    page = staff_client.get(record(patient)).content.decode()
    assert "The traffic light is red" in page

    refused = staff_client.post(
        url, {**seen_plan_of(patient), "kind": "advance", "reason": "Feels fine"}
    )

    plan.refresh_from_db()
    assert refused.status_code == 400
    assert "Tick the box to confirm" in refused.content.decode()
    assert plan.current_position == 1

    staff_client.post(
        url, {**seen_plan_of(patient), "kind": "advance", "reason": "Spoke to her", "confirm": "on"}
    )

    plan.refresh_from_db()
    change = plan.changes.get(kind=StageChangeKind.ADVANCE)
    assert plan.current_position == 2
    assert change.against_warning is True
    assert "(confirmed against a warning)" in staff_client.get(record(patient)).content.decode()


def test_repeating_a_stage_on_a_red_light_needs_no_second_check(
    staff_client, patient, clinician, clinic_template
):
    plan = red_light_patient(patient, clinician, clinic_template)

    staff_client.post(
        reverse("patient_plan_change", args=[patient.pk]),
        {**seen_plan_of(patient), "kind": "hold", "reason": "Repeat"},
    )

    assert plan.changes.filter(kind=StageChangeKind.HOLD, against_warning=False).exists()


def test_continuing_after_an_urgent_flag_needs_a_second_check(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)
    report_check_in(patient, "saddle")
    flag = Flag.objects.get()
    assert "This flag is urgent" in staff_client.get(resolve(flag)).content.decode()

    refused = staff_client.post(
        resolve(flag), {**seen_flag(flag), "action": "continue", "note": "Seen in A&E"}
    )

    flag.refresh_from_db()
    assert "Tick the box to confirm" in refused.content.decode()
    assert flag.status == FlagStatus.OPEN

    staff_client.post(
        resolve(flag),
        {**seen_flag(flag), "action": "continue", "note": "Seen in A&E", "confirm": "on"},
    )

    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.resolved_against_warning is True


def test_a_paused_plan_offers_no_hold_step_back_or_advance_and_says_it_stays_paused(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)
    report_check_in(patient, "fever")  # same day: pauses the plan
    flag = Flag.objects.get()

    response = staff_client.get(resolve(flag))

    offered = [value for value, _label in response.context["form"].fields["action"].choices]
    assert offered == ["continue", "refer"]
    assert "stays paused" in response.content.decode()


def test_advancing_after_a_review_flag_on_a_red_light_needs_a_second_check(
    staff_client, patient, clinician, clinic_template
):
    plan = red_light_patient(patient, clinician, clinic_template)
    report_check_in(patient, pain_now=10)
    flag = Flag.objects.get(status=FlagStatus.OPEN, rule="severe_pain")

    refused = staff_client.post(
        resolve(flag), {**seen_flag(flag), "action": "advance", "note": "Better now"}
    )
    staff_client.post(
        resolve(flag), {**seen_flag(flag), "action": "advance", "note": "Better", "confirm": "on"}
    )

    assert "Tick the box to confirm" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.current_position == 2
    assert plan.changes.get(kind=StageChangeKind.ADVANCE).against_warning is True


def test_referring_an_urgent_flag_needs_no_second_check(staff_client, patient):
    report_check_in(patient, "bladder")
    flag = Flag.objects.get()

    staff_client.post(
        resolve(flag), {**seen_flag(flag), "action": FlagAction.REFER, "note": "Sent to A&E"}
    )

    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.resolved_against_warning is False


def test_continuing_after_a_review_flag_on_an_otherwise_green_stage_needs_no_second_check(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)
    report_check_in(patient, pain_now=10)  # severe pain: review
    flag = Flag.objects.get()

    staff_client.post(
        resolve(flag), {**seen_flag(flag), "action": FlagAction.CONTINUE, "note": "Called, settled"}
    )

    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.resolved_against_warning is False


def test_resolving_with_advance_changes_the_plan_in_the_same_step(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    report_check_in(patient, pain_now=10)
    flag = Flag.objects.get()

    staff_client.post(
        resolve(flag), {**seen_flag(flag), "action": FlagAction.ADVANCE, "note": "Settled now"}
    )

    plan.refresh_from_db()
    assert plan.current_position == 2
    assert StageChange.objects.filter(kind=StageChangeKind.ADVANCE, reason="Settled now").exists()


def test_the_record_lists_open_flags_most_severe_first(staff_client, patient):
    report_check_in(patient, pain_now=10)  # review, raised first
    report_check_in(patient, "chest")  # urgent, raised later

    unresolved = staff_client.get(record(patient)).context["unresolved"]

    assert [flag.severity for flag in unresolved] == ["urgent", "review"]


def test_acknowledging_or_resolving_from_the_record_returns_to_the_record(staff_client, patient):
    report_check_in(patient, "fever")
    flag = Flag.objects.get()

    acknowledged = staff_client.post(
        reverse("flag_acknowledge", args=[flag.pk]) + "?back=record", seen_flag(flag)
    )
    form_page = staff_client.get(resolve(flag) + "?back=record").content.decode()
    resolved = staff_client.post(
        resolve(flag) + "?back=record",
        {**seen_flag(flag), "action": FlagAction.REFER, "note": "GP today"},
    )

    assert acknowledged.url == record(patient)
    assert 'action="?back=record"' in form_page
    assert resolved.url == record(patient)


def test_from_the_dashboard_they_return_to_the_dashboard(staff_client, patient):
    report_check_in(patient, "fever")
    flag = Flag.objects.get()

    response = staff_client.post(reverse("flag_acknowledge", args=[flag.pk]), seen_flag(flag))

    assert response.url == reverse("staff_home")


@pytest.mark.parametrize("value", ["0", "off", "no", "false", ""])
def test_only_a_ticked_box_is_a_confirmation(staff_client, patient, value):
    report_check_in(patient, "saddle")
    flag = Flag.objects.get()

    staff_client.post(
        resolve(flag),
        {**seen_flag(flag), "action": FlagAction.CONTINUE, "note": "Fine", "confirm": value},
    )

    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_resuming_while_an_urgent_flag_is_open_needs_a_second_check(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    report_check_in(patient, "saddle")  # urgent: pauses the plan
    url = reverse("patient_plan_change", args=[patient.pk])

    refused = staff_client.post(
        url, {**seen_plan_of(patient), "kind": "resume", "reason": "Feels better"}
    )
    staff_client.post(
        url,
        {**seen_plan_of(patient), "kind": "resume", "reason": "Seen, all clear", "confirm": "on"},
    )

    assert "An urgent or same-day flag is still open" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.status == "active"
    assert plan.changes.get(kind=StageChangeKind.RESUME).against_warning is True


def test_one_click_advance_refuses_a_patient_who_is_no_longer_ready(
    staff_client, patient, clinician, clinic_template
):
    """The button was on a page opened before the patient reported severe pain."""
    plan = assign(patient, clinic_template, clinician, days_ago=14)
    report_check_in(patient, pain_now=10)

    response = staff_client.post(
        reverse("plan_advance", args=[plan.pk]), seen_plan(plan), follow=True
    )

    plan.refresh_from_db()
    assert plan.current_position == 1
    assert "is not ready to progress now" in response.content.decode()


def test_the_admin_asks_the_same_second_check(staff_client, patient, clinician, clinic_template):
    plan = red_light_patient(patient, clinician, clinic_template)
    url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, "advance"])

    refused = staff_client.post(url, {**seen_plan(plan), "reason": "Looks fine"})
    staff_client.post(url, {**seen_plan(plan), "reason": "Spoke to her", "confirm": "on"})

    assert "Tick the box to confirm" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.current_position == 2
    assert plan.changes.get(kind=StageChangeKind.ADVANCE).against_warning is True


def test_a_refused_plan_change_says_so_at_the_top_of_the_record(
    staff_client, patient, clinician, clinic_template
):
    red_light_patient(patient, clinician, clinic_template)

    response = staff_client.post(
        reverse("patient_plan_change", args=[patient.pk]),
        {**seen_plan_of(patient), "kind": "advance", "reason": "x"},
    )

    page = response.content.decode()
    assert "<title>Error:" in page
    assert page.index("There is a problem") < page.index("Open flags")
    assert 'href="#id_confirm"' in page
