"""What patients answered, as FHIR QuestionnaireResponses of our Questionnaires.

Three sources, each its rows' own UUIDs: symptom check-ins, outcome questionnaires and the
answered monthly follow-ups. Each answered question is an item, linkId the form field's
name; a question the patient left unanswered is left out, never written as "no", since
patients may answer only some (a serious-symptom question left blank is asked again).
"""

from django.db import models
from django.utils import translation

from patients.choices import (
    BodyArea,
    Instrument,
    Limitation,
    Occasion,
    PainCharacter,
    SeriousSymptom,
    Side,
)
from patients.fhir import codes, questionnaires
from patients.fhir.dates import instant
from patients.fhir.people import reference
from patients.models import FollowUpQuestion, OutcomeResponse, SymptomCheckIn, SymptomOnset

CHECK_IN_LAST_UPDATED = "updated_at"
OUTCOME_LAST_UPDATED = "answered_at"
FOLLOW_UP_LAST_UPDATED = "answered_at"


def check_ins() -> models.QuerySet:
    return SymptomCheckIn.objects.all()


def outcome_responses() -> models.QuerySet:
    return OutcomeResponse.objects.prefetch_related("scores")


def follow_ups() -> models.QuerySet:
    return FollowUpQuestion.objects.answered()


def _answered(link_id: str, *answers: dict) -> dict:
    return {"linkId": link_id, "answer": list(answers)}


def _coded(system: str, choices, value) -> dict:
    return {"valueCoding": codes.coding(system, value, choices(value).label)}


def _response(questionnaire_id: str, patient_id, authored, items: list[dict]) -> dict:
    patient = reference(patient_id)
    return {
        "questionnaire": questionnaires.url(questionnaire_id),
        "status": "completed",
        "subject": patient,
        "authored": instant(authored),
        "author": patient,
        "source": patient,
        **({"item": items} if items else {}),
    }


def check_in(row: SymptomCheckIn) -> dict:
    items = []
    with translation.override("en"):
        if row.pain_now is not None:
            items.append(_answered("pain_now", {"valueInteger": row.pain_now}))
        if row.pain_character:
            items.append(
                _answered(
                    "pain_character",
                    *(_coded(codes.PAIN_CHARACTER, PainCharacter, v) for v in row.pain_character),
                )
            )
        if row.pain_areas:
            items.append(
                _answered(
                    "pain_areas", *(_coded(codes.BODY_AREA, BodyArea, v) for v in row.pain_areas)
                )
            )
        if row.pain_side:
            items.append(_answered("pain_side", _coded(codes.SIDE, Side, row.pain_side)))
        for name in ("hard_to_function", "says_flare"):
            if getattr(row, name) is not None:
                items.append(_answered(name, {"valueBoolean": getattr(row, name)}))
        for symptom in SeriousSymptom:
            # A yes stands even when the form was sent again with no: it was acted on.
            answer = row.answer(symptom)
            if answer is not None:
                link = questionnaires.serious_link(symptom.value)
                items.append(_answered(link, {"valueBoolean": answer == "yes"}))
        if row.symptoms_started:
            onset = _coded(codes.SYMPTOM_ONSET, SymptomOnset, row.symptoms_started)
            items.append(_answered("symptoms_started", onset))
        if row.note:
            items.append(_answered("note", {"valueString": row.note}))
    return _response(questionnaires.SYMPTOM_CHECK_IN, row.patient_id, row.created_at, items)


def _psfs_items(score) -> list[dict]:
    items = []
    activities = (score.items or {}).get("activities", [])
    for number, activity in enumerate(activities[: questionnaires.PSFS_MAX_ACTIVITIES], 1):
        items.append(_answered(f"activity_{number}", {"valueString": activity["activity"]}))
        items.append(_answered(f"rating_{number}", {"valueInteger": int(activity["rating"])}))
    items.append(_answered("psfs_score", {"valueDecimal": float(score.score)}))
    return items


def outcome_response(row: OutcomeResponse) -> dict:
    scores = {score.instrument: score for score in row.scores.all()}
    with translation.override("en"):
        items = [_answered("occasion", _coded(codes.OUTCOME_OCCASION, Occasion, row.occasion))]
        if psfs := scores.get(Instrument.PSFS):
            items += _psfs_items(psfs)
        if nprs := scores.get(Instrument.NPRS):
            items.append(_answered("pain", {"valueInteger": int(nprs.score)}))
        if groc := scores.get(Instrument.GROC):
            value = int(groc.score)
            words = questionnaires.GROC_WORDS[value]
            coding = codes.coding(codes.GLOBAL_RATING_OF_CHANGE, str(value), words)
            items.append(_answered("change", {"valueCoding": coding}))
    return _response(questionnaires.OUTCOME, row.patient_id, row.answered_at, items)


def follow_up(row: FollowUpQuestion) -> dict:
    items = [_answered("month", {"valueInteger": row.month})]
    with translation.override("en"):
        if row.back_pain_over_a_day is not None:
            items.append(
                _answered("back_pain_over_a_day", {"valueBoolean": row.back_pain_over_a_day})
            )
        if row.back_pain_over_a_day:
            # Asked only after a yes: anything kept with a no was never the patient's answer.
            if row.limitation:
                limitation = _coded(codes.LIMITATION, Limitation, row.limitation)
                items.append(_answered("limitation", limitation))
            if row.started_on:
                items.append(_answered("started_on", {"valueDate": row.started_on.isoformat()}))
            if row.care_sought is not None:
                items.append(_answered("care_sought", {"valueBoolean": row.care_sought}))
    return _response(questionnaires.FOLLOW_UP, row.patient_id, row.answered_at, items)
