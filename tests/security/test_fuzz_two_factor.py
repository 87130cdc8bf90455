"""Hostile input to the two-step sign-in pages: a clear error or a redirect, never a 500."""

from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import example, given
from hypothesis import strategies as st

from tests import factories
from tests.fuzz import answered, fuzz_settings, hostile_client, never_raw, rolled_back, texts

codes = st.one_of(texts, st.integers().map(str), st.just("123456"), st.just("abcd efgh"))
next_pages = st.one_of(texts, st.just("//elsewhere.example/"), st.just("javascript:alert(1)"))


def password_only(client, user):
    """Signed in with the password, the second step still to do."""
    client.force_login(user)
    assert client.session[SESSION_KEY]
    return hostile_client(client)


@fuzz_settings
@given(code=codes, next_page=next_pages)
@example(code="\x00", next_page="/")
def test_any_code_on_the_verify_page_is_refused_clearly_or_signs_in(
    client, clinician, code, next_page
):
    staff = password_only(client, clinician)
    with rolled_back():
        url = f"{reverse('two_factor_verify')}?next=1"
        response = answered(staff.post(url, {"code": code, "next": next_page}), {200, 302})
        if response.status_code == 302:
            assert response.url.startswith("/") and not response.url.startswith("//")
        else:
            assert "There is a problem" in response.content.decode()
            never_raw(response.content.decode(), code)


@fuzz_settings
@given(code=codes)
def test_any_code_on_the_setup_page_is_refused_clearly(client, clinic, code):
    with rolled_back():
        newcomer = factories.make_staff("nova", clinic, second_factor=False)
        staff = password_only(client, newcomer)
        form = {"code": code, "password": factories.PASSWORD}
        response = answered(staff.post(reverse("two_factor_setup"), form), {200, 302})
        if response.status_code == 200:
            assert "There is a problem" in response.content.decode()
            assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()


def test_a_double_submitted_code_signs_in_once_and_the_repeat_is_harmless(client, clinician):
    staff = password_only(client, clinician)
    code = factories.current_code(clinician)

    first = staff.post(reverse("two_factor_verify"), {"code": code})
    again = staff.post(reverse("two_factor_verify"), {"code": code})

    assert first.status_code == 302
    # Already signed in: the repeat is refused as a used code, and nothing is lost.
    assert again.status_code == 200
    assert "That code did not work" in again.content.decode()
    assert staff.get(reverse("staff_home")).status_code == 200
