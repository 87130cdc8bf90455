"""Plan templates in the admin: validation with clear messages, duplicate and preview."""

import pytest
from django.urls import reverse

from programs.models import PlanTemplate, ladder_warnings
from tests import factories
from tests.admin_forms import stage, template_post

ADD_URL = reverse("admin:programs_plantemplate_add")


@pytest.fixture
def admin_client(client, clinician):
    factories.sign_in(client, clinician)
    return client


def errors_of(response) -> str:
    return response.content.decode()


def test_clinician_builds_a_template_with_ordered_stages(admin_client, clinic):
    data = template_post("Gentle", clinic, [stage(1, 5), stage(2, 10), stage(3, 15, 4)])

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 302
    template = PlanTemplate.objects.get(name="Gentle")
    assert template.clinic == clinic
    assert list(template.stages.values_list("minutes_per_session", flat=True)) == [5, 10, 15]


def test_a_template_needs_at_least_one_stage(admin_client, clinic):
    response = admin_client.post(ADD_URL, template_post("Empty", clinic, []))

    assert response.status_code == 200
    assert "A plan needs at least one stage." in errors_of(response)
    assert not PlanTemplate.objects.filter(name="Empty").exists()


def test_an_untouched_empty_stage_row_gets_the_same_clear_message(admin_client, clinic):
    form = admin_client.get(ADD_URL).context["inline_admin_formsets"][0].formset
    data = template_post("Empty", clinic, [])
    data["stages-TOTAL_FORMS"] = str(form.total_form_count())
    for field in ("terrain",):
        if form.forms[0][field].initial not in (None, False):
            data[f"stages-0-{field}"] = (
                "on" if form.forms[0][field].initial is True else form.forms[0][field].initial
            )

    response = admin_client.post(ADD_URL, data)

    assert "A plan needs at least one stage." in errors_of(response)
    assert "This field is required." not in errors_of(response)


def test_who_created_a_template_is_shown_not_editable(admin_client, clinic_template):
    url = reverse("admin:programs_plantemplate_change", args=[clinic_template.pk])

    form = admin_client.get(url).context["adminform"].form

    assert "created_by" not in form.fields


@pytest.mark.parametrize(
    ("bad_stage", "message"),
    [
        (stage(1, 0), "Ensure this value is greater than or equal to 1."),
        (stage(1, 91), "Ensure this value is less than or equal to 90."),
        (stage(1, 10, 8), "Ensure this value is less than or equal to 7."),
        (stage(1, 10, 0), "Ensure this value is greater than or equal to 1."),
        (stage(1, 10, weeks=13), "Ensure this value is less than or equal to 12."),
        (stage(1, 10, min_sessions_to_progress=7), "This stage plans 6 walks in all"),
    ],
)
def test_minutes_sessions_and_weeks_must_be_within_sensible_bounds(
    admin_client, clinic, bad_stage, message
):
    response = admin_client.post(ADD_URL, template_post("Bounds", clinic, [bad_stage]))

    assert response.status_code == 200
    assert message in errors_of(response)
    assert not PlanTemplate.objects.filter(name="Bounds").exists()


@pytest.mark.parametrize(
    ("positions", "message"),
    [
        ((1, 1), "Two stages have the same number."),
        ((1, 3), "Number the stages 1 to 2 in order, each number once (you have 1, 3)."),
        ((2, 3), "Number the stages 1 to 2 in order, each number once (you have 2, 3)."),
    ],
)
def test_stages_must_be_numbered_in_order(admin_client, clinic, positions, message):
    stages = [stage(position, 10) for position in positions]

    response = admin_client.post(ADD_URL, template_post("Gaps", clinic, stages))

    assert response.status_code == 200
    assert message in errors_of(response)
    assert not PlanTemplate.objects.filter(name="Gaps").exists()


def test_falling_minutes_are_saved_with_a_warning(admin_client, clinic):
    data = template_post("Dip", clinic, [stage(1, 15), stage(2, 10, terrain="mixed")])

    response = admin_client.post(ADD_URL, data, follow=True)

    assert PlanTemplate.objects.filter(name="Dip").exists()
    warnings = [m.message for m in response.context["messages"] if m.level_tag == "warning"]
    assert warnings == [
        "Minutes per walk fall from stage 1 to stage 2. That is allowed, but check it is what "
        "you meant."
    ]


def test_template_names_are_unique_within_a_clinic(admin_client, clinic, clinic_template):
    response = admin_client.post(
        ADD_URL, template_post(clinic_template.name, clinic, [stage(1, 10)])
    )

    assert response.status_code == 200
    assert "This clinic already has a template with this name." in errors_of(response)


def test_duplicating_the_shared_template_gives_the_clinic_an_editable_copy(
    admin_client, clinic, standard_template
):
    url = reverse("admin:programs_plantemplate_duplicate", args=[standard_template.pk])

    response = admin_client.post(url)

    copy = PlanTemplate.objects.get(name="Copy of Standard graded walking plan")
    assert response.status_code == 302
    assert response.url == reverse("admin:programs_plantemplate_change", args=[copy.pk])
    assert copy.clinic == clinic
    assert copy.stages.count() == 8
    assert admin_client.get(response.url).context["has_change_permission"] is True


def test_duplicate_needs_a_post(admin_client, standard_template):
    url = reverse("admin:programs_plantemplate_duplicate", args=[standard_template.pk])

    assert admin_client.get(url).status_code == 405
    assert PlanTemplate.objects.count() == 1


def test_duplicating_twice_gives_distinct_names(admin_client, standard_template):
    url = reverse("admin:programs_plantemplate_duplicate", args=[standard_template.pk])

    admin_client.post(url)
    admin_client.post(url)

    assert set(PlanTemplate.objects.values_list("name", flat=True)) == {
        "Standard graded walking plan",
        "Copy of Standard graded walking plan",
        "Copy 2 of Standard graded walking plan",
    }


def test_preview_shows_every_week_with_a_chart_and_a_table(admin_client, standard_template):
    url = reverse("admin:programs_plantemplate_preview", args=[standard_template.pk])

    response = admin_client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<rect ") == 16
    assert len(response.context["weeks"]) == 16
    assert response.context["weeks"][-1].minutes_per_week == 150
    assert "The whole plan takes 16 weeks." in page


def test_a_form_claiming_thousands_of_stages_is_refused_quickly(client, clinician):
    factories.sign_in(client, clinician)
    data = {
        "name": "Forged",
        "stages-TOTAL_FORMS": "5000",
        "stages-INITIAL_FORMS": "0",
        "stages-MIN_NUM_FORMS": "0",
        "stages-MAX_NUM_FORMS": "5000",
    }

    response = client.post(reverse("admin:programs_plantemplate_add"), data)

    assert response.status_code == 200
    assert len(response.context["inline_admin_formsets"][0].formset.forms) <= 30


def test_the_shipped_ladder_needs_no_second_look(standard_template):
    assert ladder_warnings(standard_template.stages.all()) == []


def test_a_big_jump_or_two_changes_at_once_are_worth_a_second_look(clinic):
    template = factories.make_template("Steep", clinic, ladder=((8, 3), (20, 3), (25, 4)))

    warnings = ladder_warnings(template.stages.all())

    assert warnings == [
        "Stage 2 asks for 12 more minutes per walk than stage 1 (8 to 20). A smaller step is "
        "easier to keep up.",
        "Stage 3 asks for longer walks and more of them at once. One change at a time is "
        "easier to keep up.",
    ]


def test_changing_a_stages_minutes_but_not_its_guidance_warns_on_save(
    client, clinician, clinic_template
):
    factories.sign_in(client, clinician)
    url = reverse("admin:programs_plantemplate_change", args=[clinic_template.pk])
    stages = [
        stage(1, 10, guidance="Guidance for stage 1"),
        stage(2, 12, guidance="Guidance for stage 2"),  # was 15
        stage(3, 20, guidance="Guidance for stage 3"),
    ]
    data = template_post("North ladder", clinic_template.clinic, stages)
    for index, row in enumerate(clinic_template.stages.order_by("position")):
        data[f"stages-{index}-id"] = str(row.pk)
        data[f"stages-{index}-template"] = str(clinic_template.pk)
    data["stages-INITIAL_FORMS"] = "3"

    response = client.post(url, data, follow=True)

    page = response.content.decode()
    assert "Stage 2 changed, but not its guidance for the patient" in page
    assert "Stage 1 changed" not in page


def test_a_superuser_who_is_a_clinic_admin_duplicates_into_their_clinic(
    client, clinic, standard_template
):
    """The demo's admin is both: the copy was shared with every clinic, and read-only."""
    boss = factories.make_staff("boss", clinic, "clinic_admin", is_superuser=True)
    factories.sign_in(client, boss)

    client.post(reverse("admin:programs_plantemplate_duplicate", args=[standard_template.pk]))

    assert PlanTemplate.objects.get(name__startswith="Copy of").clinic == clinic


def test_a_superuser_with_no_clinic_makes_a_shared_copy(client, superuser, standard_template):
    factories.sign_in(client, superuser)

    client.post(reverse("admin:programs_plantemplate_duplicate", args=[standard_template.pk]))

    assert PlanTemplate.objects.get(name__startswith="Copy of").clinic is None
