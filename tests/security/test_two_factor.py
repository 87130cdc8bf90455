"""Staff pass a second factor (an authenticator app code, or a recovery code) everywhere."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import AuditEvent
from patients.security import two_factor
from tests import factories
from tests.factories import PASSWORD
from tests.security import test_access_matrix

VERIFY = reverse("two_factor_verify")
MATRIX = test_access_matrix.MATRIX
world = test_access_matrix.world  # the access matrix's people and objects, as a fixture


def sign_in_with_password(client, user, next_page=""):
    data = {"username": user.username, "password": PASSWORD, "next": next_page}
    return client.post(reverse("login"), data, follow=True)


def test_staff_are_asked_for_a_code_after_their_password_and_then_land_on_their_page(
    client, clinician
):
    asked = sign_in_with_password(client, clinician)
    assert asked.redirect_chain[-1][0].startswith(VERIFY)
    assert "Enter your code" in asked.content.decode()

    done = client.post(asked.redirect_chain[-1][0], {"code": factories.current_code(clinician)})

    assert done.url == "/"
    assert client.get(reverse("staff_home")).status_code == 200


@pytest.mark.parametrize("debug", [True, False])
def test_no_staff_page_opens_before_the_second_factor_whatever_debug_says(
    client,
    world,
    settings,
    debug,
):
    settings.DEBUG = debug
    people, arguments = world
    client.force_login(people["clinician_1"])  # a password, but no code yet
    open_pages = {"logout", "two_factor_verify", "two_factor_setup"}

    for name, (method, _answers) in MATRIX.items():
        if name in open_pages:
            continue
        response = getattr(client, method)(reverse(name, args=arguments.get(name, [])))
        assert response.status_code == 302, name
        assert response.url.startswith(VERIFY), name


def test_the_django_admin_needs_the_second_factor_too(client, clinic_admin):
    asked = sign_in_with_password(client, clinic_admin, next_page=reverse("admin:index"))
    assert asked.redirect_chain[-1][0].startswith(VERIFY)
    assert client.get(reverse("admin:patients_patient_changelist")).status_code == 302

    done = client.post(asked.redirect_chain[-1][0], {"code": factories.current_code(clinic_admin)})

    assert done.url == reverse("admin:index")
    assert client.get(reverse("admin:patients_patient_changelist")).status_code == 200


def test_a_wrong_code_says_what_to_do_and_lets_nobody_in(client, clinician):
    sign_in_with_password(client, clinician)

    response = client.post(VERIFY, {"code": "000000"})

    assert "That code did not work. Wait for a new code" in response.content.decode()
    assert client.get(reverse("staff_home")).url.startswith(VERIFY)


def test_repeated_wrong_codes_slow_the_guesser_down(client, clinician):
    sign_in_with_password(client, clinician)
    for _ in range(3):
        client.post(VERIFY, {"code": "000000"})

    # Even the right code waits out the delay that django-otp doubles after each miss.
    response = client.post(VERIFY, {"code": factories.current_code(clinician)})

    assert "Too many wrong codes. Wait a minute" in response.content.decode()
    assert client.get(reverse("staff_home")).url.startswith(VERIFY)


def test_a_new_staff_member_sets_up_an_app_and_gets_recovery_codes_once(client, clinic):
    newcomer = factories.make_staff("nell", clinic, second_factor=False)

    asked = sign_in_with_password(client, newcomer)
    page = asked.content.decode()
    assert asked.redirect_chain[-1][0].startswith(reverse("two_factor_setup"))
    assert "<svg" in page and "Cannot scan it?" in page
    device = TOTPDevice.objects.get(user=newcomer)

    wrong = client.post(asked.redirect_chain[-1][0], {"code": "123456", "password": PASSWORD})
    assert "That code did not work" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    device.throttle_reset()
    confirmed = client.post(
        asked.redirect_chain[-1][0],
        {"code": two_factor.current_code(device), "password": PASSWORD},
        follow=True,
    )
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", confirmed.content.decode())
    assert len(codes) == two_factor.RECOVERY_CODE_COUNT
    assert set(codes) == set(StaticToken.objects.values_list("token", flat=True))
    assert client.get(reverse("staff_home")).status_code == 200
    assert not re.findall(r"<code>", client.get(reverse("recovery_codes")).content.decode())


def test_a_recovery_code_works_once(client, clinician):
    codes = two_factor.recovery_codes_replace(clinician)

    sign_in_with_password(client, clinician)
    first = client.post(VERIFY, {"code": codes[0].upper()[:4] + " " + codes[0][4:]})
    client.post(reverse("logout"))
    sign_in_with_password(client, clinician)
    again = client.post(VERIFY, {"code": codes[0]})

    assert first.status_code == 302
    assert "That code did not work" in again.content.decode()


def test_new_recovery_codes_replace_the_old_ones(client, clinician):
    old = two_factor.recovery_codes_replace(clinician)
    factories.sign_in(client, clinician)

    client.post(reverse("recovery_codes"))
    page = client.get(reverse("recovery_codes")).content.decode()

    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new) == two_factor.RECOVERY_CODE_COUNT
    assert not set(old) & set(StaticToken.objects.values_list("token", flat=True))


def test_patients_are_not_asked_unless_they_turned_it_on(client, patient):
    response = client.post(
        reverse("login"), {"username": patient.user.username, "password": PASSWORD}
    )
    assert response.url == "/"
    client.post(reverse("logout"))
    factories.enrol_second_factor(patient.user)

    asked = client.post(
        reverse("login"), {"username": patient.user.username, "password": PASSWORD}, follow=True
    )

    assert asked.redirect_chain[-1][0].startswith(VERIFY)


def test_the_next_page_after_the_code_stays_on_this_site(client, clinician):
    sign_in_with_password(client, clinician)

    response = client.post(
        f"{VERIFY}?next=https://elsewhere.example/",
        {"code": factories.current_code(clinician)},
    )

    assert response.url == "/"


def test_demo_code_prints_the_current_code_only_with_debug_on(clinician, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("demo_code", clinician.username)

    settings.DEBUG = True
    out = StringIO()
    call_command("demo_code", clinician.username.upper(), stdout=out)

    assert out.getvalue().strip() == factories.current_code(clinician)


def test_a_clinician_turns_off_a_patients_two_step_sign_in_when_their_phone_is_lost(
    client, clinician, patient
):
    factories.enrol_second_factor(patient.user)
    factories.sign_in(client, clinician)

    client.post(
        reverse("admin:patients_patient_changelist"),
        {"action": "turn_off_second_factor", "_selected_action": [patient.pk]},
    )
    client.post(reverse("logout"))
    response = client.post(
        reverse("login"), {"username": patient.user.username, "password": PASSWORD}
    )

    assert response.url == "/"
    assert not TOTPDevice.objects.filter(user=patient.user).exists()
    assert AuditEvent.objects.filter(patient_id=patient.pk, subject="two-step sign-in").exists()


def test_a_patient_can_open_setup_in_the_app_on_their_phone_or_go_back(client, patient):
    factories.sign_in(client, patient.user)

    page = client.get(reverse("two_factor_setup")).content.decode()

    assert 'href="otpauth://totp/Stepwise%3A' in page
    assert "Not now: back to my walks" in page


def test_enrolling_a_new_app_needs_the_password_again(client, clinic):
    newcomer = factories.make_staff("nell", clinic, second_factor=False)
    asked = sign_in_with_password(client, newcomer)
    device = TOTPDevice.objects.get(user=newcomer)

    refused = client.post(
        asked.redirect_chain[-1][0],
        {"code": two_factor.current_code(device), "password": "a-guess"},
    )

    assert "That is not your password" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_a_reset_signs_the_person_out_everywhere(client, clinician, clinic_admin):
    """A session left signed in cannot enrol its own app after a lost-phone reset."""
    factories.sign_in(client, clinician)
    assert client.get(reverse("staff_home")).status_code == 200

    two_factor.reset(clinician)

    assert client.get(reverse("staff_home")).status_code == 302  # to sign in again
    assert client.get(reverse("two_factor_setup")).url.startswith(reverse("login"))
