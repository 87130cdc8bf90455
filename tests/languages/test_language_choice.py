"""Which language each reader gets: a patient their own (chosen at enrolment, changed with
the switch), a signed-out reader their browser's or the switch's, staff and the API the
site's; and every email to a patient in theirs."""

import datetime
import json
import re

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from patients.languages import in_patient_language
from patients.models import AuditEvent, Patient, Reminder, ReminderSettings
from patients.outcomes.follow_ups import compose_follow_up
from patients.reminders.push import push_message
from patients.reminders.sending import queue_test_reminder
from patients.services.enrolment import invitation_create, invitation_send, password_reset_send
from tests import factories
from tests.admin.test_enrolment_admin import ENROL_URL, enrolment
from tests.languages.helpers import ENGLISH_BROWSER, ENGLISH_ONLY, SPANISH_BROWSER
from tests.outcomes.helpers import ask, discharge


@pytest.fixture
def ana(clinic, clinician):
    return factories.make_patient(clinic, clinician, "Ana", language="es")


def html_lang(response) -> str:
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


# Signed out


def test_a_signed_out_page_follows_the_browsers_language(client, db):
    spanish = client.get(reverse("login"), **SPANISH_BROWSER)
    english = client.get(reverse("login"), **ENGLISH_BROWSER)

    assert html_lang(spanish) == "es"
    assert "Iniciar sesión" in spanish.content.decode()
    assert spanish["Content-Language"] == "es"
    assert "Accept-Language" in spanish["Vary"]
    assert html_lang(english) == "en-gb"
    assert "Sign in" in english.content.decode()


def test_the_switch_on_a_signed_out_page_is_remembered_over_the_browser(client, db):
    page = client.get(reverse("login"), **ENGLISH_BROWSER).content.decode()
    assert 'lang="es"' in page and ">Español</button>" in page

    response = client.post(reverse("language"), {"language": "es", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    assert response.cookies["django_language"].value == "es"
    assert html_lang(client.get(reverse("login"), **ENGLISH_BROWSER)) == "es"


def test_the_switch_never_redirects_to_another_site(client, db):
    response = client.post(
        reverse("language"), {"language": "es", "next": "https://evil.example.com/"}
    )
    assert response.url == "/"


def test_an_unknown_language_changes_nothing(client, ana):
    factories.sign_in(client, ana.user)
    response = client.post(reverse("language"), {"language": "xx", "next": "/"})

    assert response.status_code == 302
    assert "django_language" not in response.cookies
    ana.refresh_from_db()
    assert ana.language == "es"


# Signed-in patients


def test_a_patient_reads_their_own_language_whatever_the_browser(client, ana, patient):
    factories.sign_in(client, ana.user)
    response = client.get(reverse("patient_week"), **ENGLISH_BROWSER)

    assert html_lang(response) == "es"
    assert "Cerrar sesión" in response.content.decode()

    client.logout()
    factories.sign_in(client, patient.user)
    assert html_lang(client.get(reverse("patient_week"), **SPANISH_BROWSER)) == "en-gb"


def test_a_patients_switch_is_kept_on_their_enrolment_and_audited(client, ana):
    factories.sign_in(client, ana.user)

    client.post(reverse("language"), {"language": "en-gb", "next": reverse("patient_week")})

    ana.refresh_from_db()
    assert ana.language == "en-gb"
    assert html_lang(client.get(reverse("patient_week"))) == "en-gb"
    event = AuditEvent.objects.filter(patient_id=ana.pk, subject="language").get()
    assert event.detail == "en-gb"
    # Kept for the next sign-in, on another browser too.
    client.logout()
    factories.sign_in(client, ana.user)
    assert html_lang(client.get(reverse("patient_week"), **SPANISH_BROWSER)) == "en-gb"


# Staff and the API


def test_staff_pages_stay_in_english_with_no_switch(client, clinician, ana):
    factories.sign_in(client, clinician)
    page = client.get(reverse("staff_home"), **SPANISH_BROWSER)

    assert html_lang(page) == "en-gb"
    assert ">Español</button>" not in page.content.decode()
    client.post(reverse("language"), {"language": "es", "next": "/clinic/"})
    assert html_lang(client.get(reverse("staff_home"), **SPANISH_BROWSER)) == "en-gb"


def test_the_admin_and_the_api_ignore_the_browsers_language(client, db):
    admin = client.get("/admin/login/", **SPANISH_BROWSER)
    metadata = client.get("/fhir/R4/metadata", **SPANISH_BROWSER)

    assert admin["Content-Language"] == "en-gb"
    assert metadata["Content-Language"] == "en-gb"


def test_the_patients_own_fhir_copy_is_in_the_records_language(client, ana):
    factories.report_walk(ana, pain_after=9)
    factories.sign_in(client, ana.user)
    body = client.get(reverse("my_fhir_data")).content.decode()

    assert "Pain" in body or "pain" in body
    assert "dolor" not in body.lower()


# Enrolment and invitation


def test_the_clinician_chooses_the_language_at_enrolment(client, clinic, clinician):
    factories.sign_in(client, clinician)
    client.post(ENROL_URL, enrolment(clinic, clinician, language="es"))

    assert Patient.objects.get(user__email="nina.park@example.com").language == "es"


def test_the_invitation_email_and_page_are_in_the_patients_language(
    client, ana, clinician, django_capture_on_commit_callbacks
):
    factories.not_yet_signed_in(ana)
    invitation, token = invitation_create(patient=ana, by=clinician, now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        invitation_send(invitation=invitation)

    (email,) = mail.outbox
    assert email.subject.startswith("Su plan de caminatas")
    page = client.get(reverse("invitation_accept", args=[token]), **ENGLISH_BROWSER)
    assert html_lang(page) == "es"


def test_a_patient_who_switches_on_the_invitation_keeps_that_choice(client, ana, clinician):
    token = factories.invite(ana, clinician)
    url = reverse("invitation_accept", args=[token])
    assert html_lang(client.get(url)) == "es"
    client.post(reverse("language"), {"language": "en-gb", "next": url})
    assert html_lang(client.get(url)) == "en-gb"

    password = "a-long-new-pass-phrase-9"
    client.post(url, {"new_password1": password, "new_password2": password})

    ana.refresh_from_db()
    assert ana.language == "en-gb"


# Emails and reminders


def test_a_password_reset_email_is_in_the_patients_language(
    ana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        password_reset_send(user=ana.user)

    (email,) = mail.outbox
    assert "contraseña" in (email.subject + email.body).lower()


def test_reminders_by_email_and_push_are_in_the_patients_language(
    ana, django_capture_on_commit_callbacks
):
    ReminderSettings.objects.create(
        patient=ana, walk_time=datetime.time(10), time_zone="Europe/London", by_email=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        queue_test_reminder(ana)

    (email,) = mail.outbox
    assert email.subject == "Este es un recordatorio de prueba"
    push = push_message(Reminder.objects.get(patient=ana))
    assert push["title"] == "Este es un recordatorio de prueba"


def test_the_follow_up_email_is_in_the_patients_language(ana, clinician, clinic_template):
    question = ask(ana, discharge(ana, clinic_template, clinician, days_ago=35))
    subject, body = compose_follow_up(question)

    assert subject == "Una pregunta rápida de su clínica sobre su espalda"
    assert "Dejar de recibir estas preguntas" in body


def test_an_alert_to_the_clinic_is_in_english_from_a_spanish_check_in(
    ana, django_capture_on_commit_callbacks
):
    # As during the patient's own request: their language is the page's.
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        factories.report_check_in(ana, "bladder")

    alert = next(email for email in mail.outbox if "flag" in email.subject)
    assert alert.subject == "Stepwise: an urgent flag to review"


def test_dates_in_words_read_as_spanish_writes_them(client, ana):
    walk = factories.report_walk(ana, walked_on=datetime.date(2026, 11, 24))
    factories.sign_in(client, ana.user)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC)):
        page = client.get(reverse("walk_detail", args=[walk.pk])).content.decode()

    assert "martes 24 de noviembre" in page


def test_the_data_download_is_labelled_in_the_patients_language(client, ana):
    walk = factories.report_walk(ana, pain_after=8)
    factories.answer_morning(walk, "usual", pain_now=2)
    factories.report_check_in(ana, "fever")
    factories.sign_in(client, ana.user)
    data = json.loads(client.get(reverse("my_data")).content)

    def keys(value, depth=1) -> list[str]:
        """The labels of sections and records, three levels down: below them are stored
        values themselves (a correction's snapshot, a flag's evidence), keyed by field."""
        if isinstance(value, dict) and depth <= 3:
            return [*value, *(k for v in value.values() for k in keys(v, depth + 1))]
        if isinstance(value, list):
            return [k for v in value for k in keys(v, depth)]
        return []

    labels = set(keys(data))
    assert {"sobre usted", "caminatas", "controles de síntomas"} <= labels
    english = {label for label in labels if set(label.lower().split()) & ENGLISH_ONLY}
    assert english == set(), english


def test_the_phone_keeps_the_offline_page_in_the_patients_language(client, ana):
    """A new language is a new worker (app.js registers /sw.js?lang=...), whose copy of
    the offline page is in that language: never the language the phone first saw."""
    factories.sign_in(client, ana.user)
    worker = client.get("/sw.js?lang=es").content.decode()
    offline = client.get(reverse("offline"))

    assert '-es";' in worker.split("const STATIC = ", 1)[1].split("\n", 1)[0]
    assert html_lang(offline) == "es"
    client.post(reverse("language"), {"language": "en-gb", "next": "/"})
    assert '-en-gb";' in client.get("/sw.js?lang=en-gb").content.decode()


def test_a_language_no_longer_offered_falls_back_to_english(client, ana, clinician):
    Patient.objects.filter(pk=ana.pk).update(language="fr")
    ana.refresh_from_db()
    token = factories.invite(ana, clinician)

    page = client.get(reverse("invitation_accept", args=[token]))
    with in_patient_language(ana):
        assert translation.get_language() == "en-gb"
    assert html_lang(page) == "en-gb"
    assert page["Content-Language"] == "en-gb"


def test_a_link_page_says_its_language_in_the_header(client, ana, clinician):
    token = factories.invite(ana, clinician)
    page = client.get(reverse("invitation_accept", args=[token]), **ENGLISH_BROWSER)

    assert page["Content-Language"] == "es"


def test_a_missing_page_and_an_expired_form_are_explained_in_the_patients_language(client, ana):
    factories.sign_in(client, ana.user)
    missing = client.get("/walks/00000000-0000-0000-0000-000000000000/")
    csrf_client = Client(enforce_csrf_checks=True)
    factories.sign_in(csrf_client, ana.user)
    expired = csrf_client.post(reverse("check_in_new"), {"pain_now": "3"})

    assert missing.status_code == 404
    assert "No encontramos esa página" in missing.content.decode()
    assert expired.status_code == 403
    assert "Por favor, envíelo otra vez" in expired.content.decode()


def test_a_choice_left_on_a_shared_phone_does_not_override_the_enrolment(client, ana, clinician):
    """Someone pressed English on the sign-in page of this phone; the patient's own
    invitation still opens in the language the clinician chose, and keeps it."""
    client.post(reverse("language"), {"language": "en-gb", "next": reverse("login")})
    token = factories.invite(ana, clinician)
    url = reverse("invitation_accept", args=[token])

    assert html_lang(client.get(url)) == "es"
    password = "a-long-new-pass-phrase-9"
    client.post(url, {"new_password1": password, "new_password2": password})
    ana.refresh_from_db()
    assert ana.language == "es"


def test_the_password_reset_email_and_its_page_are_in_the_patients_language(
    client, ana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": ana.user.email}, **ENGLISH_BROWSER)

    (email,) = mail.outbox
    assert email.subject == "Elija una contraseña nueva para Stepwise"
    assert "72 horas" in email.body
    link = re.search(r"https?://\S+(/accounts/reset/\S+/)", email.body).group(1)
    page = client.get(link, follow=True, **ENGLISH_BROWSER)
    assert html_lang(page) == "es"
    assert "Contraseña nueva" in page.content.decode()


def test_the_clinician_sees_the_patients_language_beside_their_number(
    client, ana, patient, clinician
):
    factories.report_check_in(ana, "bladder")
    factories.sign_in(client, clinician)
    flag = ana.flags.get()

    assert "Language: Español" in client.get(reverse("flag_detail", args=[flag.pk])).text
    assert "Language: Español" in client.get(reverse("patient_record", args=[ana.pk])).text
    assert "Language:" not in client.get(reverse("patient_record", args=[patient.pk])).text


def test_choosing_a_language_signed_out_writes_nothing_on_the_server(client, db):
    for _try in range(3):
        client.post(reverse("language"), {"language": "es", "next": reverse("login")})

    assert Session.objects.count() == 0


def test_a_made_up_reset_link_does_not_tell_whose_account_reads_spanish(client, ana):
    uid = urlsafe_base64_encode(force_bytes(ana.user.pk))
    page = client.get(f"/accounts/reset/{uid}/not-a-token/", **ENGLISH_BROWSER)

    assert html_lang(page) == "en-gb"


def test_after_a_spanish_reset_the_signed_out_pages_stay_spanish(client, ana):
    uid = urlsafe_base64_encode(force_bytes(ana.user.pk))
    token = default_token_generator.make_token(ana.user)
    form = client.get(f"/accounts/reset/{uid}/{token}/", follow=True, **ENGLISH_BROWSER)
    password = "a-long-new-pass-phrase-9"
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
        follow=True,
        **ENGLISH_BROWSER,
    )

    assert html_lang(done) == "es"


def test_a_staff_reset_email_names_their_username_in_english(
    client, clinician, django_capture_on_commit_callbacks
):
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        password_reset_send(user=clinician)

    (email,) = mail.outbox
    assert email.subject == "Choose a new Stepwise password"
    assert f"Your username is {clinician.username}." in email.body


def test_the_data_download_writes_a_list_of_choices_in_words(client, ana):
    factories.report_walk(ana, pain_after=4, pain_character=["aching"], pain_areas=["foot"])
    factories.sign_in(client, ana.user)
    (walk,) = json.loads(client.get(reverse("my_data")).content)["caminatas"]

    assert walk["cómo se siente el dolor"] == ["Dolor sordo (molestia continua)"]
    assert walk["dónde se siente"] == ["Pie"]
