"""Every response carries a strict Content Security Policy and the other browser policies."""

import re

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_responses_carry_a_strict_content_security_policy(client, db, url):
    response = client.get(url)

    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_responses_deny_browser_features_framing_and_leaky_referrers(client, patient):
    factories.sign_in(client, patient.user)

    response = client.get(reverse("patient_week"))

    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_page_has_inline_script_or_style(client, patient):
    factories.sign_in(client, patient.user)

    for url in (reverse("patient_week"), reverse("walk_new"), reverse("history")):
        page = client.get(url).content.decode()
        # Only this site's script files, each empty: nothing inline, nothing from elsewhere.
        scripts = re.findall(r"<script[^>]*>.*?</script>", page, flags=re.DOTALL)
        assert page.count("<script") == len(scripts), url
        own_file = re.compile(r'<script src="/static/[^"]+" defer></script>')
        assert all(own_file.fullmatch(tag) for tag in scripts), url
        assert "style=" not in page and "<style" not in page, url


def test_a_form_sent_in_another_character_set_is_a_bad_request_not_a_server_error(client, patient):
    """Any CSRF cookie and a UTF-16 body once answered 500 with an empty page."""
    client.raise_request_exception = False
    client.cookies["csrftoken"] = "x" * 32
    # The test client encodes the body in the character set the content type names.
    response = client.post(
        reverse("login"),
        "username=a&password=b",
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )

    assert response.status_code == 400


def test_a_nul_in_any_address_parameter_is_a_bad_request(client, clinician):
    client.raise_request_exception = False
    factories.sign_in(client, clinician)

    response = client.get(
        reverse("admin:patients_patient_changelist"), {"leg_symptoms__exact": "\x00"}
    )

    assert response.status_code == 400
