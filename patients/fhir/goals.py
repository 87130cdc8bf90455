"""A patient's goals as FHIR Goals: the program's, and the patient's own in their words.

Both are made from the patient's row, so their ids are the patient's id with a suffix:
`<patient id>-walking` for the program's goal (30 minutes, 5 times a week: every plan
works towards it), for every patient who has had a plan; `<patient id>-own` for the goal
the patient named at enrolment, when they named one.

Each goal is active while the patient is on a plan, and completed (no longer sought)
once they are discharged: they have had a plan and none is current now.
"""

from django.db import models
from django.db.models import Exists, F, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from patients.fhir import codes, people
from patients.models import Patient
from programs.models import PlanAssignment

WALKING_SUFFIX = "-walking"
OWN_SUFFIX = "-own"

# The dose every plan works towards (programs/migrations/0002_standard_template.py).
DOSE_MINUTES = 30
DOSE_WALKS_A_WEEK = 5

# The program's goal changes only when a plan starts, pauses, resumes or ends.
WALKING_LAST_UPDATED = "fhir_plan_updated"
# The patient's own: when they (their goal) or their plan last changed.
OWN_LAST_UPDATED = Greatest(F("updated_at"), Coalesce(F("fhir_plan_updated"), F("updated_at")))


def _with_plans(patients: models.QuerySet) -> models.QuerySet:
    """Patients with what their goals' status reads: has a plan, has a current one, when
    the first began and the last ended, when a plan last changed."""
    plans = PlanAssignment.objects.filter(patient=OuterRef("pk")).order_by()

    def latest(field: str):
        return Subquery(plans.order_by(f"-{field}").values(field)[:1])

    return patients.annotate(
        fhir_has_plan=Exists(plans),
        fhir_current_plan=Exists(plans.current()),
        fhir_first_start=Subquery(
            plans.values("patient").annotate(first=Min("start_date")).values("first")[:1]
        ),
        fhir_last_end=Subquery(
            plans.values("patient").annotate(last=Max("ended_on")).values("last")[:1]
        ),
        fhir_plan_updated=latest("updated_at"),
    )


def walking_patients() -> models.QuerySet:
    return _with_plans(Patient.objects.all()).filter(fhir_has_plan=True)


def own_patients() -> models.QuerySet:
    return _with_plans(Patient.objects.exclude(goal=""))


def references(patient: Patient) -> list[dict]:
    """The goals a patient's plan works towards (the CarePlan's `goal`): the program's,
    which every patient with a plan has, and their own when they named one."""
    found = [{"reference": f"Goal/{patient.pk}{WALKING_SUFFIX}"}]
    if patient.goal:
        found.append({"reference": f"Goal/{patient.pk}{OWN_SUFFIX}"})
    return found


def _status(row: Patient) -> dict:
    if row.fhir_has_plan and not row.fhir_current_plan:
        status = {"lifecycleStatus": "completed"}
        if row.fhir_last_end:
            status["statusDate"] = row.fhir_last_end.isoformat()
        return status
    return {"lifecycleStatus": "active"}


def walking_goal(row: Patient) -> dict:
    code, display = codes.WALKING_DOSE
    description = _("Walk %(minutes)d minutes, %(times)d times a week") % {
        "minutes": DOSE_MINUTES,
        "times": DOSE_WALKS_A_WEEK,
    }
    return {
        **_status(row),
        "category": [codes.concept(codes.GOAL_CATEGORY, "behavioral", "Behavioral")],
        "description": {"coding": [codes.coding(codes.GOAL, code, display)], "text": description},
        "subject": people.reference(row.pk),
        "startDate": row.fhir_first_start.isoformat(),
        "target": [
            {
                "measure": {"coding": [codes.DURATION], "text": _("Minutes a walk")},
                "detailQuantity": {"value": DOSE_MINUTES, **codes.MINUTES},
            },
            {
                "measure": codes.concept(codes.GOAL, *codes.WALKS_A_WEEK),
                "detailQuantity": {"value": DOSE_WALKS_A_WEEK, **codes.PER_WEEK},
            },
        ],
    }


def own_goal(row: Patient) -> dict:
    code, display = codes.PATIENTS_OWN_GOAL
    return {
        **_status(row),
        "description": {
            "coding": [codes.coding(codes.GOAL, code, display)],
            "text": row.goal,
        },
        "subject": people.reference(row.pk),
        "expressedBy": people.reference(row.pk),
    }
