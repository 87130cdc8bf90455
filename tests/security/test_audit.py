"""The audit trail: every staff view of patient data and every clinical change, kept for good;
every read of the FHIR API, under its client."""

import csv
import io
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from patients.fhir import sources as fhir_sources
from patients.models import AuditAction, AuditEvent, Flag, StaffMembership, StaffRole
from patients.safety import engine as flags
from patients.services.reports import symptom_check_in_save
from programs import services as plan_services
from tests import factories
from tests.admin.test_enrolment_admin import enrolment
from tests.fhir.helpers import Api, make_api_client, token_for

ELECTRIC_THIGH = {
    "pain_before": 4,
    "pain_after": 6,
    "pain_character": ["aching", "electric_shock"],
    "pain_areas": ["lower_back", "thigh"],
    "pain_side": "left",
}


def events(**filters) -> list[tuple]:
    rows = AuditEvent.objects.filter(**filters).order_by("id")
    return list(rows.values_list("actor", "action", "subject", "detail"))


def shown(event: AuditEvent) -> set[uuid.UUID]:
    """The patients a list page's event names."""
    return {uuid.UUID(key) for key in event.patients_shown.split()}


def test_enrolment_a_walk_its_flag_and_their_changes_are_audited_in_order(
    patient, clinician, standard_template
):
    factories.assign(patient, standard_template, clinician)
    factories.report_walk(patient, **ELECTRIC_THIGH)
    flag = Flag.objects.get(patient=patient)
    flags.flag_acknowledge(flag=flag, by=clinician)

    assert events(patient_id=patient.pk) == [
        (clinician.username, "created", "patient", ""),
        (clinician.username, "created", "plan", "starts at stage 1"),
        ("the patient", "created", "walk", ""),
        ("", "created", "flag", "new_nerve (review)"),
        (clinician.username, "changed", "flag", "acknowledged"),
    ]
    assert not AuditEvent.objects.filter(patient_id=patient.pk).exclude(clinic=patient.clinic)


def test_the_audit_row_is_in_the_changes_transaction(patient):
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.report_walk(patient)
        assert AuditEvent.objects.filter(subject="walk").exists()
        raise RuntimeError("the request failed after saving")

    assert not AuditEvent.objects.filter(subject="walk").exists()


def test_staff_views_record_who_saw_which_patient_and_from_where(
    client, clinician, patient, other_patient
):
    second = factories.make_patient(patient.clinic, clinician, "Second")
    factories.sign_in(client, clinician)

    client.get(reverse("staff_home"), REMOTE_ADDR="203.0.113.9")
    client.get(reverse("patient_record", args=[patient.pk]), REMOTE_ADDR="203.0.113.9")

    viewed = AuditEvent.objects.filter(action=AuditAction.VIEWED)
    dashboard = viewed.get(subject="dashboard")
    assert (dashboard.actor, dashboard.ip_address) == (clinician.username, "203.0.113.9")
    assert shown(dashboard) == {patient.pk, second.pk}
    record = viewed.get(subject="patient record")
    assert (record.actor, record.patient_id, record.ip_address) == (
        clinician.username,
        patient.pk,
        "203.0.113.9",
    )


def test_a_dashboard_view_is_one_event_per_clinic_naming_every_patient_shown(
    client, clinician, patient, other_clinic, other_patient
):
    second = factories.make_patient(patient.clinic, clinician, "Second")
    StaffMembership.objects.create(user=clinician, clinic=other_clinic, role=StaffRole.CLINICIAN)
    factories.sign_in(client, clinician)

    client.get(reverse("staff_home"))

    views = AuditEvent.objects.filter(subject="dashboard")
    assert {view.clinic_id: shown(view) for view in views} == {
        patient.clinic_id: {patient.pk, second.pk},
        other_clinic.pk: {other_patient.pk},
    }
    assert not views.exclude(patient_id=None)


def test_a_patients_events_include_the_dashboard_views_that_showed_them_only(
    client, clinician, patient, other_patient
):
    factories.sign_in(client, clinician)
    client.get(reverse("staff_home"))
    client.get(reverse("patient_record", args=[patient.pk]))

    theirs = AuditEvent.objects.concerning(patient.pk).filter(action=AuditAction.VIEWED)
    others = AuditEvent.objects.concerning(other_patient.pk).filter(action=AuditAction.VIEWED)

    assert sorted(theirs.values_list("subject", flat=True)) == ["dashboard", "patient record"]
    assert not others.exists()


def test_the_address_behind_a_trusted_proxy_is_the_clients_own(
    client, clinician, patient, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    factories.sign_in(client, clinician)

    client.get(
        reverse("patient_record", args=[patient.pk]),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7",  # the first part is the client's say
    )

    assert AuditEvent.objects.get(subject="patient record").ip_address == "203.0.113.7"


def test_plan_changes_in_the_app_and_patient_changes_in_the_admin_are_audited(
    client, clinic, clinician, patient, standard_template
):
    plan = factories.assign(patient, standard_template, clinician)
    plan_services.plan_hold(assignment=plan, by=clinician, reason="Sore", today=plan.start_date)
    factories.sign_in(client, clinician)
    change_url = reverse("admin:patients_patient_change", args=[patient.pk])

    page = client.get(change_url)
    data = enrolment(
        clinic, clinician, email=patient.user.email, first_name="Alice", last_name="Patient"
    )
    saved = client.post(change_url, {**data, "usual_pain": "5"})

    assert (page.status_code, saved.status_code) == (200, 302)
    patient.refresh_from_db()
    assert patient.usual_pain == 5
    trail = events(patient_id=patient.pk)
    assert ("carol", "changed", "plan", "hold: stage 1 to 1") in trail
    assert ("carol", "viewed", "patient", "in the admin") in trail
    assert ("carol", "changed", "patient", "in the admin") in trail


def test_enrolling_in_the_admin_is_one_audit_row_naming_who_enrolled(
    client, clinic, clinician, clinic_admin
):
    """It was two: one from the enrolment service naming the patient's clinician, one from
    the admin naming who saved the form."""
    factories.sign_in(client, clinic_admin)

    client.post(reverse("admin:patients_patient_add"), enrolment(clinic, clinician))

    created = AuditEvent.objects.filter(subject="patient", action=AuditAction.CREATED)
    assert list(created.values_list("actor", flat=True)) == [clinic_admin.username]


def test_assigning_a_plan_in_the_admin_is_one_audit_row(
    client, clinician, patient, standard_template
):
    factories.sign_in(client, clinician)
    today = patient.clinic.today().isoformat()

    client.post(
        reverse("admin:programs_planassignment_add"),
        {
            "patient": str(patient.pk),
            "template": str(standard_template.pk),
            "start_date": today,
            "start_position": "1",
        },
    )

    created = AuditEvent.objects.filter(patient_id=patient.pk, action=AuditAction.CREATED)
    assert list(created.exclude(subject="patient").values_list("actor", "subject")) == [
        ("carol", "plan")
    ]


def test_nobody_can_change_or_delete_the_trail_through_the_app(patient):
    factories.report_walk(patient)
    event = AuditEvent.objects.get(subject="walk")

    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(detail="edited")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_itself_refuses_to_change_the_trail(patient):
    factories.report_walk(patient)

    for statement in (
        "UPDATE patients_auditevent SET detail = 'x'",
        "DELETE FROM patients_auditevent",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)


def test_clinic_admins_read_filter_and_export_their_clinics_trail_only(
    client, clinic_admin, clinician, patient, other_patient
):
    factories.report_walk(patient)
    factories.report_walk(other_patient)
    factories.sign_in(client, clinic_admin)
    changelist = reverse("admin:patients_auditevent_changelist")

    page = client.get(changelist, {"subject__exact": "walk"})
    ours = AuditEvent.objects.get(patient_id=patient.pk, subject="walk")
    exported = client.post(changelist, {"action": "export_csv", "_selected_action": [ours.pk]})

    assert page.status_code == 200
    assert [str(row.pk) for row in page.context["cl"].result_list] == [str(ours.pk)]
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert rows[0][:3] == ["at", "actor", "action"]
    assert [row[5] for row in rows[1:]] == [str(patient.pk)]
    assert AuditEvent.objects.filter(subject="audit trail CSV", actor=clinic_admin.username)
    edit = client.get(reverse("admin:patients_auditevent_change", args=[ours.pk]))
    assert b"Save" not in edit.content
    other = AuditEvent.objects.filter(patient_id=other_patient.pk).first()
    assert client.get(reverse("admin:patients_auditevent_change", args=[other.pk])).status_code in (
        302,
        404,
    )


def test_clinicians_do_not_read_the_trail(client, clinician):
    factories.sign_in(client, clinician)

    response = client.get(reverse("admin:patients_auditevent_changelist"))

    assert response.status_code == 403


def test_the_audit_never_names_the_patient(client, patient, clinician):
    symptom_check_in_save(patient=patient, submission_key=None, pain_now=3)
    factories.sign_in(client, clinician)
    client.get(reverse("patient_record", args=[patient.pk]))

    texts = " ".join(" ".join(map(str, row)) for row in AuditEvent.objects.values_list())
    assert patient.user.username not in texts
    assert patient.user.first_name not in texts


def test_a_clinic_admin_finds_a_patients_events_by_name_and_sees_who_they_were(
    client, clinic_admin, patient, clinician
):
    second = factories.make_patient(patient.clinic, clinician, "Second")
    factories.report_walk(patient)
    factories.report_walk(second)
    factories.sign_in(client, clinic_admin)
    changelist = reverse("admin:patients_auditevent_changelist")

    page = client.get(changelist, {"q": patient.user.first_name, "subject__exact": "walk"})

    [event] = page.context["cl"].result_list
    assert event.patient_id == patient.pk
    assert f"{patient.user.get_full_name()} ({str(patient.pk)[:8]})" in page.content.decode()


def test_a_clinic_admin_sees_a_dashboard_view_as_a_count_and_finds_it_by_name_or_id(
    client, clinic_admin, clinician, patient
):
    factories.make_patient(patient.clinic, clinician, "Second")
    factories.sign_in(client, clinician)
    client.get(reverse("staff_home"))
    dashboard = AuditEvent.objects.get(subject="dashboard")
    factories.sign_in(client, clinic_admin)
    changelist = reverse("admin:patients_auditevent_changelist")

    by_name = client.get(changelist, {"q": patient.user.first_name, "subject__exact": "dashboard"})
    by_id = client.get(changelist, {"q": str(patient.pk), "subject__exact": "dashboard"})
    stranger = client.get(changelist, {"q": str(uuid.uuid4()), "subject__exact": "dashboard"})

    assert list(by_name.context["cl"].result_list) == [dashboard]
    assert list(by_id.context["cl"].result_list) == [dashboard]
    assert not stranger.context["cl"].result_list
    assert "2 patients" in by_name.content.decode()
    detail = client.get(reverse("admin:patients_auditevent_change", args=[dashboard.pk]))
    assert patient.pk.hex in detail.content.decode()


# The FHIR API: every read names the client and the patients it was shown, in its clinic.


@pytest.fixture
def fhir_api(client, clinic, clinic_admin, patient, other_patient, clinic_template, clinician):
    factories.assign(patient, clinic_template, clinician, days_ago=3)
    factories.report_walk(patient)
    api_client, secret = make_api_client(clinic, clinic_admin)
    return api_client, Api(client, token_for(client, api_client, secret))


def api_events(api_client) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor=api_client.audit_label).order_by("id"))


def test_every_kind_of_api_read_is_audited_with_the_client_and_the_patients(
    fhir_api, patient, clinic
):
    api_client, api = fhir_api

    api.read("/fhir/R4/Patient")
    api.read(f"/fhir/R4/Patient/{patient.pk}")
    api.read(f"/fhir/R4/Patient/{patient.pk}/$everything")

    search, read, everything = api_events(api_client)
    assert api_client.client_id in api_client.audit_label
    assert {event.action for event in (search, read, everything)} == {AuditAction.VIEWED}
    assert {event.clinic_id for event in (search, read, everything)} == {clinic.pk}
    assert (search.subject, shown(search)) == ("FHIR Patient search", {patient.pk})
    assert (read.subject, read.patient_id) == ("FHIR Patient", patient.pk)
    assert (everything.subject, shown(everything)) == ("FHIR Patient $everything", {patient.pk})
    assert everything.detail.endswith("$everything")


def test_each_registered_type_is_audited_when_searched(fhir_api, patient):
    api_client, api = fhir_api
    for resource_type in fhir_sources.TYPES:
        before = len(api_events(api_client))
        found = api.read(f"/fhir/R4/{resource_type}")
        event = api_events(api_client)[before]
        assert event.subject == f"FHIR {resource_type} search"
        ids = {entry["resource"]["id"] for entry in found.get("entry", [])}
        assert not ids or shown(event) == {patient.pk}, resource_type


def test_reading_one_of_our_forms_is_audited_with_the_clinic_and_no_patient(fhir_api, clinic):
    api_client, api = fhir_api
    api.read("/fhir/R4/Questionnaire/symptom-check-in")
    (event,) = api_events(api_client)
    assert (event.subject, event.clinic_id, event.patient_id) == (
        "FHIR Questionnaire",
        clinic.pk,
        None,
    )


def test_an_empty_search_is_audited_too_and_a_refused_read_is_not_a_view(fhir_api, other_patient):
    api_client, api = fhir_api

    api.read("/fhir/R4/Patient", _id=str(uuid.uuid4()))
    api.read(f"/fhir/R4/Patient/{other_patient.pk}", status=404)

    (event,) = api_events(api_client)
    assert event.subject == "FHIR Patient search" and not event.patients_shown
    assert not AuditEvent.objects.concerning(other_patient.pk).filter(actor=api_client.audit_label)


def test_clinic_admins_see_their_clients_reads_in_the_admin_trail(
    client, fhir_api, clinic_admin, patient, other_clinic
):
    api_client, api = fhir_api
    api.read(f"/fhir/R4/Patient/{patient.pk}")
    api.read("/fhir/R4/Patient")
    other_admin = factories.make_staff("olga", other_clinic, StaffRole.CLINIC_ADMIN)
    changelist = reverse("admin:patients_auditevent_changelist")

    factories.sign_in(client, clinic_admin)
    page = client.get(changelist, {"q": api_client.client_id})

    subjects = {event.subject for event in page.context["cl"].result_list}
    assert subjects == {"FHIR Patient", "FHIR Patient search"}
    assert api_client.name in page.content.decode()
    client.logout()
    factories.sign_in(client, other_admin)
    assert not client.get(changelist, {"q": api_client.client_id}).context["cl"].result_list
