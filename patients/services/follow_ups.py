"""The patient's answer to a month's follow-up question, and stopping (and restarting) the
questions.

Each is one transaction with its audit row. An answer is kept once: the row is updated
only while unanswered, so a double tap, a second tab or a second phone cannot overwrite
the first answer. Asking is the outcomes package's work (patients/outcomes/follow_ups.py).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from patients.models import AuditAction, FollowUpQuestion, Patient
from patients.security import audit


@transaction.atomic
def follow_up_answer(*, question: FollowUpQuestion, answers: dict, by) -> bool:
    """Store this month's answer; False (and nothing changed) if it was answered already.

    `answers` is the form's: back_pain_over_a_day, and when that is yes, limitation,
    started_on and care_sought (anything else given after a no is dropped).
    """
    had_pain = answers.get("back_pain_over_a_day")
    values = {
        "back_pain_over_a_day": had_pain,
        "limitation": (answers.get("limitation") or "") if had_pain else "",
        "started_on": answers.get("started_on") if had_pain else None,
        "care_sought": answers.get("care_sought") if had_pain else None,
    }
    answered = FollowUpQuestion.objects.filter(pk=question.pk, answered_at__isnull=True).update(
        answered_at=timezone.now(), **values
    )
    if not answered:
        return False
    audit.record(
        by=by,
        action=AuditAction.CREATED,
        subject="follow-up answer",
        patient=question.patient,
        obj=question,
        detail=f"month {question.month} after discharge",
    )
    return True


@transaction.atomic
def follow_up_stop(*, patient: Patient, by, now: datetime.datetime | None = None) -> bool:
    """Ask this patient no more follow-up questions; False if they had stopped already."""
    stopped = Patient.objects.filter(pk=patient.pk, follow_up_stopped_at__isnull=True).update(
        follow_up_stopped_at=now or timezone.now()
    )
    if stopped:
        audit.record(
            by=by,
            action=AuditAction.CHANGED,
            subject="follow-up questions",
            patient=patient,
            detail="the patient stopped the follow-up questions",
        )
    return bool(stopped)


@transaction.atomic
def follow_up_restart(*, patient: Patient, by) -> bool:
    """Ask this patient the follow-up questions again after they stopped them; False if
    they had not stopped. The month open now (if any) is asked at the next daily run."""
    restarted = Patient.objects.filter(pk=patient.pk, follow_up_stopped_at__isnull=False).update(
        follow_up_stopped_at=None
    )
    if restarted:
        audit.record(
            by=by,
            action=AuditAction.CHANGED,
            subject="follow-up questions",
            patient=patient,
            detail="the patient started the follow-up questions again",
        )
    return bool(restarted)
