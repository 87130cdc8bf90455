"""Logging a walk: validation with clear messages, nothing lost, saved exactly once."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse

from patients.models import Flag, Notification, SymptomCheckIn, WalkLog, WalkLogRevision
from tests import factories
from tests.factories import assign

NEW = reverse("walk_new")


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


def walk(patient, **overrides) -> dict:
    data = {
        "submission": str(uuid.uuid4()),
        "walked_on": patient.clinic.today().isoformat(),
        "minutes": "10",
        "terrain": "flat",
        "pain_before": "3",
        "pain_after": "4",
        "pain_character": ["aching"],
        "pain_areas": ["lower_back"],
        "pain_side": "",
        "stopped_early": "no",
        "effort": "easy",
        "steps": "",
        "note": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_a_walk_is_saved_and_the_patient_sees_it_with_this_weeks_progress(
    patient_client, patient, clinician, standard_template
):
    assign(patient, standard_template, clinician)

    response = patient_client.post(NEW, walk(patient, note="Lovely morning"), follow=True)

    log = WalkLog.objects.get(patient=patient)
    assert (log.minutes, log.pain_before, log.pain_after, log.note) == (10, 3, 4, "Lovely morning")
    assert log.stage_position == 1
    assert response.redirect_chain[-1][0] == reverse("walk_detail", args=[log.pk])
    page = response.content.decode()
    assert "Your walk is saved. Thank you." in page
    assert "1 walk of 3 this week" in page
    assert log.revisions.get().action == "created"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minutes", "0", "Enter at least 1 minute."),
        ("minutes", "301", "Enter 300 minutes or fewer."),
        ("minutes", "-5", "Enter at least 1 minute."),
        ("minutes", "ten", "Enter the minutes as a number, like 10."),
        ("minutes", "9" * 40, "Enter 300 minutes or fewer."),
        ("minutes", None, "Enter how many minutes you walked."),
        ("pain_before", "11", "Choose a number from 0 to 10."),
        ("pain_after", "-1", "Choose a number from 0 to 10."),
        ("pain_after", None, "Choose your pain after the walk, from 0 to 10."),
        ("terrain", "lava", "Select a valid choice."),
        ("pain_character", ["telepathic"], "Select a valid choice."),
        ("walked_on", "31/02/2026", "Enter a real date"),
        ("walked_on", None, "Enter the date of the walk."),
        ("steps", "1000001", "less than or equal to 100000"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    patient_client, patient, field, value, message
):
    data = walk(patient)
    data.pop(field)
    if value is not None:
        data[field] = value

    response = patient_client.post(NEW, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WalkLog.objects.exists()


def test_a_walk_cannot_be_in_the_future(patient_client, patient):
    tomorrow = patient.clinic.today() + datetime.timedelta(days=1)

    response = patient_client.post(NEW, walk(patient, walked_on=tomorrow.isoformat()))

    assert "The date cannot be in the future." in response.content.decode()
    assert not WalkLog.objects.exists()


def test_back_dating_is_allowed_within_two_weeks_only(patient_client, patient):
    today = patient.clinic.today()
    allowed = walk(patient, walked_on=(today - datetime.timedelta(days=14)).isoformat())
    too_old = walk(patient, walked_on=(today - datetime.timedelta(days=15)).isoformat())

    assert patient_client.post(NEW, allowed).status_code == 302
    response = patient_client.post(NEW, too_old)

    assert "You can log walks from the last 14 days." in response.content.decode()
    assert WalkLog.objects.count() == 1


def test_an_error_keeps_every_answer_and_links_the_summary_to_the_field(patient_client, patient):
    data = walk(patient, minutes="0", note="Windy by the river", pain_after="7")
    data["pain_areas"] = ["thigh", "knee"]

    response = patient_client.post(NEW, data)

    page = response.content.decode()
    assert '<a href="#id_minutes">Enter at least 1 minute.</a>' in page
    assert "Windy by the river" in page
    chosen = re.search(r'<input[^>]*id="id_pain_after_7"[^>]*>', page).group(0)
    assert "checked" in chosen
    form = response.context["form"]
    assert form["pain_areas"].value() == ["thigh", "knee"]
    assert form["submission"].value() == data["submission"]


def test_a_double_click_or_retry_saves_the_walk_once(patient_client, patient):
    data = walk(patient)

    first = patient_client.post(NEW, data)
    second = patient_client.post(NEW, data)

    assert WalkLog.objects.count() == 1
    assert first.url == second.url


def test_two_different_forms_save_two_walks(patient_client, patient):
    patient_client.post(NEW, walk(patient))
    patient_client.post(NEW, walk(patient, minutes="12"))

    assert WalkLog.objects.count() == 2


def test_the_same_walk_sent_again_from_a_fresh_form_is_asked_about_not_saved_twice(
    patient_client, patient
):
    """The browser's Back button gives the form a new key but fills in every answer."""
    patient_client.post(NEW, walk(patient))

    asked = patient_client.post(NEW, walk(patient))

    assert WalkLog.objects.count() == 1
    page = asked.content.decode()
    assert "Is this another walk?" in page
    assert 'name="another_walk" value="on"' in page
    assert asked.context["form"]["minutes"].value() == "10"  # nothing typed is lost


def test_another_identical_walk_is_saved_when_the_patient_says_so(patient_client, patient):
    patient_client.post(NEW, walk(patient))

    patient_client.post(NEW, walk(patient, another_walk="on"))

    assert WalkLog.objects.count() == 2


def test_markup_in_a_note_is_shown_as_text(patient_client, patient):
    response = patient_client.post(
        NEW, walk(patient, note="<script>alert(1)</script>"), follow=True
    )

    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_form_opens_with_today_and_flat_ground_already_chosen(patient_client, patient):
    form = patient_client.get(NEW).context["form"]

    assert form["walked_on"].value() == patient.clinic.today()
    assert form["terrain"].value() == "flat"
    assert 'value="' + patient.clinic.today().isoformat() + '"' in str(form["walked_on"])


def test_staff_cannot_log_walks(client, clinician):
    factories.sign_in(client, clinician)

    assert client.get(NEW).status_code == 404
    assert WalkLogRevision.objects.count() == 0


def test_an_empty_submission_shows_errors_rather_than_a_blank_form(patient_client):
    response = patient_client.post(NEW, {})

    assert "There is a problem" in response.content.decode()
    assert not WalkLog.objects.exists()


@pytest.mark.parametrize("area", ["thigh", "below_knee", "foot", "hip", "knee"])
def test_a_leg_hip_knee_or_foot_needs_a_side(patient_client, patient, area):
    response = patient_client.post(NEW, walk(patient, pain_areas=[area], pain_side=""))

    assert not WalkLog.objects.exists()
    page = response.content.decode()
    assert "Choose which side you feel it on: left, right or both." in page
    assert 'href="#id_pain_side_0"' in page


def test_no_side_is_chosen_until_the_patient_chooses(patient_client):
    page = patient_client.get(NEW).content.decode()

    assert "Not in the legs" not in page
    side_inputs = re.findall(r'<input type="radio" name="pain_side"[^>]*>', page)
    assert len(side_inputs) == 3
    assert not any("checked" in tag for tag in side_inputs)


def test_back_pain_alone_needs_no_side(patient_client, patient):
    patient_client.post(NEW, walk(patient, pain_areas=["lower_back"], pain_side=""))

    assert WalkLog.objects.get().pain_side == ""


def both_legs_numb_with_no_minutes(patient) -> dict:
    return walk(
        patient,
        minutes="",
        pain_after="6",
        pain_character=["numbness"],
        pain_areas=["below_knee"],
        pain_side="both",
    )


def test_worrying_symptoms_on_a_walk_with_a_mistake_are_acted_on_at_once(patient_client, patient):
    """Minutes left blank, but numbness below the knee in both legs: urgent now, not later."""
    data = both_legs_numb_with_no_minutes(patient)

    response = patient_client.post(NEW, data)

    page = response.content.decode()
    assert not WalkLog.objects.exists()
    check_in = SymptomCheckIn.objects.get(patient=patient)
    assert check_in.from_walk_form and check_in.pain_now == 6
    assert Flag.objects.get(patient=patient, rule="both_legs").severity == "urgent"
    assert page.index("Get medical help now") < page.index("<h1>")
    assert "Your walk is not saved yet" in page
    assert "Enter how many minutes you walked." in page
    assert response.context["form"]["pain_side"].value() == "both"
    assert response["X-Report-Partly-Saved"] == "yes"  # for a phone sending it later


def test_the_corrected_walk_is_saved_without_telling_the_clinic_twice(patient_client, patient):
    data = both_legs_numb_with_no_minutes(patient)
    patient_client.post(NEW, data)
    patient_client.post(NEW, data)  # sent again, still with the mistake
    notified = Notification.objects.count()

    patient_client.post(NEW, {**data, "minutes": "12"})

    assert WalkLog.objects.get().minutes == 12
    assert SymptomCheckIn.objects.count() == 1
    flag = Flag.objects.get(rule="both_legs")
    assert Notification.objects.count() == notified
    assert {event.evidence["source"] for event in flag.events.all()} == {"check_in", "walk"}


def test_pain_after_a_walk_with_a_mistake_gets_its_advice_but_saves_nothing(
    patient_client, patient
):
    response = patient_client.post(NEW, walk(patient, minutes="", pain_after="7"))

    assert "Your pain went up on this walk" in response.content.decode()
    assert not SymptomCheckIn.objects.exists()


def test_numbness_in_both_legs_on_a_walk_gives_the_words_to_say_and_asks_the_questions(
    patient_client, patient
):
    data = walk(
        patient,
        minutes="",
        pain_character=["numbness"],
        pain_areas=["below_knee"],
        pain_side="both",
    )

    page = patient_client.post(NEW, data).content.decode()

    assert "New for me: numbness in both legs." in page
    assert "Answer the safety questions" in page
    assert SymptomCheckIn.objects.get().advice_shown_at is not None


def test_a_bad_walk_while_urgent_advice_stands_keeps_the_urgent_advice(patient_client, patient):
    factories.report_check_in(patient, "chest")

    response = patient_client.post(
        NEW, walk(patient, pain_after="9", pain_areas=["lower_back"]), follow=True
    )

    page = response.content.decode()
    assert "Get medical help now" in page
    assert "Take it a little easier" not in page


def test_asking_about_a_repeated_walk_saves_nothing_else(patient_client, patient):
    worrying = walk(patient, pain_after="9", pain_areas=["lower_back"])
    patient_client.post(NEW, worrying)
    flags = Flag.objects.count()

    patient_client.post(NEW, {**worrying, "submission": str(uuid.uuid4())})

    assert WalkLog.objects.count() == 1
    assert not SymptomCheckIn.objects.exists()
    assert Flag.objects.count() == flags


def test_the_walks_optional_detail_is_folded_until_something_in_it_is_answered(
    patient_client, patient
):
    folded = patient_client.get(NEW).content.decode()
    assert '<details class="more">' in folded

    with_note = walk(patient, note="Windy", minutes="0")
    reopened = patient_client.post(NEW, with_note).content.decode()
    assert '<details class="more" open>' in reopened
    assert "Windy" in reopened


def test_a_mistake_in_the_folded_part_opens_it_so_the_error_link_lands_on_the_field(
    patient_client, patient
):
    page = patient_client.post(NEW, walk(patient, steps="lots")).content.decode()

    assert '<details class="more" open>' in page
    assert 'href="#id_steps"' in page
