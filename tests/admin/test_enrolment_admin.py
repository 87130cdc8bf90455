"""Enrolling a patient and assigning their plan through the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from programs.models import PlanAssignment, StageChangeKind
from tests import factories
from tests.admin_forms import plan_post
from tests.factories import assign, seen_plan

User = get_user_model()
ENROL_URL = reverse("admin:patients_patient_add")
ASSIGN_URL = reverse("admin:programs_planassignment_add")


def enrolment(clinic, clinician, **overrides) -> dict:
    return {
        "first_name": "Nina",
        "last_name": "Park",
        "email": "Nina.Park@Example.com",
        "clinic": str(clinic.pk),
        "clinician": str(clinician.pk),
        "enrolled_on": timezone.localdate().isoformat(),
        "usual_pain": "4",
        "leg_symptoms": "left",
        "known_nerve_symptoms": ["pins_and_needles"],
        "known_joint_pain": ["knee"],
        "osteoporosis": "on",
        "cleared_to_exercise": "on",
        "goal": "Walk to work",
        "language": "en-gb",
        **overrides,
    }


@pytest.fixture
def staff_client(client, clinician):
    factories.sign_in(client, clinician)
    return client


def test_clinician_enrols_a_patient_with_their_baseline(staff_client, clinic, clinician):
    response = staff_client.post(ENROL_URL, enrolment(clinic, clinician))

    assert response.status_code == 302
    patient = Patient.objects.get(user__email="nina.park@example.com")
    assert (patient.clinic, patient.clinician, patient.usual_pain) == (clinic, clinician, 4)
    assert patient.leg_symptoms == "left"
    assert patient.known_nerve_symptoms == ["pins_and_needles"]
    assert patient.known_joint_pain == ["knee"]
    assert patient.osteoporosis and patient.cleared_to_exercise
    assert not patient.user.is_staff
    assert not patient.user.has_usable_password()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("usual_pain", "11", "less than or equal to 10"),
        ("usual_pain", "-1", "greater than or equal to 0"),
        ("usual_pain", "", "This field is required."),
        ("email", "not-an-email", "Enter a valid email address."),
        ("known_nerve_symptoms", ["aching"], "Select a valid choice."),
    ],
)
def test_enrolment_rejects_bad_values_with_a_clear_message(
    staff_client, clinic, clinician, field, value, message
):
    response = staff_client.post(ENROL_URL, enrolment(clinic, clinician, **{field: value}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Patient.objects.exists()


def test_enrolment_refuses_an_email_already_in_use(staff_client, clinic, clinician, patient):
    response = staff_client.post(ENROL_URL, enrolment(clinic, clinician, email=patient.user.email))

    assert "An account with this email address already exists." in response.content.decode()
    assert Patient.objects.count() == 1


def test_enrolment_refuses_a_clinician_from_another_clinic(
    staff_client, clinic, clinician, other_clinician
):
    response = staff_client.post(ENROL_URL, enrolment(clinic, other_clinician))

    assert response.status_code == 200
    assert not Patient.objects.exists()


def test_clinician_assigns_a_tailorable_copy_from_the_patient_page(
    staff_client, patient, standard_template
):
    patient_page = staff_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    assert f"{ASSIGN_URL}?patient={patient.pk}" in patient_page.content.decode()

    response = staff_client.post(
        ASSIGN_URL,
        {
            "patient": str(patient.pk),
            "template": str(standard_template.pk),
            "start_date": timezone.localdate().isoformat(),
            "start_position": "2",
        },
    )

    plan = PlanAssignment.objects.get(patient=patient)
    assert response.status_code == 302
    assert response.url == reverse("admin:programs_planassignment_change", args=[plan.pk])
    assert (plan.current_position, plan.stages.count()) == (2, 8)
    patient_page = staff_client.get(reverse("admin:patients_patient_change", args=[patient.pk]))
    assert (
        "Stage 2 of 8, week 1 of 2: walk 10 minutes on flat ground" in patient_page.content.decode()
    )


def test_assigning_a_second_plan_says_why_it_cannot(
    staff_client, patient, clinician, clinic_template
):
    assign(patient, clinic_template, clinician)

    response = staff_client.post(
        ASSIGN_URL,
        {
            "patient": str(patient.pk),
            "template": str(clinic_template.pk),
            "start_date": timezone.localdate().isoformat(),
            "start_position": "1",
        },
    )

    assert response.status_code == 200
    assert "already has a current plan" in response.content.decode()
    assert PlanAssignment.objects.count() == 1


def test_clinician_tailors_a_stage_of_the_patients_plan(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    data = {**plan_post(plan), "stages-0-minutes_per_session": "6"}

    response = staff_client.post(
        reverse("admin:programs_planassignment_change", args=[plan.pk]), data
    )

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert plan.stages.get(position=1).minutes_per_session == 6
    assert clinic_template.stages.get(position=1).minutes_per_session == 10


@pytest.mark.parametrize(
    ("kind", "position"), [("advance", 2), ("hold", 1), ("pause", 1), ("end", 1)]
)
def test_stage_actions_record_who_and_why(
    staff_client, patient, clinician, clinic_template, kind, position
):
    plan = assign(patient, clinic_template, clinician)
    url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, kind])

    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {**seen_plan(plan), "reason": "Reviewed in clinic"})

    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.current_position == position
    change = plan.changes.last()
    assert (change.kind, change.changed_by, change.reason) == (
        kind,
        clinician,
        "Reviewed in clinic",
    )


def test_a_stage_action_needs_a_reason(staff_client, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)
    url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, "advance"])

    response = staff_client.post(url, {**seen_plan(plan), "reason": ""})

    assert response.status_code == 200
    assert "Please say why" in response.content.decode()
    assert plan.changes.count() == 1


def test_only_possible_changes_are_offered(staff_client, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)
    page = reverse("admin:programs_planassignment_change", args=[plan.pk])

    offered = staff_client.get(page).context["stage_actions"]

    assert [kind for kind, _verb in offered] == ["advance", "hold", "pause", "end"]


def test_an_impossible_change_says_so_and_keeps_the_reason_typed(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, "resume"])

    assert "not possible for this plan now" in staff_client.get(url).content.decode()
    response = staff_client.post(url, {**seen_plan(plan), "reason": "Back from holiday"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "This plan is active, so that change is not possible." in page
    assert "Back from holiday" in page
    assert plan.changes.filter(kind=StageChangeKind.RESUME).count() == 0


def test_the_change_page_says_what_the_plan_is_now(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, "advance"])

    page = staff_client.get(url).content.decode()

    assert "Stage 1 of 3, week 1 of 2: walk 10 minutes on flat ground" in page
    assert 'value="Advance to the next stage"' in page


def test_history_reads_plainly_and_cannot_be_typed_in(
    staff_client, patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)
    services_advance(plan, clinician)

    page = staff_client.get(reverse("admin:programs_planassignment_change", args=[plan.pk]))

    html = page.content.decode()
    assert "Started at stage 1" in html
    assert "Advanced from stage 1 to stage 2" in html
    history = page.context["inline_admin_formsets"][1]
    assert history.formset.prefix == "changes"
    assert not history.has_add_permission
    assert reverse("admin:auth_user_change", args=[clinician.pk]) not in html


def services_advance(plan, clinician):
    from programs import services

    services.plan_advance(assignment=plan, by=clinician, reason="Green", today=timezone.localdate())


def test_stage_actions_on_another_clinics_plan_are_not_found(
    client, clinician, other_patient, other_clinician, other_clinic_template
):
    plan = assign(other_patient, other_clinic_template, other_clinician)
    factories.sign_in(client, clinician)
    url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, "advance"])

    assert client.post(url, {"reason": "x"}).status_code == 404
    assert plan.changes.count() == 1


def test_unknown_stage_action_is_not_found(staff_client, patient, clinician, clinic_template):
    plan = assign(patient, clinic_template, clinician)
    url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, "teleport"])

    assert staff_client.get(url).status_code == 404


def test_assign_form_tells_patients_with_the_same_name_apart(staff_client, clinic, clinician):
    from tests.factories import make_patient

    make_patient(clinic, clinician, "Sam")
    twin = make_patient(clinic, clinician, "Sam2")
    twin.user.first_name = "Sam"
    twin.user.save()

    page = staff_client.get(ASSIGN_URL).content.decode()

    assert "Sam Patient (sam@example.com)" in page
    assert "Sam Patient (sam2@example.com)" in page


def test_the_clinician_is_chosen_by_name_and_the_only_clinic_is_chosen_already(
    staff_client, clinic, clinician
):
    form = staff_client.get(ENROL_URL).context["adminform"].form

    assert form.initial["clinic"] == clinic.pk
    labels = [label for _value, label in form.fields["clinician"].choices]
    assert "Carol Staff" in labels
    assert "carol" not in labels
