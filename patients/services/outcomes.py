"""Saving a patient's outcome questionnaire, once, with one score per instrument answered."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from patients.choices import Instrument
from patients.models import AuditAction, OutcomeResponse, OutcomeScore, Patient
from patients.outcomes.instruments import VERSIONS, psfs_score
from patients.security import audit
from patients.services.reports import _save_once
from programs.models import PlanAssignment


def _scores(response: OutcomeResponse, answers: dict) -> list[OutcomeScore]:
    """One score per instrument answered, stored with the instrument's version and what it
    was worked out from."""
    scores = []
    if activities := answers.get(Instrument.PSFS):
        score = psfs_score([item["rating"] for item in activities])
        if score is not None:
            items = {"activities": activities}
            scores.append(_score(response, Instrument.PSFS, score, items))
    if (pain := answers.get(Instrument.NPRS)) is not None:
        scores.append(_score(response, Instrument.NPRS, Decimal(pain), {"pain": pain}))
    if (change := answers.get(Instrument.GROC)) is not None:
        scores.append(_score(response, Instrument.GROC, Decimal(change), {"rating": change}))
    return scores


def _score(response, instrument, score: Decimal, items: dict) -> OutcomeScore:
    return OutcomeScore(
        response=response,
        instrument=instrument,
        version=VERSIONS[instrument],
        score=score,
        items=items,
    )


@transaction.atomic
def outcome_response_save(
    *,
    patient: Patient,
    occasion: str,
    due_on: datetime.date,
    submission_key,
    answers: dict,
    by,
    assignment: PlanAssignment | None = None,
) -> tuple[OutcomeResponse, bool]:
    """Save the questionnaire once: the same form sent again (its submission key), or the
    same questionnaire answered from a second phone (its occasion and day), returns the
    first save. Returns the response and whether this call created it.

    `answers` maps an instrument to what was answered: the PSFS a list of
    {"activity", "rating"}, the pain rating and the rating of change a number each. Nothing
    answered at all is refused: an empty questionnaire is not an answer."""
    Patient.objects.lock(patient.pk)
    first = OutcomeResponse.objects.filter(patient=patient)
    if submission_key is not None:
        existing = first.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing, False
    existing = first.filter(occasion=occasion, due_on=due_on).first()
    if existing is not None:
        return existing, False
    response = OutcomeResponse(
        patient=patient,
        occasion=occasion,
        due_on=due_on,
        assignment=assignment,
        submission_key=submission_key,
    )
    scores = _scores(response, answers)
    if not scores:
        raise ValidationError(_("Answer at least one question."), code="nothing_answered")
    response, created = _save_once(response, lambda: first.get(occasion=occasion, due_on=due_on))
    if not created:
        return response, False
    OutcomeScore.objects.bulk_create(scores)
    audit.record(
        by=by,
        action=AuditAction.CREATED,
        subject="outcome questionnaire",
        patient=patient,
        obj=response,
    )
    return response, True
