"""Our own forms as FHIR Questionnaires, so a QuestionnaireResponse can say what it answers.

The same for every clinic: the symptom check-in, the outcome questionnaire and the monthly
follow-up question after discharge. Each item's linkId is the form field's name and its
text is the form's question in English (tests/fhir/test_answers.py holds them to the
forms, which this layer cannot import). A few read-only items carry what the patient did
not type but a reader needs: the outcome questionnaire's occasion and PSFS score, the
follow-up's month. `ALL` is made on first use, once translations can be read.
"""

import functools

from django.utils import translation

from patients.choices import BodyArea, Limitation, Occasion, PainCharacter, SeriousSymptom, Side
from patients.fhir import codes
from patients.models import SymptomOnset

SYMPTOM_CHECK_IN = "symptom-check-in"
OUTCOME = "outcome"
FOLLOW_UP = "follow-up"
VERSION = "1"

PSFS_MAX_ACTIVITIES = 3  # patients.outcomes.instruments.PSFS_MAX_ACTIVITIES
# The 7-point global rating of change as the form words it (patients.outcomes.instruments).
GROC_WORDS = {
    -3: "Very much worse",
    -2: "Much worse",
    -1: "A little worse",
    0: "About the same",
    1: "A little better",
    2: "Much better",
    3: "Very much better",
}

TEXT = {
    "pain_now": "How bad is your pain now?",
    "pain_character": "What does the pain feel like?",
    "pain_areas": "Where do you feel it?",
    "pain_side": "Which side, for leg, hip, knee or foot pain?",
    "hard_to_function": "Is the pain so bad that it is hard to think, talk, sleep or move?",
    "says_flare": (
        "Is this a flare-up: pain worse than usual that is hard to cope with and gets in "
        "the way of your usual activities or mood? (optional)"
    ),
    "symptoms_started": "When did the symptoms you said yes to start? (optional)",
    "note": "Anything else you want your clinic to know (optional)",
    "activity": "Activity {number}",
    "rating": "How well can you do activity {number} now?",
    "pain": "Over the last week, how bad has your back pain been on average?",
    "change": "Compared with when you started the walking plan, how is your back now?",
    "back_pain_over_a_day": (
        "Since we last asked, have you had back pain that lasted more than 24 hours?"
    ),
    "limitation": "How much did it stop you doing your usual activities?",
    "started_on": "When did it start?",
    "care_sought": "Did you see anyone about it (a doctor, physiotherapist, or urgent care)?",
}


def url(questionnaire_id: str) -> str:
    return codes.questionnaire_url(questionnaire_id)


def serious_link(symptom: str) -> str:
    return f"serious_{symptom}"


def options(system: str, choices) -> list[dict]:
    """A TextChoices' members as answer options, in English."""
    return [
        {"valueCoding": codes.coding(system, choice.value, choice.label)}
        for choice in choices
        if choice.value
    ]


def _item(link_id: str, kind: str, text: str, **more) -> dict:
    return {"linkId": link_id, "text": text, "type": kind, **more}


def _scale(link_id: str, text: str, lowest: int = 0, highest: int = 10) -> dict:
    return _item(
        link_id,
        "integer",
        text,
        extension=[
            {"url": codes.MIN_VALUE, "valueInteger": lowest},
            {"url": codes.MAX_VALUE, "valueInteger": highest},
        ],
    )


def _when_yes(question: str) -> dict:
    return {"enableWhen": [{"question": question, "operator": "=", "answerBoolean": True}]}


def _questionnaire(questionnaire_id: str, name: str, title: str, description: str, items):
    return {
        "resourceType": "Questionnaire",
        "id": questionnaire_id,
        "url": url(questionnaire_id),
        "version": VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "Stepwise",
        "description": description,
        "item": items,
    }


def symptom_check_in() -> dict:
    items = [
        _scale("pain_now", TEXT["pain_now"]),
        _item(
            "pain_character",
            "choice",
            TEXT["pain_character"],
            repeats=True,
            answerOption=options(codes.PAIN_CHARACTER, PainCharacter),
        ),
        _item(
            "pain_areas",
            "choice",
            TEXT["pain_areas"],
            repeats=True,
            answerOption=options(codes.BODY_AREA, BodyArea),
        ),
        _item("pain_side", "choice", TEXT["pain_side"], answerOption=options(codes.SIDE, Side)),
        _item("hard_to_function", "boolean", TEXT["hard_to_function"]),
        _item("says_flare", "boolean", TEXT["says_flare"]),
        *(
            _item(serious_link(symptom.value), "boolean", str(symptom.label))
            for symptom in SeriousSymptom
        ),
        _item(
            "symptoms_started",
            "choice",
            TEXT["symptoms_started"],
            answerOption=options(codes.SYMPTOM_ONSET, SymptomOnset),
        ),
        _item("note", "text", TEXT["note"]),
    ]
    return _questionnaire(
        SYMPTOM_CHECK_IN,
        "SymptomCheckIn",
        "Symptom check-in",
        "Pain now and the serious-symptom questions, answered at any time. Each serious "
        "symptom is asked as new or not normal for the patient; an unanswered one is left "
        "out of the response, never taken as no.",
        items,
    )


def outcome() -> dict:
    activities = []
    for number in range(1, PSFS_MAX_ACTIVITIES + 1):
        activities += [
            _item(f"activity_{number}", "string", TEXT["activity"].format(number=number)),
            _scale(f"rating_{number}", TEXT["rating"].format(number=number)),
        ]
    start = codes.coding(codes.OUTCOME_OCCASION, Occasion.START, Occasion.START.label)
    items = [
        _item(
            "occasion",
            "choice",
            "Occasion",
            readOnly=True,
            answerOption=options(codes.OUTCOME_OCCASION, Occasion),
        ),
        *activities,
        _item(
            "psfs_score",
            "decimal",
            "Patient-Specific Functional Scale score: the mean of the activities rated (0-10)",
            readOnly=True,
        ),
        _scale("pain", TEXT["pain"]),
        _item(
            "change",
            "choice",
            TEXT["change"],
            enableWhen=[{"question": "occasion", "operator": "!=", "answerCoding": start}],
            answerOption=[
                {"valueCoding": codes.coding(codes.GLOBAL_RATING_OF_CHANGE, str(n), words)}
                for n, words in GROC_WORDS.items()
            ],
        ),
    ]
    return _questionnaire(
        OUTCOME,
        "OutcomeQuestionnaire",
        "Outcome questionnaire",
        "At the start of a plan, every few weeks on it and at its end: up to three "
        "activities the patient's back makes hard, each rated 0 (unable) to 10 (as before) "
        "(Patient-Specific Functional Scale), average pain over the last week 0-10 "
        "(numeric pain rating), and after the start the 7-point global rating of change "
        "(-3 very much worse to +3 very much better). Every question is optional.",
        items,
    )


def follow_up() -> dict:
    items = [
        _item("month", "integer", "Month after discharge", readOnly=True),
        _item("back_pain_over_a_day", "boolean", TEXT["back_pain_over_a_day"], required=True),
        _item(
            "limitation",
            "choice",
            TEXT["limitation"],
            answerOption=options(codes.LIMITATION, Limitation),
            **_when_yes("back_pain_over_a_day"),
        ),
        _item("started_on", "date", TEXT["started_on"], **_when_yes("back_pain_over_a_day")),
        _item("care_sought", "boolean", TEXT["care_sought"], **_when_yes("back_pain_over_a_day")),
    ]
    return _questionnaire(
        FOLLOW_UP,
        "FollowUpQuestion",
        "Monthly follow-up after discharge",
        "Asked each month for a year after the patient's last plan ended (month 1 asks "
        "since the walking program ended). Back pain over 24 hours that limited usual "
        "activities moderately or a lot counts as a recurrence.",
        items,
    )


@functools.cache
def _all() -> tuple[dict, ...]:
    with translation.override("en"):
        return (symptom_check_in(), outcome(), follow_up())


def __getattr__(name: str):
    # `ALL` is made on first use: translations cannot be read while the apps still load.
    if name == "ALL":
        return list(_all())
    raise AttributeError(name)


def by_id(questionnaire_id: str) -> dict | None:
    return next((q for q in _all() if q["id"] == questionnaire_id), None)
