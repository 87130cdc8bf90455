"""Hostile input to the clinic's pages: dashboard search, flags, plan changes, the report.

A clear error or a redirect, never a 500; reasons and notes are shown escaped.
"""

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from patients.choices import Rule, Severity
from patients.forms.clinic import FlagReportForm
from patients.models import Flag, FlagAction, FlagStatus
from programs.models import StageChangeKind
from tests import factories
from tests.factories import seen_flag, seen_plan, seen_plan_of
from tests.fuzz import (
    answered,
    choice_or_junk,
    dates,
    fuzz_settings,
    hostile_client,
    marked_up,
    never_raw,
    rolled_back,
    shown_escaped,
    shows_form_errors,
    texts,
    unless_huge_name,
    unless_nul,
    url_with,
    uuid_like,
    values,
)


@pytest.fixture
def clinician_client(client, clinician):
    factories.sign_in(client, clinician)
    return hostile_client(client)


@pytest.fixture
def reviewer_client(client, reviewer):
    factories.sign_in(client, reviewer)
    return hostile_client(client)


@pytest.fixture
def plan(patient, clinic_template, clinician):
    return factories.assign(patient, clinic_template, clinician, days_ago=1)


@pytest.fixture
def flag(patient, plan):
    factories.report_check_in(patient, pain_now=10)
    return Flag.objects.get(patient=patient)


@fuzz_settings
@given(search=texts, flagged=st.one_of(st.just("1"), values))
@example(search="\x00", flagged="1")  # was a 500 on PostgreSQL
def test_any_dashboard_search_shows_the_dashboard(clinician_client, patient, search, flagged):
    response = clinician_client.get(reverse("staff_home"), {"q": search, "flagged": flagged})
    never_raw(answered(response, unless_nul({200}, search, flagged)).content.decode(), search)


@fuzz_settings
@given(data=st.dictionaries(texts, texts, max_size=3))
@example(data={"x" * 2000: ""})  # Django's own 400, not a server error
def test_acknowledging_a_flag_ignores_whatever_else_is_posted(clinician_client, flag, data):
    with rolled_back():
        response = clinician_client.post(
            reverse("flag_acknowledge", args=[flag.pk]), {**data, **seen_flag(flag)}
        )
        if answered(response, unless_huge_name({302}, data)).status_code == 400:
            return
        flag.refresh_from_db()
        assert flag.status == FlagStatus.ACKNOWLEDGED


@fuzz_settings
@given(action=choice_or_junk(FlagAction.values), note=st.one_of(texts, marked_up))
def test_resolving_a_flag_never_fails(clinician_client, patient, flag, action, note):
    with rolled_back():
        response = clinician_client.post(
            reverse("flag_resolve", args=[flag.pk]),
            {**seen_flag(flag), "action": action, "note": note},
        )
        answered(response, {200, 302})
        if response.status_code == 200:
            assert shows_form_errors(response)
            return
        record = clinician_client.get(reverse("patient_record", args=[patient.pk]))
        never_raw(answered(record, {200}).content.decode(), note)


@fuzz_settings
@given(kind=choice_or_junk(StageChangeKind.values), reason=st.one_of(texts, marked_up))
def test_changing_a_plan_never_fails(clinician_client, patient, plan, kind, reason):
    with rolled_back():
        response = clinician_client.post(
            reverse("patient_plan_change", args=[patient.pk]),
            {**seen_plan_of(patient), "kind": kind, "reason": reason},
        )
        answered(response, {302, 400})
        if response.status_code == 400:
            assert shows_form_errors(response)
            return
        record = answered(clinician_client.get(reverse("patient_record", args=[patient.pk])), {200})
        # An ended plan leaves the record, and its history with it.
        check = never_raw if kind == StageChangeKind.END else shown_escaped
        check(record.content.decode(), reason)


@fuzz_settings
@given(data=st.dictionaries(texts, texts, max_size=3))
def test_advancing_a_plan_ignores_whatever_else_is_posted(clinician_client, plan, data):
    with rolled_back():
        sent = {**data, **seen_plan(plan)}
        response = clinician_client.post(reverse("plan_advance", args=[plan.pk]), sent)
        answered(response, unless_huge_name({302}, data))
        plan.refresh_from_db()
        assert plan.current_position == 1  # not ready to progress: nothing else moves it


REPORT_FILTERS = {
    "date_from": dates,
    "date_to": dates,
    "clinic": uuid_like | values,
    "clinician": uuid_like | values,
    "rule": choice_or_junk(Rule.values),
    "severity": choice_or_junk(Severity.values),
    "status": choice_or_junk(FlagStatus.values),
    "window": choice_or_junk(["within", "late"]),
    "escalated": choice_or_junk(["yes", "no"]),
    "sort": choice_or_junk(["acknowledge"]),
}
report_queries = st.fixed_dictionaries({}, optional=REPORT_FILTERS)


def test_the_fuzzed_filters_are_all_the_report_has():
    assert set(REPORT_FILTERS) == set(FlagReportForm.base_fields)


@fuzz_settings
@given(query=report_queries)
@example(query={"date_to": "9999-12-31"})  # the day after was computed: a 500
def test_any_report_filter_shows_the_report(reviewer_client, flag, query):
    response = answered(
        reviewer_client.get(reverse("flag_report"), query), unless_nul({200}, *query.values())
    )
    for value in query.values():
        never_raw(response.content.decode(), value)


@fuzz_settings
@given(query=report_queries)
@example(query={"date_to": "9999-12-31"})
def test_any_report_filter_exports_a_csv_or_shows_what_is_wrong(reviewer_client, flag, query):
    response = answered(
        reviewer_client.get(reverse("flag_report_csv"), query),
        unless_nul({200, 302}, *query.values()),
    )
    if response.status_code == 400:
        return
    if response.status_code == 302:  # filters with a mistake: the report says which
        assert response.url.startswith(reverse("flag_report"))
        return
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Raised,Clinic,Patient,")


CLINIC_ROUTES = {
    "patient_record": "get",
    "patient_plan_change": "post",
    "plan_advance": "post",
    "flag_acknowledge": "post",
    "flag_resolve": "get",
}


@fuzz_settings
@given(
    route=st.sampled_from(sorted(CLINIC_ROUTES)),
    identifier=st.one_of(st.uuids().map(str), texts),
)
def test_any_id_in_a_clinic_url_is_not_found(clinician_client, flag, route, identifier):
    url = url_with(route, identifier)
    answered(getattr(clinician_client, CLINIC_ROUTES[route])(url), {404})


@pytest.mark.parametrize("route", sorted(CLINIC_ROUTES))
def test_another_clinics_patient_plan_or_flag_is_not_found(
    clinician_client, other_patient, other_clinician, other_clinic_template, route
):
    other_plan = factories.assign(other_patient, other_clinic_template, other_clinician)
    factories.report_check_in(other_patient, pain_now=10)
    targets = {
        "patient_record": other_patient.pk,
        "patient_plan_change": other_patient.pk,
        "plan_advance": other_plan.pk,
        "flag_acknowledge": Flag.objects.get(patient=other_patient).pk,
        "flag_resolve": Flag.objects.get(patient=other_patient).pk,
    }
    url = reverse(route, args=[targets[route]])
    data = {"kind": "hold", "reason": "x", "action": "continue", "note": "x"}
    answered(getattr(clinician_client, CLINIC_ROUTES[route])(url, data), {404})


def test_a_report_up_to_the_last_date_there_is_counts_every_flag(reviewer_client, flag):
    response = reviewer_client.get(reverse("flag_report"), {"date_to": "9999-12-31"})

    assert response.status_code == 200
    assert response.context["total"] == 1


def test_a_search_with_a_nul_character_is_a_bad_request(clinician_client, patient):
    """No browser sends one; PostgreSQL cannot compare text holding one."""
    clinician_client.raise_request_exception = False

    response = clinician_client.get(reverse("staff_home"), {"q": "Ali\x00ce"})

    assert response.status_code == 400
