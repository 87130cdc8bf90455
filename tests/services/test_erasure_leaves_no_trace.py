"""After an erasure, no column of any table holds the patient's name or email.

The patient is enrolled, changed and given a plan in the admin, signs in (once wrongly),
reports walks and a serious symptom, and their flag is acknowledged and resolved with a
note naming them and reviewed with another, before they are erased. Then every text
column of every table is searched, so a table added later that keeps a name is caught too.
"""

import json
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.models import Flag, Patient, StaffRole
from patients.services.enrolment import patient_email_change
from patients.services.flag_reviews import flag_review_add
from programs.models import PlanAssignment
from tests import factories
from tests.admin.test_enrolment_admin import ASSIGN_URL, ENROL_URL, enrolment
from tests.admin_forms import plan_post
from tests.factories import PASSWORD, report_check_in, report_walk, seen_flag, seen_plan

FIRST, LAST = "Zebedee", "Quarrington"
EMAIL, NEW_EMAIL = "zeb.q@erasure.example", "zeb.new@erasure.example"
TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField"}


def columns_holding(*needles: str) -> dict[str, int]:
    """Each "table.column" of a text-like type holding any needle, case-insensitively."""
    found = {}
    introspection, quote = connection.introspection, connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in introspection.table_names(cursor):
            for column in introspection.get_table_description(cursor, table):
                try:
                    kind = introspection.get_field_type(column.type_code, column)
                except KeyError:
                    continue
                if kind not in TEXT_TYPES:
                    continue
                for needle in needles:
                    # Names from the database's own catalogue, quoted.
                    cursor.execute(
                        f"SELECT count(*) FROM {quote(table)} "  # noqa: S608
                        f"WHERE LOWER(CAST({quote(column.name)} AS TEXT)) LIKE %s",
                        [f"%{needle.lower()}%"],
                    )
                    (count,) = cursor.fetchone()
                    if count:
                        found[f"{table}.{column.name} ({needle})"] = count
    return found


def sessions_naming(*needles: str) -> list[str]:
    """Sessions are stored signed and compressed; read, they may name a patient."""
    model = import_module(settings.SESSION_ENGINE).SessionStore.get_model_class()
    return [
        session.session_key
        for session in model.objects.all()
        if any(needle.lower() in str(session.get_decoded()).lower() for needle in needles)
    ]


def a_clinic_works_with(patient_client, staff_client, clinic, clinician, template) -> Patient:
    staff_client.post(
        ENROL_URL, enrolment(clinic, clinician, first_name=FIRST, last_name=LAST, email=EMAIL)
    )
    patient = Patient.objects.get(user__email=EMAIL)
    change = reverse("admin:patients_patient_change", args=[patient.pk])
    edit = enrolment(clinic, clinician, first_name=FIRST, last_name=LAST, email=EMAIL)
    assert staff_client.post(change, {**edit, "usual_pain": "5"}).status_code == 302
    assert patient.user.username == EMAIL
    staff_client.post(
        ASSIGN_URL,
        {
            "patient": str(patient.pk),
            "template": str(template.pk),
            "start_date": timezone.localdate().isoformat(),
            "start_position": "1",
        },
    )
    plan = PlanAssignment.objects.get(patient=patient)
    plan_url = reverse("admin:programs_planassignment_change", args=[plan.pk])
    tailored = {**plan_post(plan), "stages-0-minutes_per_session": "6"}
    assert staff_client.post(plan_url, tailored).status_code == 302
    hold = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, "hold"])
    reason = f"{FIRST} {LAST} asked to stay on this stage"
    assert staff_client.post(hold, {**seen_plan(plan), "reason": reason}).status_code == 302

    patient.user.set_password(PASSWORD)
    patient.user.save(update_fields=["password"])
    assert factories.password_signs_in(patient_client, EMAIL, PASSWORD)
    # Later, on another device, a typo: a failed attempt that no success has cleared.
    assert not factories.password_signs_in(Client(), EMAIL, "not-the-password")
    report_walk(patient)
    report_check_in(patient, "saddle")  # urgent: a flag, alert emails, the plan paused
    patient_email_change(patient=patient, email=NEW_EMAIL, by=patient.user)

    flag = Flag.objects.get(patient=patient)
    staff_client.post(reverse("flag_acknowledge", args=[flag.pk]), seen_flag(flag))
    note = f"Rang {FIRST} {LAST} ({EMAIL}): seen in A&E, fine"
    resolved = staff_client.post(
        reverse("flag_resolve", args=[flag.pk]),
        {**seen_flag(flag), "action": "refer", "note": note},
    )
    assert resolved.status_code == 302  # its message, naming them, waits in the session
    reviewer = factories.make_staff("rhea", clinic, StaffRole.REVIEWER)
    flag_review_add(flag=flag, by=reviewer, note=f"Reviewed: {FIRST} {LAST} was seen in time")
    return patient


@pytest.mark.django_db
def test_erasing_leaves_the_name_and_email_nowhere_in_the_database(
    client, clinic, clinician, clinic_template
):
    staff_client = Client()
    factories.sign_in(staff_client, clinician)
    patient = a_clinic_works_with(client, staff_client, clinic, clinician, clinic_template)
    needles = (FIRST, LAST, EMAIL, NEW_EMAIL)
    before = columns_holding(*needles)
    # Not an empty search: the name and email were in the admin's log, sign-in records,
    # the account, the plan's history and the flag's note.
    tables = {"django_admin_log", "axes_accessattempt", "axes_accesslog", "auth_user"}
    assert tables | {
        "patients_flag",
        "patients_flagreview",
        "programs_stagechange",
        "patients_patient",
    } <= {key.split(".")[0] for key in before}
    assert sessions_naming(*needles)
    admin_log = LogEntry.objects.count()

    call_command(
        "erase_patient", str(patient.pk), by=clinician.username, reason="ref 2026-114", yes=True
    )

    assert columns_holding(*needles) == {}
    assert sessions_naming(*needles) == []
    # Who did what when stays: the admin's entries are kept, without the description.
    assert LogEntry.objects.count() == admin_log
    assert staff_client.get(reverse("admin:index")).status_code == 200


def test_a_name_with_accents_goes_from_the_admin_history_written_as_json(clinic, clinician):
    """Django stores a change message as JSON, which writes "José" as "Jos\\u00e9"."""
    patient = factories.make_patient(clinic, clinician, "Jose")
    patient.user.first_name, patient.user.last_name = "José", "Núñez"
    patient.user.save()
    message = json.dumps([{"added": {"name": "plan", "object": "Standard plan for José Núñez"}}])
    LogEntry.objects.create(
        user=clinician,
        content_type=ContentType.objects.get_for_model(clinic),
        object_id=str(clinic.pk),
        object_repr=str(clinic),
        action_flag=CHANGE,
        change_message=message,
    )

    call_command(
        "erase_patient", str(patient.pk), by=clinician.username, reason="ref 2026-115", yes=True
    )

    assert not LogEntry.objects.filter(change_message__icontains="N\\u00fa\\u00f1ez").exists()
    assert not LogEntry.objects.filter(change_message__icontains="Núñez").exists()
