"""The code systems the API's resources use: standard ones, and our own for what has none.

Our own systems are URNs (`urn:stepwise:...`): stable whichever address a clinic's
server has, and plainly ours. docs/fhir.md lists each with its codes.
"""

FHIR_VERSION = "4.0.1"
JSON = "application/fhir+json"
NDJSON = "application/fhir+ndjson"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"

PATIENT_ID = "urn:stepwise:patient"
RED_FLAG_RULE = "urn:stepwise:red-flag-rule"
SEVERITY = "urn:stepwise:flag-severity"
QUESTIONNAIRE = "urn:stepwise:questionnaire"
GOAL = "urn:stepwise:goal"

DURATION = {"system": LOINC, "code": "55411-3", "display": "Exercise duration"}
PAIN = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
MINUTES = {"unit": "min", "system": UCUM, "code": "min"}
SCORE = {"unit": "{score}", "system": UCUM, "code": "{score}"}


def coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": str(display)}


def concept(system: str, code: str, display: str) -> dict:
    return {"coding": [coding(system, code, display)], "text": str(display)}


# --- CarePlan, Goal and Observation (docs/fhir.md) ---
GOAL_CATEGORY = "http://terminology.hl7.org/CodeSystem/goal-category"
# What we observe that has no standard code: the next-morning check and the details of a walk.
OBSERVATION = "urn:stepwise:observation"
MORNING_FEELING = "urn:stepwise:morning-feeling"
TERRAIN = "urn:stepwise:terrain"
EFFORT = "urn:stepwise:effort"

ACTIVITY = "activity"
SURVEY = "survey"
WALKING_DOSE = ("walking-dose", "Walk 30 minutes, 5 times a week")
WALKS_A_WEEK = ("walks-per-week", "Walks a week")
PATIENTS_OWN_GOAL = ("own-goal", "The patient's own goal")
MORNING_CHECK = ("next-morning-check", "Next-morning check")
WALK_TERRAIN = ("terrain", "Ground walked on")
WALK_EFFORT = ("effort", "How hard the walk felt")
PER_WEEK = {"unit": "/wk", "system": UCUM, "code": "/wk"}
WEEKS = {"unit": "wk", "system": UCUM, "code": "wk"}


def category(code: str, display: str) -> list[dict]:
    """An Observation's category from FHIR's own list (activity, survey)."""
    return [concept(OBSERVATION_CATEGORY, code, display)]


# Questionnaires, their answers, flags and detected issues (patients/fhir/questionnaires.py,
# answers.py, flags.py): the answer options of our forms and what a clinician did.
PAIN_CHARACTER = "urn:stepwise:pain-character"
BODY_AREA = "urn:stepwise:body-area"
SIDE = "urn:stepwise:side"
SYMPTOM_ONSET = "urn:stepwise:symptom-onset"
LIMITATION = "urn:stepwise:limitation"
GLOBAL_RATING_OF_CHANGE = "urn:stepwise:global-rating-of-change"
OUTCOME_OCCASION = "urn:stepwise:outcome-occasion"
FLAG_MITIGATION = "urn:stepwise:flag-mitigation"
FLAG_DETAIL = "http://hl7.org/fhir/StructureDefinition/flag-detail"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
CLINICAL_FLAG = {"system": FLAG_CATEGORY, "code": "clinical", "display": "Clinical"}


def questionnaire_url(name: str) -> str:
    """The canonical URL of one of our forms: the same for every clinic and server."""
    return f"{QUESTIONNAIRE}:{name}"
