"""A patient's own data as one FHIR Bundle, for them to hand to another health service.

It reads every source of the registry (patients.fhir.sources) for the one patient, so a
type registered there is in the patient's file as it is in the API, written the same way.

The Bundle is a `collection`: a set of resources kept together, not the answer to a
search. Each entry's `fullUrl` is the resource's address on the clinic's FHIR API, as
the API's own Bundles give it. FHIR resolves a reference such as `Patient/<id>` inside a
Bundle against the base of the entry's RESTful `fullUrl`, so the file's resources find
each other without a server; a `urn:uuid:` would not do that (and would not fit the ids
with a suffix, `<uuid>-duration`, which are no UUIDs).
"""

import datetime
from collections.abc import Iterator

from patients.fhir.sources import UTC, all_sources, instant
from patients.models import Patient


def patient_resources(patient: Patient) -> Iterator[dict]:
    """Every resource about the patient, type by type as the registry lists them: one
    query per source (and its prefetches), read in chunks so memory stays small."""
    for source in all_sources():
        rows = source.rows(patient.clinic_id, patient_id=patient.pk)
        for row in rows.iterator(chunk_size=500):
            yield source.resource(row)


def patient_bundle(patient: Patient, *, base: str) -> dict:
    """A collection Bundle of everything about the patient; `base` is the API's address
    (`https://clinic.example/fhir/R4`), which the entries' `fullUrl`s are made from."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(datetime.datetime.now(UTC)),
        "entry": [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
            }
            for resource in patient_resources(patient)
        ],
    }
