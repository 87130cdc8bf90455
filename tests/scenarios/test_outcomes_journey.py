"""One patient's outcomes end to end, through the real pages and the daily job: the start
questionnaire, walks, discharge, two monthly follow-ups (one reporting a recurrence), and
the reviewer seeing them counted in the curve and the CSV."""

import csv
import datetime
import io
import re

import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from patients.choices import Instrument, Limitation
from patients.models import FollowUpQuestion, OutcomeResponse
from programs.services import plan_end
from tests import factories

START = datetime.datetime(2026, 1, 5, 10, tzinfo=datetime.UTC)


def at(days: int):
    return time_machine.travel(START + datetime.timedelta(days=days), tick=False)


def emailed_link() -> str:
    [email] = mail.outbox
    mail.outbox.clear()
    assert "In an emergency, call 999." in email.body
    return re.search(r"https?://\S+?(/follow-up/\S+/)", email.body).group(1)


def test_a_patient_is_counted_from_first_questionnaire_to_a_reported_recurrence(
    client, patient, clinician, clinic_template, reviewer, django_capture_on_commit_callbacks
):
    def ask_this_month():
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_follow_ups", stdout=io.StringIO())

    with at(0):
        plan = factories.assign(patient, clinic_template, clinician)
        factories.sign_in(client, patient.user)
        client.post(
            reverse("outcome_questionnaire"),
            {"submission": "", "activity_1": "Gardening", "rating_1": "3", "pain": "6"},
        )
    start = OutcomeResponse.objects.get(patient=patient)
    assert {score.instrument for score in start.scores.all()} == {Instrument.PSFS, Instrument.NPRS}

    for day in (2, 4, 9, 11):
        with at(day):
            factories.report_walk(patient, minutes=10, pain_before=3, pain_after=3)

    with at(42):
        plan_end(assignment=plan, by=clinician, reason="Finished the program.")
    discharged_on = datetime.date(2026, 2, 16)

    # Month 1 (day 30 after discharge): asked by email; the link needs no sign-in.
    with at(42 + 31):
        ask_this_month()
        stranger = Client()
        assert stranger.post(emailed_link(), {"back_pain_over_a_day": "no"}).status_code == 302
    # Month 2: back pain that stopped her usual activities, from day 50 after discharge.
    with at(42 + 62):
        ask_this_month()
        ask_this_month()  # a second run asks nothing more
        Client().post(
            emailed_link(),
            {
                "back_pain_over_a_day": "yes",
                "limitation": Limitation.A_LOT,
                "started_on": (discharged_on + datetime.timedelta(days=50)).isoformat(),
                "care_sought": "no",
            },
        )
    answers = FollowUpQuestion.objects.filter(patient=patient).order_by("month")
    assert [(q.month, q.is_recurrence) for q in answers] == [(1, False), (2, True)]

    with at(42 + 63):
        factories.sign_in(client, reviewer)
        response = client.get(reverse("outcome_report"))
        assert "1 of 1 discharged patient counted" in response.text
        text = b"".join(client.get(reverse("outcome_report_csv")).streaming_content)
    # Counted: day 50 after discharge, a recurrence. But one patient is too few to show:
    # the page and the CSV withhold the curve so that she cannot be picked out.
    assert response.context["figures"].observations == [(50, True)]
    assert "Fewer than 5 patients: not shown" in response.text
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    curve = [row for row in rows if row[0] == "recurrence-free curve"]
    assert curve == [["recurrence-free curve", "", "not shown", curve[0][3], ""]]
    assert curve[0][3].startswith("Fewer than 5 patients")
