"""The fixed advice: the same words for the same answers, the right number for the country."""

import pytest

from patients.choices import Rule, Severity
from patients.models import Clinic, Country
from patients.safety.advice import advice_for, emergency_line
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
    advice = advice_for([finding(Rule.SPREADING, Severity.REVIEW, ask=True)], Clinic(country="GB"))

    assert advice.ask_cauda_equina


# Each kind of advice, with the words that tell the patient what to do next. DESIGN.md's
# wording matters clinically: a mutation test showed no test read the information-only
# advice, so a lost step ("contact your clinic") would have gone unnoticed.
ADVICE_WORDS = {
    (Severity.URGENT, ""): ("Get medical help now", ["emergency department", "Stop your"]),
    (Severity.SAME_DAY, ""): ("Contact your GP or clinic today", ["Do not walk again"]),
    (Severity.REVIEW, ""): ("Take it a little easier", ["flagged for your clinic", "repeat"]),
    (Severity.INFO, "walk"): (
        "Your pain went up on this walk",
        ["shorter or slower", "we will ask how your back feels"],
    ),
    (Severity.INFO, "morning"): (
        "Your back has not settled since your walk",
        ["shorter or slower, and stay at this stage", "contact your clinic"],
    ),
    (Severity.INFO, "joints"): ("New hip, knee or foot pain", ["shoes", "flat ground"]),
}


@pytest.mark.parametrize(("kind", "words"), ADVICE_WORDS.items())
def test_each_advice_has_its_title_and_says_what_to_do_next(kind, words):
    severity, which = kind
    title, steps = words
    clinic = Clinic(name="North", country=Country.GB)

    advice = advice_for([Finding(Rule.WALK_PROVOKED, severity, "s", advice=which)], clinic)

    assert advice.title == title
    assert advice.severity == severity
    for step in steps:
        assert any(step in line for line in advice.steps), step


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
