"""Repeated wrong passwords pause sign-in to that account; clinic admins can unlock it."""

from django.urls import reverse

from patients.models import AuditEvent, FailedSignIn
from tests import factories
from tests.factories import PASSWORD

LOGIN = reverse("login")


def fail(client, username: str, times: int = 1):
    response = None
    for _ in range(times):
        response = client.post(LOGIN, {"username": username, "password": "not-the-password"})
    return response


def test_five_wrong_passwords_pause_the_account_with_a_plain_message(client, patient):
    fourth = fail(client, patient.user.username, 4)
    fifth = fail(client, patient.user.username)

    assert "The username or password is not right" in fourth.content.decode()
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Sign-in paused" in page
    assert "Please try again in 15 minutes." in page
    assert reverse("password_reset") in page
    # Even the right password does not get in while the pause lasts.
    assert not factories.password_signs_in(client, patient.user.username, PASSWORD)


def test_changing_the_capitals_does_not_buy_more_guesses(client, patient):
    name = patient.user.username
    for variant in (name, name.upper(), name.title(), f" {name}", name.swapcase()):
        fail(client, variant)

    assert not factories.password_signs_in(client, name, PASSWORD)


def test_a_right_password_before_the_limit_clears_the_count(client, patient):
    fail(client, patient.user.username, 4)
    assert factories.password_signs_in(client, patient.user.username, PASSWORD)
    client.post(reverse("logout"))

    fail(client, patient.user.username, 4)

    assert factories.password_signs_in(client, patient.user.username, PASSWORD)


def test_one_account_locked_leaves_colleagues_on_the_same_address_alone(client, patient, clinician):
    fail(client, patient.user.username, 5)

    assert factories.password_signs_in(client, clinician.username, PASSWORD)


def test_a_clinic_admin_sees_and_unlocks_their_clinics_accounts_only(
    client, clinic_admin, patient, other_patient
):
    fail(client, patient.user.username, 5)
    fail(client, other_patient.user.username, 5)
    factories.sign_in(client, clinic_admin)
    changelist = reverse("admin:patients_failedsignin_changelist")

    listed = client.get(changelist)
    ours = FailedSignIn.objects.get(username=patient.user.username)
    unlocked = client.post(
        changelist, {"action": "unlock", "_selected_action": [ours.pk]}, follow=True
    )

    assert [row.username for row in listed.context["cl"].result_list] == [patient.user.username]
    assert "Unlocked 1 account. They can sign in again now." in unlocked.content.decode()
    # By account number: the username is the patient's email, which the audit never holds.
    event = AuditEvent.objects.get(subject="sign-in lock")
    assert event.detail == f"unlocked account {patient.user.pk}"
    client.post(reverse("logout"))
    assert factories.password_signs_in(client, patient.user.username, PASSWORD)
    assert not factories.password_signs_in(client, other_patient.user.username, PASSWORD)


def test_clinicians_cannot_unlock(client, clinician, patient):
    fail(client, patient.user.username, 5)
    factories.sign_in(client, clinician)

    response = client.get(reverse("admin:patients_failedsignin_changelist"))

    assert response.status_code == 403


def test_an_absurdly_long_name_at_the_admins_sign_in_is_refused_plainly(client, db):
    response = client.post(
        reverse("admin:login"), {"username": "x" * 5000, "password": "not-the-password"}
    )

    assert response.status_code == 200
    assert FailedSignIn.objects.get().username == "x" * 150


def test_the_admin_shows_a_lock_as_over_once_the_pause_has_passed(
    client, clinic_admin, patient, settings
):
    fail(client, patient.user.username, 5)
    factories.sign_in(client, clinic_admin)
    changelist = reverse("admin:patients_failedsignin_changelist")
    locked_now = client.get(changelist).context["cl"].model_admin.locked
    attempt = FailedSignIn.objects.get()

    assert locked_now(attempt)
    FailedSignIn.objects.filter(pk=attempt.pk).update(
        attempt_time=attempt.attempt_time - settings.AXES_COOLOFF_TIME
    )
    attempt.refresh_from_db()
    assert not locked_now(attempt)
    assert factories.password_signs_in(client, patient.user.username, PASSWORD)


def test_a_name_the_database_folds_to_the_account_counts_against_it(client, patient):
    """PostgreSQL's case folding matches "ı" (dotless i) to "I": each spelling sign-in
    accepts for the account must count against the account, not buy five more guesses."""
    name = patient.user.username  # alice@example.com
    folded = name.replace("i", "ı")
    signs_in_as_patient = factories.password_signs_in(client, folded, PASSWORD)
    client.post(reverse("logout"))

    # Five failures against the account: on PostgreSQL two of them spelt with "ı".
    other_spellings = [folded, folded.upper()] if signs_in_as_patient else [name, name]
    for spelling in (name, name.upper(), name.title(), *other_spellings):
        fail(client, spelling)

    assert not factories.password_signs_in(client, name, PASSWORD)
    if signs_in_as_patient:  # the database folds it (PostgreSQL): locked as well
        assert not factories.password_signs_in(client, folded, PASSWORD)
    assert FailedSignIn.objects.filter(username=name).exists()


def test_a_lockout_is_logged_with_the_account_number_and_address_never_the_email(
    client, patient, json_log
):
    fail(client, patient.user.username, 5)

    locked = [line for line in json_log.lines() if line["logger"] == "stepwise.security"]
    assert [(line["level"], line["user_id"], line["client"]) for line in locked] == [
        ("WARNING", patient.user.pk, "127.0.0.1")
    ]
    assert f"account {patient.user.pk} from 127.0.0.1" in locked[0]["message"]
    assert patient.user.email not in json_log.text


def test_a_lockout_of_a_name_no_account_has_is_logged_as_unknown(client, db, json_log):
    fail(client, "nobody@example.com", 5)

    (locked,) = [line for line in json_log.lines() if line["logger"] == "stepwise.security"]
    assert (locked["user_id"], locked["client"]) == (None, "127.0.0.1")
    assert "nobody@example.com" not in json_log.text
