"""Every resource type the API serves, as the rows it is made from and how each is written.

A `Source` is one kind of stored row written as one FHIR resource: a walk as its duration
Observation, the same walk as its pain Observation, a check-in as a QuestionnaireResponse.
A resource type is one or more sources, read one after the other (`TYPES`). Each source
knows its rows for a clinic (with everything its `build` reads, so a page of any size is
a fixed number of queries), which patient each row is about, when it last changed (FHIR's
`meta.lastUpdated`, which `_lastUpdated` searches), and its resource ids: the row's own
UUID, with a suffix where one row makes several resources of one type.

The search, the read, `$everything`, the bulk export and the patient's own download all
read through here, so a resource is written the same way wherever it is read.
"""

import datetime
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import models
from django.db.models import F

from patients.fhir import answers, flags, goals, observations, people, plans
from patients.fhir.dates import UTC, instant

__all__ = ["TYPES", "UTC", "Source", "all_sources", "instant", "sources_of"]


@dataclass(frozen=True)
class Source:
    resource_type: str
    # All rows of this source, with what `build` reads (select_related, prefetch_related).
    queryset: Callable[[], models.QuerySet]
    # When a row last changed: a field, or an expression over the row's fields.
    last_updated: str | models.Expression
    # The row as the resource's elements, without resourceType, id and meta.
    build: Callable[[models.Model], dict]
    # The path from a row to its patient's id, and to its clinic's id: most rows point at
    # their patient; a patient's own rows are `ABOUT_THE_PATIENT`.
    patient_field: str = "patient_id"
    clinic_field: str = "patient__clinic_id"
    # Appended to the row's UUID for the resource id, where one row makes several resources.
    suffix: str = ""

    def rows(
        self,
        clinic_id: int,
        *,
        patient_id=None,
        ids=None,
        since: datetime.datetime | None = None,
        until: datetime.datetime | None = None,
    ) -> models.QuerySet:
        """The clinic's rows, oldest change first: of one patient, with these ids, changed
        at or after `since` and before `until`, as asked."""
        last_updated = (
            F(self.last_updated) if isinstance(self.last_updated, str) else self.last_updated
        )
        rows = (
            self.queryset()
            .filter(**{self.clinic_field: clinic_id})
            .annotate(fhir_last_updated=last_updated, fhir_patient_id=F(self.patient_field))
        )
        if patient_id is not None:
            rows = rows.filter(**{self.patient_field: patient_id})
        if ids is not None:
            rows = rows.filter(pk__in=ids)
        if since is not None:
            rows = rows.filter(fhir_last_updated__gte=since)
        if until is not None:
            rows = rows.filter(fhir_last_updated__lt=until)
        return rows.order_by("fhir_last_updated", "pk")

    def resource(self, row) -> dict:
        return {
            "resourceType": self.resource_type,
            "id": f"{row.pk}{self.suffix}",
            "meta": {"lastUpdated": instant(row.fhir_last_updated)},
            **self.build(row),
        }

    def row_id(self, resource_id: str) -> uuid.UUID | None:
        """The row behind one of this source's resource ids, or None if it is not one."""
        if self.suffix:
            if not resource_id.endswith(self.suffix):
                return None
            resource_id = resource_id.removesuffix(self.suffix)
        if len(resource_id) != 36:
            return None
        try:
            return uuid.UUID(resource_id)
        except ValueError:
            return None


# For sources whose rows are the patients themselves (Patient, Goal).
ABOUT_THE_PATIENT = {"patient_field": "pk", "clinic_field": "clinic_id"}

TYPES: dict[str, tuple[Source, ...]] = {
    "Patient": (
        Source(
            "Patient",
            people.patients,
            **ABOUT_THE_PATIENT,
            last_updated=people.PATIENT_LAST_UPDATED,
            build=people.patient,
        ),
    ),
    "CarePlan": (
        Source(
            "CarePlan",
            plans.plans,
            last_updated=plans.PLAN_LAST_UPDATED,
            build=plans.care_plan,
        ),
    ),
    "Goal": (
        Source(
            "Goal",
            goals.walking_patients,
            **ABOUT_THE_PATIENT,
            last_updated=goals.WALKING_LAST_UPDATED,
            build=goals.walking_goal,
            suffix=goals.WALKING_SUFFIX,
        ),
        Source(
            "Goal",
            goals.own_patients,
            **ABOUT_THE_PATIENT,
            last_updated=goals.OWN_LAST_UPDATED,
            build=goals.own_goal,
            suffix=goals.OWN_SUFFIX,
        ),
    ),
    "Observation": (
        Source(
            "Observation",
            observations.walks,
            last_updated=observations.WALK_LAST_UPDATED,
            build=observations.duration,
            suffix=observations.DURATION_SUFFIX,
        ),
        Source(
            "Observation",
            observations.walks,
            last_updated=observations.WALK_LAST_UPDATED,
            build=observations.pain,
            suffix=observations.PAIN_SUFFIX,
        ),
        Source(
            "Observation",
            observations.morning_checks,
            patient_field="walk_log__patient_id",
            clinic_field="walk_log__patient__clinic_id",
            last_updated=observations.MORNING_LAST_UPDATED,
            build=observations.morning_check,
        ),
    ),
    "QuestionnaireResponse": (
        Source(
            "QuestionnaireResponse",
            answers.check_ins,
            last_updated=answers.CHECK_IN_LAST_UPDATED,
            build=answers.check_in,
        ),
        Source(
            "QuestionnaireResponse",
            answers.outcome_responses,
            last_updated=answers.OUTCOME_LAST_UPDATED,
            build=answers.outcome_response,
        ),
        Source(
            "QuestionnaireResponse",
            answers.follow_ups,
            last_updated=answers.FOLLOW_UP_LAST_UPDATED,
            build=answers.follow_up,
        ),
    ),
    "Flag": (
        Source(
            "Flag",
            flags.flags,
            last_updated=flags.LAST_UPDATED,
            build=flags.flag,
        ),
    ),
    "DetectedIssue": (
        Source(
            "DetectedIssue",
            flags.flags,
            last_updated=flags.LAST_UPDATED,
            build=flags.detected_issue,
        ),
    ),
}


def sources_of(resource_type: str) -> tuple[Source, ...]:
    return TYPES.get(resource_type, ())


def all_sources() -> Iterator[Source]:
    for sources in TYPES.values():
        yield from sources
