"""Hostile input to signing in, password reset and change, and invitation links."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from hypothesis import example, given
from hypothesis import strategies as st

from tests import factories
from tests.factories import PASSWORD
from tests.fuzz import (
    answered,
    fuzz_settings,
    hostile_client,
    never_raw,
    rolled_back,
    shows_form_errors,
    texts,
    url_with,
    values,
)

passwords = st.one_of(texts, values, st.just(PASSWORD), st.just("a-new-long-passphrase-42"))


def form_answer(response, allowed=frozenset({200, 302})):
    answered(response, set(allowed))
    if response.status_code == 200:
        assert shows_form_errors(response)
    return response


@pytest.fixture
def anonymous(client):
    return hostile_client(client)


@pytest.fixture
def token(patient, clinician):
    return factories.invite(patient, clinician)


@fuzz_settings
@given(username=st.one_of(texts, st.just("alice@example.com")), password=passwords)
@example(username="x" * 5000, password="0")  # was a 500 where failed sign-ins are recorded
def test_signing_in_with_anything_is_refused_clearly(anonymous, patient, username, password):
    with rolled_back():  # each example one attempt, so no lockout builds up
        response = anonymous.post(reverse("login"), {"username": username, "password": password})
        form_answer(response)
        never_raw(response.content.decode(), username)


def test_an_over_long_username_is_refused_before_any_account_is_looked_up(anonymous):
    response = anonymous.post(reverse("login"), {"username": "x" * 151, "password": "0"})

    assert response.status_code == 200
    assert "at most 150 characters" in response.context["form"].errors["username"][0]
    assert "The username or password is not right" in response.content.decode()


@fuzz_settings
@given(email=st.one_of(texts, values, st.just("alice@example.com")))
def test_asking_for_a_password_reset_with_anything(anonymous, patient, email):
    with rolled_back():
        form_answer(anonymous.post(reverse("password_reset"), {"email": email}))


@fuzz_settings
@given(uidb64=st.one_of(texts, values), link_token=st.one_of(texts, values))
@example(uidb64=urlsafe_base64_encode(str(2**70).encode()), link_token="x")
@example(uidb64=urlsafe_base64_encode(b"\x00"), link_token="x")
def test_any_password_reset_link_is_answered(anonymous, patient, uidb64, link_token):
    url = url_with("password_reset_confirm", uidb64, link_token)
    answered(anonymous.get(url), {200, 404})


@fuzz_settings
@given(first=passwords, second=passwords)
def test_setting_a_password_from_a_reset_link_with_anything(anonymous, patient, first, second):
    user = patient.user
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    link = reverse(
        "password_reset_confirm", args=[uidb64, default_token_generator.make_token(user)]
    )
    with rolled_back():
        form_page = answered(anonymous.get(link), {302})
        response = anonymous.post(form_page.url, {"new_password1": first, "new_password2": second})
        form_answer(response)


@fuzz_settings
@given(old=passwords, first=passwords, second=passwords)
def test_changing_a_password_with_anything(anonymous, patient, old, first, second):
    factories.sign_in(anonymous, patient.user)
    data = {"old_password": old, "new_password1": first, "new_password2": second}
    with rolled_back():
        form_answer(anonymous.post(reverse("password_change"), data))


@fuzz_settings
@given(link_token=st.one_of(texts, values))
def test_any_invitation_link_is_not_found(anonymous, token, link_token):
    response = answered(anonymous.get(url_with("invitation_accept", link_token)), {404})
    never_raw(response.content.decode(), link_token)


@fuzz_settings
@given(first=passwords, second=passwords)
def test_accepting_an_invitation_with_any_password(anonymous, token, first, second):
    url = reverse("invitation_accept", args=[token])
    with rolled_back():
        response = anonymous.post(url, {"new_password1": first, "new_password2": second})
        form_answer(response)
