"""A patient takes all their data away; an administrator can erase a patient for good."""

import datetime
import json
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from patients.choices import Instrument, Limitation, Occasion
from patients.models import (
    AuditAction,
    AuditEvent,
    Flag,
    FollowUpQuestion,
    OutcomeResponse,
    OutcomeScore,
    Patient,
    WalkLog,
)
from patients.security import audit
from patients.services.outcomes import outcome_response_save
from patients.services.reports import morning_check_create
from tests import factories

User = get_user_model()


@pytest.fixture
def history(patient, clinician, standard_template):
    factories.assign(patient, standard_template, clinician)
    walk = factories.report_walk(
        patient,
        pain_after=6,
        pain_character=["electric_shock"],
        pain_areas=["thigh"],
        pain_side="left",
        note="Walked to the <b>park</b>",
    )
    morning_check_create(log=walk, feeling="usual", pain_now=2)
    factories.report_check_in(patient, pain_now=4)
    FollowUpQuestion.objects.create(
        patient=patient,
        discharged_on=datetime.date(2026, 1, 5),
        month=1,
        due_on=datetime.date(2026, 2, 4),
        recipient=patient.user.email,
        answered_at=timezone.now(),
        back_pain_over_a_day=True,
        limitation=Limitation.A_LOT,
    )
    outcome_response_save(
        patient=patient,
        occasion=Occasion.START,
        due_on=patient.clinic.today(),
        submission_key=uuid.uuid4(),
        answers={Instrument.PSFS: [{"activity": "Gardening", "rating": 4}], Instrument.NPRS: 6},
        by=patient.user,
    )
    return walk


def test_a_patient_downloads_everything_held_about_them(client, patient, history):
    factories.sign_in(client, patient.user)

    response = client.get(reverse("my_data"))

    assert response["Content-Disposition"].startswith('attachment; filename="my-stepwise-data-')
    data = json.loads(response.content)
    assert data["about you"]["email"] == patient.user.email
    assert data["about you"]["usual pain (0-10)"] == patient.usual_pain
    assert data["walking plans"][0]["stages"]
    [walk] = data["walks"]
    assert walk["note"] == "Walked to the <b>park</b>"
    assert walk["next-morning check"]["pain now (0-10)"] == 2
    assert len(data["symptom check-ins"]) == 1
    assert data["flags your clinic reviewed"][0]["history"]
    [questionnaire] = data["questionnaires about your back"]
    assert questionnaire["occasion"] == "At the start"
    scores = {score["instrument"]: score for score in questionnaire["scores"]}
    assert scores["Patient-Specific Functional Scale"]["item answers"] == {
        "activities": [{"activity": "Gardening", "rating": 4}]
    }
    assert scores["Pain intensity (0-10), average over the last week"]["score"] == "6.00"
    [follow_up] = data["follow-up questions after your program"]
    assert follow_up["how much it limited usual activities"] == "A lot"
    assert follow_up["month after discharge"] == 1
    assert "attempts" not in follow_up
    export = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert (export.actor, export.patient_id) == ("the patient", patient.pk)


def test_staff_have_no_personal_download(client, clinician):
    factories.sign_in(client, clinician)

    assert client.get(reverse("my_data")).status_code == 404


def test_erasing_a_patient_removes_them_and_keeps_the_audit_of_it(
    patient, other_patient, clinician, clinic_admin, history, settings
):
    erased_id, username = patient.pk, patient.user.username
    audit.record_views(by=clinician, subject="dashboard", patients=[patient, other_patient])
    audit_before = AuditEvent.objects.concerning(erased_id).count()

    call_command(
        "erase_patient",
        str(erased_id),
        by=clinic_admin.username,
        reason="Request ref 114",
        yes=True,
    )

    assert not Patient.objects.filter(pk=erased_id).exists()
    assert not User.objects.filter(username=username).exists()
    assert not WalkLog.objects.filter(patient_id=erased_id).exists()
    assert not Flag.objects.filter(patient_id=erased_id).exists()
    assert not OutcomeResponse.objects.filter(patient_id=erased_id).exists()
    assert not OutcomeScore.objects.filter(response__patient_id=erased_id).exists()
    assert not FollowUpQuestion.objects.filter(patient_id=erased_id).exists()
    assert Patient.objects.filter(pk=other_patient.pk).exists()
    trail = AuditEvent.objects.concerning(erased_id)
    assert trail.count() == audit_before + 1
    assert trail.filter(subject="dashboard").exists()
    erasure = trail.get(action=AuditAction.ERASED)
    assert (erasure.actor, erasure.detail) == (clinic_admin.username, "Request ref 114")


def test_erasing_asks_first_and_names_unknown_patients_plainly(patient, clinic_admin, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing was erased"):
        call_command("erase_patient", str(patient.pk), by=clinic_admin.username, reason="x")
    with pytest.raises(CommandError, match="No patient has the identifier nonsense"):
        call_command("erase_patient", "nonsense", by=clinic_admin.username, reason="x", yes=True)

    assert Patient.objects.filter(pk=patient.pk).exists()
