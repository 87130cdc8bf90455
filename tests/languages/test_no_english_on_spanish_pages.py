"""Every page a patient can reach, read in Spanish, shows no English: a string left out of
the catalogue, or never marked for translation, fails here by the English words it shows.

Each page's visible text and its words for screen readers (alt, title, aria-label,
placeholder, a button's value) are read; any word of a list that is English and never
Spanish ("the", "your", "walk", ...) is reported with the page it is on.
"""

import datetime
import json
import re

import pytest
from django.core import mail
from django.urls import reverse

from patients.models import FollowUpQuestion, Invitation, Patient, ReminderSettings
from patients.outcomes.follow_ups import answer_token
from patients.reminders.links import stop_token
from patients.services.enrolment import invitation_send, password_reset_send
from tests import factories
from tests.languages.helpers import SPANISH_BROWSER, english_words
from tests.outcomes.helpers import ask, discharge
from tests.views.test_check_in import answers
from tests.views.test_walk_log import walk


@pytest.fixture
def ana(clinic, clinician, standard_template):
    ana = factories.make_patient(clinic, clinician, "Ana", language="es")
    factories.assign(ana, standard_template, clinician, days_ago=10)
    return ana


def pages_of_a_spanish_patient(client, ana, clinician, standard_template) -> dict[str, str]:
    """Each page, after what leads to it: walks, a flagged check-in, a next-morning
    question, forms sent with mistakes, an outcome questionnaire, reminders."""
    today = ana.clinic.today()
    ReminderSettings.objects.create(
        patient=ana, walk_time=datetime.time(10), time_zone="Europe/London", by_email=True
    )
    yesterday = factories.report_walk(
        ana, walked_on=today - datetime.timedelta(days=1), pain_before=2, pain_after=8
    )
    factories.report_walk(ana, walked_on=today - datetime.timedelta(days=3), pain_after=3)
    factories.sign_in(client, ana.user)
    pages = {}
    for name in ("patient_week", "walk_new", "check_in_new", "history", "reminder_settings"):
        pages[name] = client.get(reverse(name)).content.decode()
    pages["walk_detail"] = client.get(reverse("walk_detail", args=[yesterday.pk])).content.decode()
    pages["walk_edit"] = client.get(reverse("walk_edit", args=[yesterday.pk])).content.decode()
    pages["walk_delete"] = client.get(reverse("walk_delete", args=[yesterday.pk])).content.decode()
    pages["morning_check"] = client.get(
        reverse("morning_check", args=[yesterday.pk])
    ).content.decode()
    pages["walk with mistakes"] = client.post(
        reverse("walk_new"), walk(ana, minutes="", pain_after="11", walked_on="2020-01-01")
    ).content.decode()
    pages["a worrying walk"] = client.post(
        reverse("walk_new"), walk(ana, pain_after="9"), follow=True
    ).content.decode()
    pages["check-in with a yes only"] = client.post(
        reverse("check_in_new"), {**answers(saddle=True), "pain_now": ""}, follow=True
    ).content.decode()
    pages["check-in with every answer"] = client.post(
        reverse("check_in_new"), answers(fever=True), follow=True
    ).content.decode()
    pages["outcome questionnaire"] = client.get(reverse("outcome_questionnaire")).content.decode()
    pages["offline"] = client.get(reverse("offline")).content.decode()
    manifest = json.loads(client.get(reverse("manifest")).content)
    pages["manifest"] = f"<p>{manifest['name']} {manifest.get('description', '')}</p>"
    client.logout()

    for name in ("login", "password_reset"):
        pages[name] = client.get(reverse(name), **SPANISH_BROWSER).content.decode()
    pages["wrong password"] = client.post(
        reverse("login"), {"username": ana.user.username, "password": "wrong"}, **SPANISH_BROWSER
    ).content.decode()
    stop = reverse("reminder_stop", args=[stop_token(ana)])
    pages["reminder stop link"] = client.get(stop).content.decode()
    pages["reminder stopped"] = client.post(stop).content.decode()
    pages["a link we do not know"] = client.get(
        reverse("invitation_accept", args=["not-a-token"]), **SPANISH_BROWSER
    ).content.decode()
    return pages


def test_no_patient_page_shows_english_to_a_spanish_reader(
    client, ana, clinician, standard_template
):
    pages = pages_of_a_spanish_patient(client, ana, clinician, standard_template)

    english = {name: sorted(english_words(html)) for name, html in pages.items()}
    assert {name: words for name, words in english.items() if words} == {}
    # Not blind: the same page in English is full of those words.
    Patient.objects.filter(pk=ana.pk).update(language="en-gb")
    factories.sign_in(client, ana.user)
    assert len(english_words(client.get(reverse("patient_week")).content.decode())) > 5


def test_the_invitation_and_follow_up_pages_are_in_spanish(client, clinician, clinic):
    ana = factories.make_patient(clinic, clinician, "Ana", language="es")
    token = factories.invite(ana, clinician)
    invitation = client.get(reverse("invitation_accept", args=[token])).content.decode()
    mistaken = client.post(
        reverse("invitation_accept", args=[token]),
        {"new_password1": "short", "new_password2": "other"},
    ).content.decode()
    template = factories.make_template("Plan", clinic)
    question = ask(ana, discharge(ana, template, clinician, days_ago=35))
    follow_up = client.get(
        reverse("follow_up_answer", args=[answer_token(question)])
    ).content.decode()

    for name, html in {
        "invitation": invitation,
        "mistakes": mistaken,
        "follow-up": follow_up,
    }.items():
        assert english_words(html) == set(), name
    assert FollowUpQuestion.objects.filter(patient=ana).exists()


def test_spanish_emails_to_a_patient_show_no_english(
    ana, clinician, django_capture_on_commit_callbacks
):
    factories.not_yet_signed_in(ana)
    with django_capture_on_commit_callbacks(execute=True):
        factories.invite(ana, clinician)
        invitation_send(invitation=Invitation.objects.get(patient=ana))
        ana.user.set_password("x-long-pass-phrase-1")
        ana.user.save()
        password_reset_send(user=ana.user)

    for email in mail.outbox:
        words = english_words(f"<p>{email.subject}</p><pre>{email.body}</pre>")
        assert words == set(), (email.subject, words)


def test_chart_coordinates_are_never_written_with_a_decimal_comma(client, ana):
    """Spanish writes 12,5; an SVG needs 12.5 or the chart is drawn wrong."""
    today = ana.clinic.today()
    for days in range(1, 8):
        factories.report_walk(
            ana, walked_on=today - datetime.timedelta(days=days), pain_before=3, pain_after=4
        )
    factories.sign_in(client, ana.user)
    html = client.get(reverse("history")).content.decode()

    svg = html[html.index("<svg") : html.rindex("</svg>")]
    coordinates = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy|width|height)="([^"]*)"', svg)
    lines = re.findall(r'points="([^"]*)"', svg)
    assert coordinates and lines
    assert [value for value in coordinates if "," in value] == []
    # A line's points are "x,y x,y": one comma a point, never one inside a number.
    assert [line for line in lines if any(p.count(",") != 1 for p in line.split())] == []
    assert re.search(r"\d\.\d", svg)
