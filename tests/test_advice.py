"""The fixed advice: the same words for the same answers, the right number for the country."""

import pytest

from patients.advice import advice_for
from patients.models import Clinic, Country
from patients.rules import Finding, Rule, Severity


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


def test_no_findings_no_advice():
    assert advice_for([], Clinic(country="GB")) is None
