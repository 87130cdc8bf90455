"""Our own forms as FHIR Questionnaires, so a QuestionnaireResponse can say what it answers.

The same for every clinic; each item's linkId is the form field's name.
"""

ALL: list[dict] = []


def by_id(questionnaire_id: str) -> dict | None:
    return next((q for q in ALL if q["id"] == questionnaire_id), None)
