"""What patients report, as FHIR Observations: each walk twice, and each next-morning check.

A walk (`WalkLog`) is two Observations: `<walk id>-duration` (how long, LOINC 55411-3)
and `<walk id>-pain` (pain before and after, LOINC 72514-3 in two components), both
dated by the day walked and performed by the patient, who reported them. A next-morning
check (`MorningCheck`) is one, under its own id, pointing at its walk's duration.

A walk the patient corrected is `amended`. A walk the patient deleted (deleted walks are
kept for the record) is served as `entered-in-error` with no values and no note, dated
by its deletion, so a record system that copied it learns to take it out; its next-morning
check goes the same way.
"""

from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce, Greatest
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from patients.choices import BodyArea, Effort, PainCharacter, Side, Terrain
from patients.fhir import codes, people
from patients.fhir.dates import instant
from patients.models import MorningCheck, MorningFeeling, RevisionAction, WalkLog, WalkLogRevision

DURATION_SUFFIX = "-duration"
PAIN_SUFFIX = "-pain"

WALK_LAST_UPDATED = Coalesce("deleted_at", "updated_at")
MORNING_LAST_UPDATED = Greatest("created_at", Coalesce("walk_log__deleted_at", "created_at"))


def walks() -> models.QuerySet:
    corrected = WalkLogRevision.objects.filter(
        walk_log=OuterRef("pk"), action=RevisionAction.CORRECTED
    )
    return WalkLog.objects.annotate(fhir_amended=Exists(corrected))


def morning_checks() -> models.QuerySet:
    return MorningCheck.objects.select_related("walk_log")


def duration_reference(walk_id) -> dict:
    return {"reference": f"Observation/{walk_id}{DURATION_SUFFIX}"}


def walk_status(row: WalkLog) -> str:
    if row.deleted_at is not None:
        return "entered-in-error"
    return "amended" if row.fhir_amended else "final"


def _common(row: WalkLog, category: tuple[str, str], code: dict) -> dict:
    """What both of a walk's Observations say, deleted or not."""
    return {
        "status": walk_status(row),
        "category": codes.category(*category),
        "code": code,
        "subject": people.reference(row.patient_id),
        "effectiveDateTime": row.walked_on.isoformat(),
        "issued": instant(row.created_at),
        "performer": [people.reference(row.patient_id)],
    }


def _notes(*texts: str) -> dict:
    notes = [{"text": text} for text in texts if text]
    return {"note": notes} if notes else {}


def _component(code: tuple[str, str], system: str, value: str, label) -> dict:
    return {
        "code": codes.concept(codes.OBSERVATION, *code),
        "valueCodeableConcept": codes.concept(system, value, label),
    }


def duration(row: WalkLog) -> dict:
    resource = _common(row, (codes.ACTIVITY, "Activity"), {"coding": [codes.DURATION]})
    if row.deleted_at is not None:
        return resource
    if row.assignment_id:
        resource["basedOn"] = [{"reference": f"CarePlan/{row.assignment_id}"}]
    components = [
        _component(codes.WALK_TERRAIN, codes.TERRAIN, row.terrain, Terrain(row.terrain).label)
    ]
    if row.effort:
        components.append(
            _component(codes.WALK_EFFORT, codes.EFFORT, row.effort, Effort(row.effort).label)
        )
    return {
        **resource,
        "valueQuantity": {"value": row.minutes, **codes.MINUTES},
        "component": components,
        **_notes(*_walk_notes(row)),
    }


def _walk_notes(row: WalkLog) -> list[str]:
    notes = []
    if row.stage_position:
        notes.append(
            _("Walked at stage %(position)d of the plan.") % {"position": row.stage_position}
        )
    if row.steps is not None:
        notes.append(
            _("Steps: %(steps)s.") % {"steps": number_format(row.steps, force_grouping=True)}
        )
    if row.stopped_early:
        reason = row.stopped_reason.strip()
        notes.append(
            _("Stopped early: %(reason)s") % {"reason": reason} if reason else _("Stopped early.")
        )
    if row.note.strip():
        notes.append(_("The patient's note: %(note)s") % {"note": row.note.strip()})
    return notes


def _labels(values, choices) -> str:
    return ", ".join(str(choices(value).label).lower() for value in values)


def _pain_notes(row: WalkLog) -> list[str]:
    notes = []
    if row.pain_character:
        notes.append(
            _("What the pain felt like: %(words)s.")
            % {"words": _labels(row.pain_character, PainCharacter)}
        )
    if row.pain_areas:
        notes.append(
            _("Where it was felt: %(areas)s.") % {"areas": _labels(row.pain_areas, BodyArea)}
        )
    if row.pain_side:
        notes.append(_("Which side: %(side)s.") % {"side": str(Side(row.pain_side).label).lower()})
    return notes


def _pain_component(text: str, value: int) -> dict:
    return {"code": {"coding": [codes.PAIN], "text": text}, "valueInteger": value}


def pain(row: WalkLog) -> dict:
    resource = _common(row, (codes.SURVEY, "Survey"), {"coding": [codes.PAIN]})
    if row.deleted_at is not None:
        return resource
    return {
        **resource,
        "derivedFrom": [duration_reference(row.pk)],
        "component": [
            _pain_component(_("Pain before the walk"), row.pain_before),
            _pain_component(_("Pain after the walk"), row.pain_after),
        ],
        **_notes(*_pain_notes(row)),
    }


def morning_check(row: MorningCheck) -> dict:
    walk = row.walk_log
    code, display = codes.MORNING_CHECK
    resource = {
        "status": "entered-in-error" if walk.deleted_at is not None else "final",
        "category": codes.category(codes.SURVEY, "Survey"),
        "code": {
            "coding": [codes.coding(codes.OBSERVATION, code, display)],
            "text": _("The back the morning after a walk, compared with before it"),
        },
        "subject": people.reference(walk.patient_id),
        "effectiveDateTime": instant(row.created_at),
        "performer": [people.reference(walk.patient_id)],
        "derivedFrom": [duration_reference(walk.pk)],
    }
    if walk.deleted_at is not None:
        return resource
    feeling = MorningFeeling(row.feeling)
    resource["valueCodeableConcept"] = codes.concept(
        codes.MORNING_FEELING, feeling.value, feeling.label
    )
    if row.pain_now is not None:
        resource["component"] = [_pain_component(_("Pain the next morning"), row.pain_now)]
    return resource
