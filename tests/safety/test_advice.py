"""The fixed advice: the same words for the same answers, the right number for the country."""

import pytest

from patients.choices import Rule, Severity
from patients.models import Clinic, Country, SymptomCheckIn
from patients.safety.advice import (
    advice_for,
    emergency_line,
    standing_advice,
    symptoms_in_both_legs,
)
from patients.safety.rules import Finding
from tests import factories


def finding(rule, severity, ask=False) -> Finding:
    return Finding(rule, severity, "summary", ask_cauda_equina=ask)


@pytest.mark.parametrize(
    ("country", "number"),
    [
        ("GB", "999"),
        ("US", "911"),
        ("CA", "911"),
        ("IE", "112"),
        ("EU", "112"),
        ("AU", "000"),
        ("NZ", "111"),
    ],
)
def test_urgent_advice_names_the_national_emergency_number(country, number):
    advice = advice_for([finding(Rule.CAUDA_EQUINA, Severity.URGENT)], Clinic(country=country))

    assert f"call {number}." in advice.steps[0]
    assert advice.is_urgent


def test_every_country_offered_has_an_emergency_number():
    for country in Country:
        assert Clinic(country=country).emergency_number.isdigit()


def test_the_most_severe_finding_decides_the_advice():
    findings = [finding(Rule.CHEST, Severity.URGENT), finding(Rule.OVERUSE, Severity.INFO)]

    assert advice_for(findings, Clinic(country="GB")).title == "Get medical help now"


def test_a_finding_that_needs_the_cauda_equina_questions_asks_for_them():
    gb = Clinic(country="GB")
    advice = advice_for([finding(Rule.SPREADING, Severity.REVIEW, ask=True)], gb)

    assert advice.ask_cauda_equina
    # The questions come with the same advice, not instead of it.
    assert advice.steps == advice_for([finding(Rule.SPREADING, Severity.REVIEW)], gb).steps


def test_information_without_advice_of_its_own_gets_the_walking_advice():
    advice = advice_for([finding(Rule.WALK_PROVOKED, Severity.INFO)], Clinic(country="GB"))

    assert advice.title == "Your pain went up on this walk"


# Each kind of advice, word for word: what the patient reads is safety text a clinician
# signed off (DESIGN.md), so a lost or changed step ("contact your clinic", the number to
# call) must fail a test. GB has a national non-emergency line; the US does not.
ADVICE_WORDS = {
    (Severity.URGENT, "", Country.GB): (
        "Get medical help now",
        [
            "Go to an emergency department now, or call 999. Do not wait to hear from your clinic.",
            "Some of your answers can be a sign of a problem that needs checking urgently.",
            "Stop your walking plan until a doctor has seen you.",
        ],
    ),
    (Severity.SAME_DAY, "", Country.GB): (
        "Contact your GP or clinic today",
        [
            "Contact your GP or your clinic today. If you cannot reach them, call 111.",
            "Do not walk again until you have spoken to them.",
            "If you get worse, call 999.",
        ],
    ),
    (Severity.SAME_DAY, "", Country.US): (
        "Contact your GP or clinic today",
        [
            "Contact your GP or your clinic today, or your out-of-hours medical service.",
            "Do not walk again until you have spoken to them.",
            "If you get worse, call 911.",
        ],
    ),
    (Severity.REVIEW, "", Country.GB): (
        "Take it a little easier",
        [
            "Your answers have been flagged for your clinic to review.",
            "For now, walk shorter or slower, and repeat this stage rather than stepping up.",
            "If it gets worse, or you are worried, contact your clinic.",
        ],
    ),
    (Severity.INFO, "walk", Country.GB): (
        "Your pain went up on this walk",
        [
            "Next time, walk a little shorter or slower.",
            "On the morning after this walk, we will ask how your back feels.",
        ],
    ),
    (Severity.INFO, "morning", Country.GB): (
        "Your back has not settled since your walk",
        [
            "Next time, walk a little shorter or slower, and stay at this stage for now.",
            "If it gets worse, or you are worried, contact your clinic.",
        ],
    ),
    (Severity.INFO, "joints", Country.GB): (
        "New hip, knee or foot pain",
        [
            "This can come from walking more. Wear comfortable, supportive shoes.",
            "Keep to flat ground and walk a little shorter until it settles.",
        ],
    ),
}


@pytest.mark.parametrize(("kind", "words"), ADVICE_WORDS.items())
def test_each_advice_reads_word_for_word_and_says_what_to_do_next(kind, words):
    severity, which, country = kind
    title, steps = words
    clinic = Clinic(name="North", country=country)

    advice = advice_for([Finding(Rule.WALK_PROVOKED, severity, "s", advice=which)], clinic)

    assert advice.title == title
    assert advice.severity == severity
    assert advice.steps == steps


def test_no_findings_no_advice():
    assert advice_for([], Clinic(country="GB")) is None


@pytest.mark.parametrize(
    ("yes", "words"),
    [
        (["bowel"], "New for me: not feeling or not controlling my bowels."),
        (["sexual"], "New for me: a change in sexual feeling or function."),
        (["saddle", "bladder"], "New for me: numbness or a changed feeling around my genitals"),
    ],
)
def test_the_line_to_show_at_the_emergency_department_reads_as_a_sentence(patient, yes, words):
    check_in = factories.report_check_in(patient, *yes)

    line = emergency_line(check_in)

    assert line.startswith("I have back pain and I may have cauda equina syndrome.")
    assert words in line


def test_the_emergency_line_names_every_symptom_and_when_they_started(patient):
    check_in = factories.report_check_in(patient, "saddle", "bladder", symptoms_started="recent")

    assert emergency_line(check_in) == (
        "I have back pain and I may have cauda equina syndrome. New for me: numbness or a "
        "changed feeling around my genitals, bottom or inner thighs; trouble passing or "
        "controlling urine. They started in the last 2 weeks."
    )


def test_the_emergency_line_leaves_out_an_unanswered_start(patient):
    check_in = factories.report_check_in(patient, "bowel")

    assert emergency_line(check_in) == (
        "I have back pain and I may have cauda equina syndrome. New for me: not feeling or not "
        "controlling my bowels."
    )


def test_no_cauda_equina_answer_no_emergency_line(patient):
    assert emergency_line(factories.report_check_in(patient, pain_now=5)) == ""


@pytest.mark.parametrize(
    ("side", "areas", "character", "symptoms"),
    [
        ("both", ["thigh"], ["aching"], {"both_legs"}),
        ("both", ["below_knee"], ["numbness"], {"both_legs_numb"}),
        ("both", ["lower_back"], ["aching"], set()),  # both sides of the back, not the legs
        ("left", ["thigh"], ["aching"], set()),
    ],
)
def test_both_legs_ticked_on_the_form_count_as_the_both_legs_questions(
    side, areas, character, symptoms
):
    check_in = SymptomCheckIn(pain_side=side, pain_areas=areas, pain_character=character)

    assert symptoms_in_both_legs(check_in) == symptoms


def test_standing_advice_is_about_this_patients_own_flags(patient, other_patient):
    factories.report_check_in(other_patient, "saddle")

    assert standing_advice(patient) is None
    assert standing_advice(other_patient).is_urgent
