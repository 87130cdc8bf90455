"""The monthly recurrence question after discharge: which patients are asked, queueing
each month's email once, sending it by the worker, and the signed link in it.

`queue_due_follow_ups` runs daily from the command `send_follow_ups`. A patient is asked
while discharged (no current plan, their latest plan ended on a known day), not stopped,
and within the year after discharge (recurrence.py counts the months). The row's unique
(patient, discharged_on, month) makes a second run, or two machines, ask once.

The link needs no sign-in: it carries the question's random id, signed under a salt used
for nothing else, and expires (FOLLOW_UP_LINK_DAYS). It can only ever reach that one
question, and the page it opens names nobody.
"""

import datetime
import logging
import uuid
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from patients.deliveries import already_queued, deliver
from patients.languages import in_patient_language
from patients.models import DeliveryState, FollowUpQuestion, Patient
from patients.outcomes.recurrence import closes_on, due_on, open_month
from programs.models import PlanAssignment, PlanStatus

logger = logging.getLogger(__name__)

LINK_SALT = "patients.outcomes.follow-up-link"
# Long enough to answer this month's question late; short enough that an old email's link
# stops working well before anyone forgets it was sent.
FOLLOW_UP_LINK_DAYS = 45
# Below the alerts about flags in the one queue, with the reminders.
FOLLOW_UP_PRIORITY = -10


# Who is asked


def discharged_patients():
    """Patients with no current plan and an ended one, each with `discharged_on` (the end
    of their last plan), who have not stopped the questions and can get an email."""
    current = PlanAssignment.objects.current().filter(patient=OuterRef("pk"))
    return (
        Patient.objects.filter(follow_up_stopped_at__isnull=True, user__is_active=True)
        .exclude(user__email="")
        .annotate(has_current=Exists(current))
        .filter(has_current=False)
        .annotate(
            discharged_on=Max(
                "assignments__ended_on",
                filter=Q(assignments__status=PlanStatus.ENDED),
            )
        )
        .filter(discharged_on__isnull=False)
        .select_related("user")
    )


def discharge_date(patient: Patient) -> datetime.date | None:
    """The day this patient was discharged, or None while on a plan or never discharged."""
    if PlanAssignment.objects.current_for(patient) is not None:
        return None
    return last_plan_end(patient)


def last_plan_end(patient: Patient) -> datetime.date | None:
    """The day the patient's latest ended plan ended (their discharge, when no plan is
    current: callers that know that already save `discharge_date`'s first query)."""
    return (
        PlanAssignment.objects.filter(patient=patient, status=PlanStatus.ENDED)
        .aggregate(day=Max("ended_on"))
        .get("day")
    )


@dataclass(frozen=True)
class FollowUpRecord:
    """What the clinician's record shows of the follow-up: the discharge (None while on a
    plan), every month asked, and when the patient stopped the questions."""

    discharged_on: datetime.date | None
    questions: list[FollowUpQuestion]
    stopped_at: datetime.datetime | None


def follow_up_record(patient: Patient, *, on_a_plan: bool) -> FollowUpRecord | None:
    """The follow-up for the record, or None for a patient never discharged and never
    asked: one query on a plan, two when discharged."""
    discharged_on = None if on_a_plan else last_plan_end(patient)
    questions = list(
        FollowUpQuestion.objects.filter(patient=patient).order_by("discharged_on", "month")
    )
    if discharged_on is None and not questions:
        return None
    today = patient.clinic.today()
    for question in questions:
        # Unanswered and closed (its month passed, or a plan since) is not "waiting".
        question.still_open = question.discharged_on == discharged_on and today < closes_on(
            question.discharged_on, question.month
        )
    return FollowUpRecord(discharged_on, questions, patient.follow_up_stopped_at)


def still_asked(question: FollowUpQuestion) -> bool:
    """Whether this question still counts: its patient has not stopped the questions, is
    still discharged on the question's discharge day, and its month is still open. A new
    plan (and any later discharge) or a month gone by leaves a question with nothing to
    ask: its link, its email and its retries all stop."""
    patient = question.patient
    if patient.follow_up_stopped_at is not None:
        return False
    if patient.clinic.today() >= closes_on(question.discharged_on, question.month):
        return False  # its month has passed: a late answer would be read as that month's
    return discharge_date(patient) == question.discharged_on


def open_question(patient: Patient, today: datetime.date) -> FollowUpQuestion | None:
    """This month's question for the patient, if one is open and was asked (answered or
    not); None when nothing is open or the patient stopped the questions."""
    if patient.follow_up_stopped_at is not None:
        return None
    discharged_on = discharge_date(patient)
    month = open_month(discharged_on, today) if discharged_on else None
    if month is None:
        return None
    return FollowUpQuestion.objects.filter(
        patient=patient, discharged_on=discharged_on, month=month
    ).first()


# Queueing and sending


def queue_due_follow_ups(now: datetime.datetime) -> int:
    """Record and queue this month's question for every patient it is open for; how many
    were new (0 on a second run the same month)."""
    # Read in full first (SQLite cannot write under an open read once another has written).
    patients = list(discharged_patients().select_related("clinic"))
    queued = 0
    for patient in patients:
        today = patient.clinic.local_date(now)
        month = open_month(patient.discharged_on, today)
        if month is not None:
            queued += _queue_once(patient, patient.discharged_on, month)
    return queued


def _queue_once(patient: Patient, discharged_on: datetime.date, month: int) -> int:
    question, created = FollowUpQuestion.objects.get_or_create(
        patient=patient,
        discharged_on=discharged_on,
        month=month,
        defaults={"due_on": due_on(discharged_on, month), "recipient": patient.user.email},
    )
    if created:
        transaction.on_commit(partial(deliver_follow_up.enqueue, str(question.pk)))
    return int(created)


@task(priority=FOLLOW_UP_PRIORITY)
def deliver_follow_up(question_id: str) -> str:
    """Send one month's question, outside any transaction (`patients.deliveries.deliver`)."""
    questions = FollowUpQuestion.objects.select_related("patient__clinic", "patient__user")
    question = questions.filter(pk=question_id).first()
    if question is None:  # the patient's data was erased meanwhile
        return "no such question"
    if question.answered_at is not None or not still_asked(question):
        # Left as it is, not failed: nothing is wrong, and the sweep leaves it too.
        return "no longer needed: answered, stopped, or back on a plan"
    address = question.patient.user.email
    if not address:
        return "no longer needed: the patient has no email address"
    # To the address the patient has now: the row kept the one they had when it was asked,
    # and a retry after they changed it must not go to the old one.
    unsent = questions.filter(pk=question_id).exclude(state=DeliveryState.SENT)
    unsent.exclude(recipient=address).update(recipient=address)
    return deliver(questions, question_id, compose_follow_up)


def follow_ups_retry(now: datetime.datetime) -> int:
    """Queue again the questions whose email failed or lost its place, while unanswered,
    not stopped and still the patient's discharge (`still_asked`; a question a month late
    would only confuse)."""
    on_a_plan = PlanAssignment.objects.current().filter(patient=OuterRef("patient"))
    discharged_later = PlanAssignment.objects.filter(
        patient=OuterRef("patient"),
        status=PlanStatus.ENDED,
        ended_on__gt=OuterRef("discharged_on"),
    )
    waiting = FollowUpQuestion.objects.filter(
        answered_at__isnull=True,
        patient__follow_up_stopped_at__isnull=True,
        due_on__gte=now.date() - datetime.timedelta(days=FOLLOW_UP_LINK_DAYS),
    ).exclude(Exists(on_a_plan) | Exists(discharged_later))
    # As `patients.deliveries.requeue`, with the random ids as text: a task's arguments are
    # JSON, and the queue compares them as it stored them.
    queued = already_queued(deliver_follow_up)
    ids = [str(pk) for pk in waiting.due_again(now).values_list("pk", flat=True)]
    ids = [pk for pk in ids if pk not in queued]
    for pk in ids:
        deliver_follow_up.enqueue(pk)
    return len(ids)


def compose_follow_up(question: FollowUpQuestion) -> tuple[str, str]:
    """The email: it names no symptom (an inbox's preview is public), only the clinic's
    question and the link, made now so no secret waits in the database. In the patient's
    language."""
    with in_patient_language(question.patient):
        subject = _("A quick question from your clinic about your back")
        body = render_to_string(
            "emails/follow_up.txt",
            {
                "link": answer_link(question),
                "days": FOLLOW_UP_LINK_DAYS,
                "emergency_number": question.patient.clinic.emergency_number,
            },
        )
    return subject, body


# The signed link


def answer_token(question: FollowUpQuestion) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(str(question.pk))


def answer_link(question: FollowUpQuestion) -> str:
    path = reverse("follow_up_answer", args=[answer_token(question)])
    return settings.SITE_URL.rstrip("/") + path


def question_for_token(token: str) -> FollowUpQuestion | None:
    """The question a link was made for; None for a link we did not sign, one altered, or
    one older than FOLLOW_UP_LINK_DAYS."""
    try:
        question_id = signing.TimestampSigner(salt=LINK_SALT).unsign(
            token, max_age=datetime.timedelta(days=FOLLOW_UP_LINK_DAYS)
        )
        question_id = uuid.UUID(question_id)
    except (signing.BadSignature, ValueError):
        return None
    return FollowUpQuestion.objects.select_related("patient__clinic").filter(pk=question_id).first()
