"""The patient as a FHIR Patient: no more identity than the clinic needs to match them.

Their name and our identifier only. Their email, telephone and sign-in are ours to reach
them and stay here; the clinic's record system has its own. The clinic is named (display
only: Stepwise serves no Organization); the responsible clinician is on the CarePlan.
"""

from django.db import models

from patients.fhir import codes
from patients.models import Patient

PATIENT_LAST_UPDATED = "updated_at"


def patients() -> models.QuerySet:
    return Patient.objects.select_related("user", "clinic")


def reference(patient_id) -> dict:
    return {"reference": f"Patient/{patient_id}"}


def patient(row: Patient) -> dict:
    user = row.user
    name = {"given": [user.first_name]} if user.first_name else {}
    if user.last_name:
        name["family"] = user.last_name
    return {
        "identifier": [{"system": codes.PATIENT_ID, "value": str(row.pk)}],
        "active": True,
        **({"name": [{"use": "official", **name}]} if name else {}),
        "managingOrganization": {"display": row.clinic.name},
    }
