"""Hostile input to the admin forms clinicians use most: enrolling a patient, plan templates.

A clear error or a redirect, never a 500; names, goals and guidance are shown escaped.
"""

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from patients.models import LegSymptoms, Patient
from programs.models import PlanTemplate, StageChangeKind
from tests import factories
from tests.admin_forms import stage, stage_rows
from tests.fuzz import (
    answered,
    choice_or_junk,
    dates,
    fuzz_settings,
    hostile_client,
    list_of,
    marked_up,
    numbers,
    rolled_back,
    shown_escaped,
    shows_form_errors,
    texts,
    url_with,
    uuid_like,
    values,
)

ENROL = reverse("admin:patients_patient_add")
NEW_TEMPLATE = reverse("admin:programs_plantemplate_add")


def changed(base: dict, changes: dict) -> dict:
    data = {**base, **changes}
    return {key: value for key, value in data.items() if value is not None}


def form_answer(response):
    """Saved (a redirect) or shown again with the problem beside it."""
    answered(response, {200, 302})
    if response.status_code == 200:
        assert shows_form_errors(response)
    return response


@pytest.fixture
def staff_client(client, clinician):
    factories.sign_in(client, clinician)
    return hostile_client(client)


def enrolment(clinic, clinician) -> dict:
    return {
        "first_name": "Nina",
        "last_name": "Park",
        "email": "nina@example.com",
        "clinic": str(clinic.pk),
        "clinician": str(clinician.pk),
        "enrolled_on": timezone.localdate().isoformat(),
        "usual_pain": "4",
        "leg_symptoms": "none",
        "goal": "",
        "language": "en-gb",
    }


ENROLMENT_CHANGES = {
    "first_name": st.one_of(texts, marked_up),
    "last_name": texts,
    "email": st.one_of(texts, st.just("<b>x</b>@example.com")),
    "clinic": st.one_of(uuid_like, values, st.none()),
    "clinician": st.one_of(uuid_like, values, st.none()),
    "enrolled_on": st.one_of(dates, st.none()),
    "usual_pain": st.one_of(numbers, st.none()),
    "leg_symptoms": choice_or_junk(LegSymptoms.values),
    "known_nerve_symptoms": list_of(["burning", "shooting", "numbness"]),
    "known_joint_pain": list_of(["hip", "knee", "foot"]),
    "past_cancer": values,
    "goal": st.one_of(texts, marked_up),
}


@fuzz_settings
@given(changes=st.fixed_dictionaries({}, optional=ENROLMENT_CHANGES))
def test_enrolling_a_patient_with_anything(staff_client, clinic, clinician, changes):
    data = changed(enrolment(clinic, clinician), changes)
    with rolled_back():
        response = form_answer(staff_client.post(ENROL, data))
        if response.status_code == 302:
            patient = Patient.objects.get()
            page = staff_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
            html = answered(page, {200}).content.decode()
            for name in ("first_name", "goal"):
                shown_escaped(html, data.get(name, ""))
            listing = answered(
                staff_client.get(reverse("admin:patients_patient_changelist")), {200}
            )
            shown_escaped(listing.content.decode(), data.get("first_name", "").strip())


@fuzz_settings
@given(first_name=marked_up, goal=marked_up)
def test_a_patients_name_and_goal_are_shown_escaped(
    staff_client, clinic, clinician, first_name, goal
):
    data = {**enrolment(clinic, clinician), "first_name": first_name, "goal": goal}
    with rolled_back():
        response = form_answer(staff_client.post(ENROL, data))
        if "\x00" in first_name + goal or len(first_name.strip()) > 150:
            assert response.status_code == 200
            return
        patient = Patient.objects.get()
        page = staff_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
        html = answered(page, {200}).content.decode()
        shown_escaped(html, first_name)
        shown_escaped(html, goal)
        listing = staff_client.get(reverse("admin:patients_patient_changelist"))
        shown_escaped(answered(listing, {200}).content.decode(), first_name)
        for page in (reverse("patient_record", args=[patient.pk]), reverse("staff_home")):
            shown_escaped(answered(staff_client.get(page), {200}).content.decode(), first_name)


STAGE_CHANGES = {
    "position": numbers,
    "minutes_per_session": numbers,
    "sessions_per_week": numbers,
    "terrain": values,
    "weeks": numbers,
    "min_sessions_to_progress": numbers,
    "guidance": st.one_of(texts, marked_up),
}


@fuzz_settings
@given(
    name=st.one_of(texts, marked_up),
    description=st.one_of(texts, marked_up),
    stages=st.lists(st.fixed_dictionaries({}, optional=STAGE_CHANGES), max_size=3),
    # Not huge: Django then builds and shows its cap of 2,000 rows, slowly (about 30 s).
    total=st.one_of(
        st.none(), st.integers(-5, 10).map(str), st.sampled_from(["", "x", "1e999", "9" * 5000])
    ),
)
@example(  # a second row beyond the posted total is not saved, so not shown
    name="0", description="", stages=[{}, {"guidance": "<script>alert(1)</script>"}], total="1"
)
def test_building_a_template_with_anything(staff_client, clinic, name, description, stages, total):
    rows = [{**stage(index, 10 * index), **changes} for index, changes in enumerate(stages, 1)]
    data = {"name": name, "description": description, "clinic": str(clinic.pk)}
    data.update(stage_rows("stages", rows))
    if total is not None:
        data["stages-TOTAL_FORMS"] = total
    with rolled_back():
        response = form_answer(staff_client.post(NEW_TEMPLATE, data))
        if response.status_code == 302:
            template = PlanTemplate.objects.get(clinic=clinic)
            url = reverse("admin:programs_plantemplate_change", args=[template.pk])
            html = answered(staff_client.get(url), {200}).content.decode()
            shown_escaped(html, name)
            shown_escaped(html, description)
            # Django's formset reads only the rows the posted total counts.
            saved = rows if total is None else rows[: int(total)]
            for row in saved:
                shown_escaped(html, str(row.get("guidance", "")))


@fuzz_settings
@given(name=marked_up, description=marked_up, guidance=marked_up)
def test_a_templates_words_are_shown_escaped(staff_client, clinic, name, description, guidance):
    data = {"name": name, "description": description, "clinic": str(clinic.pk)}
    data.update(stage_rows("stages", [stage(1, 10, guidance=guidance)]))
    with rolled_back():
        response = form_answer(staff_client.post(NEW_TEMPLATE, data))
        if "\x00" in name + description + guidance or response.status_code == 200:
            assert "\x00" in name + description + guidance or len(name.strip()) > 200
            return
        template = PlanTemplate.objects.get(clinic=clinic)
        url = reverse("admin:programs_plantemplate_change", args=[template.pk])
        html = answered(staff_client.get(url), {200}).content.decode()
        for text in (name, description, guidance):
            shown_escaped(html, text)
        listing = staff_client.get(reverse("admin:programs_plantemplate_changelist"))
        shown_escaped(answered(listing, {200}).content.decode(), name)


ADMIN_LISTS = [
    "admin:patients_patient_changelist",
    "admin:patients_walklog_changelist",
    "admin:patients_symptomcheckin_changelist",
    "admin:programs_plantemplate_changelist",
    "admin:programs_planassignment_changelist",
]


@fuzz_settings
@given(
    listing=st.sampled_from(ADMIN_LISTS),
    query=st.dictionaries(
        st.sampled_from(["q", "o", "p", "clinic__id__exact", "walked_on__gte", "e", "all"]),
        values,
        max_size=3,
    ),
)
@example(listing=ADMIN_LISTS[0], query={"q": "a\x00b"})
@example(listing=ADMIN_LISTS[1], query={"walked_on__gte": "\x00"})
def test_any_admin_search_or_filter_is_answered(staff_client, patient, listing, query):
    answered(staff_client.get(reverse(listing), query), {200, 302, 400})


ADMIN_OBJECTS = [
    "admin:patients_patient_change",
    "admin:patients_walklog_change",
    "admin:programs_plantemplate_change",
    "admin:programs_planassignment_change",
]


@fuzz_settings
@given(page=st.sampled_from(ADMIN_OBJECTS), identifier=st.one_of(st.uuids().map(str), texts))
@example(page=ADMIN_OBJECTS[2], identifier=str(2**70))
@example(page=ADMIN_OBJECTS[2], identifier="-1")
def test_any_admin_object_id_is_answered(staff_client, patient, page, identifier):
    answered(staff_client.get(url_with(page, identifier)), {302, 404})


def admin_list_parameters() -> list[tuple[str, str]]:
    """(changelist, parameter) for every list filter and date hierarchy in the admin."""
    found = []
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for spec in model_admin.list_filter:
            field = spec[0] if isinstance(spec, tuple) else spec
            if isinstance(field, str):
                found += [(name, f"{field}__exact"), (name, f"{field}__id__exact")]
                found += [(name, f"{field}__gte"), (name, f"{field}__isnull")]
                # The admin allows any lookup on a filtered field, years included.
                found += [(name, f"{field}__year"), (name, f"{field}__year__gt")]
        if model_admin.date_hierarchy:
            field = model_admin.date_hierarchy
            found += [(name, f"{field}__{part}") for part in ("year", "month", "day")]
    return found


ADMIN_PARAMETERS = admin_list_parameters()


@fuzz_settings
@given(where=st.sampled_from(ADMIN_PARAMETERS), value=values)
@example(where=("admin:patients_walklog_changelist", "walked_on__year"), value="9" * 23)
@example(where=("admin:patients_auditevent_changelist", "at__year"), value="9" * 23)
@example(where=("admin:patients_patient_changelist", "leg_symptoms__exact"), value="\x00")
@example(where=("admin:patients_walklog_changelist", "created_at__year"), value="0")
@example(where=("admin:patients_symptomcheckin_changelist", "reported_on__year"), value="10000")
@example(where=("admin:patients_walklog_changelist", "created_at__year__gt"), value="-1")
# A bare date against a date-time field reached the database as a naive time.
@example(where=("admin:patients_auditevent_changelist", "at__gte"), value="00010101")
@example(where=("admin:patients_auditevent_changelist", "at__gte"), value="2026-11-30")
def test_every_admin_list_filter_and_date_is_answered_without_a_server_error(
    client, superuser, patient, where, value
):
    """Every registered admin's filters and date hierarchy, as a superuser sees them all."""
    hostile_client(client)
    factories.sign_in(client, superuser)
    listing, parameter = where

    answered(client.get(reverse(listing), {parameter: value}), {200, 302, 400})


def test_there_are_filters_and_dates_to_try():
    names = {parameter for _listing, parameter in ADMIN_PARAMETERS}
    assert {"walked_on__year", "at__year", "leg_symptoms__exact", "created_at__year"} <= names


AS_SHOWN = "the state the page showed"


@fuzz_settings
@example(kind=StageChangeKind.HOLD, seen=AS_SHOWN, reason="<b>Reviewed</b>")
@given(
    kind=st.sampled_from(StageChangeKind.values),
    seen=st.one_of(st.none(), st.just(AS_SHOWN), values),
    reason=st.one_of(texts, marked_up),
)
def test_any_admin_plan_change_is_answered_and_happens_only_from_the_state_shown(
    staff_client, patient, clinician, clinic_template, kind, seen, reason
):
    with rolled_back():
        plan = factories.assign(patient, clinic_template, clinician)
        shown = plan.seen
        seen = shown if seen == AS_SHOWN else seen
        url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, kind])
        form = {"reason": reason} if seen is None else {"reason": reason, "plan_seen": seen}
        response = answered(staff_client.post(url, form), {200, 302, 404})
        plan.refresh_from_db()
        if seen != shown:
            assert plan.seen == shown  # a page that showed another state changes nothing
        if response.status_code == 302:
            assert plan.changes.last().reason == reason.strip()


def test_a_moment_in_the_address_needs_its_time_zone(client, superuser):
    """The admin's own date filters send an offset and still work; a bare date does not
    reach the database as a naive time but is answered 400."""
    factories.sign_in(client, superuser)
    listing = reverse("admin:patients_auditevent_changelist")

    assert client.get(listing, {"at__gte": "2026-11-30 00:00:00+00:00"}).status_code == 200
    assert client.get(listing, {"at__gte": "2026-11-30"}).status_code == 400
    assert client.get(listing, {"at__year": "2026"}).status_code == 200
