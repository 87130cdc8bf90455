"""In the admin a clinician sees and edits only their clinic's records; a superuser sees all."""

import pytest
from django.urls import reverse

from programs.models import PlanTemplate
from tests import factories
from tests.admin_forms import stage, template_post
from tests.factories import assign


def changelist(client, model: str):
    return client.get(reverse(f"admin:{model}_changelist"))


def change_url(model: str, obj) -> str:
    return reverse(f"admin:{model}_change", args=[obj.pk])


def test_clinician_lists_only_their_clinics_patients(client, clinician, patient, other_patient):
    factories.sign_in(client, clinician)

    response = changelist(client, "patients_patient")

    assert list(response.context["cl"].queryset) == [patient]


@pytest.mark.parametrize("model", ["patients_patient", "programs_planassignment"])
def test_another_clinics_record_does_not_open(
    client, clinician, other_patient, other_clinician, other_clinic_template, model
):
    plan = assign(other_patient, other_clinic_template, other_clinician)
    target = other_patient if model == "patients_patient" else plan
    factories.sign_in(client, clinician)

    response = client.get(change_url(model, target), follow=True)

    page = response.content.decode()
    assert "doesn’t exist" in page
    assert str(other_patient) not in page


def test_another_clinics_patient_cannot_be_changed_by_post(client, clinician, other_patient):
    factories.sign_in(client, clinician)

    client.post(change_url("patients_patient", other_patient), {"usual_pain": "9"})

    other_patient.refresh_from_db()
    assert other_patient.usual_pain == 3


def test_clinician_sees_own_and_shared_templates_but_not_another_clinics(
    client, clinician, clinic_template, other_clinic_template, standard_template
):
    factories.sign_in(client, clinician)

    response = changelist(client, "programs_plantemplate")

    assert set(response.context["cl"].queryset) == {clinic_template, standard_template}


def test_shared_template_is_read_only_to_clinicians(client, clinician, standard_template):
    factories.sign_in(client, clinician)
    url = change_url("programs_plantemplate", standard_template)

    response = client.get(url)
    post = client.post(url, template_post("Hijacked", standard_template, [stage(1, 60)]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert post.status_code == 403
    standard_template.refresh_from_db()
    assert standard_template.name == "Standard graded walking plan"


def test_clinician_cannot_create_a_template_for_another_clinic(client, clinician, other_clinic):
    factories.sign_in(client, clinician)

    response = client.post(
        reverse("admin:programs_plantemplate_add"),
        template_post("Spy", other_clinic, [stage(1, 10)]),
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not PlanTemplate.objects.filter(name="Spy").exists()


def test_assignment_form_offers_only_the_clinics_patients_and_templates(
    client, clinician, patient, other_patient, clinic_template, other_clinic_template
):
    factories.sign_in(client, clinician)

    form = client.get(reverse("admin:programs_planassignment_add")).context["adminform"].form

    assert list(form.fields["patient"].queryset) == [patient]
    assert other_clinic_template not in form.fields["template"].queryset
    assert clinic_template in form.fields["template"].queryset


@pytest.mark.parametrize("kind", ["advance", "hold", "step_back", "pause", "resume", "end"])
def test_no_stage_action_on_another_clinics_plan_or_by_a_reviewer(
    client,
    clinician,
    reviewer,
    patient,
    other_patient,
    other_clinician,
    clinic_template,
    other_clinic_template,
    kind,
):
    """The admin's stage actions, each a plan transition: scoped as every other page."""
    theirs = assign(other_patient, other_clinic_template, other_clinician)
    ours = assign(patient, clinic_template, clinician)
    form = {**factories.seen_plan(theirs), "reason": "Not mine"}

    def stage_action(plan):
        url = reverse("admin:programs_planassignment_stage_change", args=[plan.pk, kind])
        return client.get(url).status_code, client.post(url, form).status_code

    factories.sign_in(client, clinician)
    assert stage_action(theirs) == (404, 404)
    factories.sign_in(client, reviewer)
    assert stage_action(ours) == (403, 403)
    assert [plan.changes.count() for plan in (theirs, ours)] == [1, 1]


def test_reviewer_may_look_but_not_change(client, reviewer, patient):
    factories.sign_in(client, reviewer)

    assert changelist(client, "patients_patient").status_code == 200
    response = client.get(change_url("patients_patient", patient))
    assert response.context["has_change_permission"] is False
    assert client.get(reverse("admin:patients_patient_add")).status_code == 403


def test_superuser_sees_every_clinic(client, superuser, patient, other_patient):
    factories.sign_in(client, superuser)

    response = changelist(client, "patients_patient")

    assert set(response.context["cl"].queryset) == {patient, other_patient}


def test_patients_never_get_into_the_admin(client, patient):
    factories.sign_in(client, patient.user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_flag_alone_is_not_enough_for_the_admin(client, patient):
    patient.user.is_staff = True
    patient.user.save()
    factories.sign_in(client, patient.user)

    assert client.get(reverse("admin:index")).status_code == 302


def test_clinician_cannot_see_user_accounts(client, clinician):
    factories.sign_in(client, clinician)

    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


@pytest.mark.parametrize(
    "model", ["patients_patient", "programs_planassignment", "programs_plantemplate"]
)
def test_list_filters_never_name_another_clinic(
    client, clinician, patient, other_patient, other_clinic_template, model
):
    factories.sign_in(client, clinician)

    page = changelist(client, model).content.decode()

    assert "South Clinic" not in page


def test_clinic_admin_can_attach_only_unassigned_or_own_staff(
    client, clinic_admin, clinician, other_clinician, superuser
):
    unattached = factories.make_staff("newbie", None)
    factories.sign_in(client, clinic_admin)

    form = client.get(reverse("admin:patients_staffmembership_add")).context["adminform"].form

    assert set(form.fields["user"].queryset) == {clinic_admin, clinician, unattached}
    assert [c.name for c in form.fields["clinic"].queryset] == ["North Clinic"]
