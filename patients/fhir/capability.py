"""The CapabilityStatement, made from what the API serves, so it cannot claim more.

Every type in sources.TYPES (and the Questionnaires) is listed with read and search-type
and the parameters patients.fhir.search reads; the operations are the two views that
exist: Patient/$everything and the system-level $export.
"""

import datetime

from patients.fhir import codes
from patients.fhir.sources import TYPES

RELEASED = datetime.date(2026, 11, 30)
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def _parameter(name: str, kind: str, documentation: str) -> dict:
    return {"name": name, "type": kind, "documentation": documentation}


COMMON_PARAMETERS = [
    _parameter("_id", "token", "One or more resource ids, separated by commas."),
    _parameter(
        "_lastUpdated",
        "date",
        "When the resource last changed; prefixes ge, gt, le, lt, eq. "
        "A date covers its whole day in UTC; a date-time needs its zone.",
    ),
]
PATIENT_PARAMETER = _parameter("patient", "reference", "Patient/<id>: one patient's resources.")


def _resource(resource_type: str) -> dict:
    parameters = list(COMMON_PARAMETERS)
    if resource_type not in ("Patient", "Questionnaire"):
        parameters.append(PATIENT_PARAMETER)
    entry = {
        "type": resource_type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": parameters,
    }
    if resource_type == "Patient":
        entry["operation"] = [
            {
                "name": "everything",
                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
            }
        ]
    return entry


def statement(base: str, token_url: str) -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED.isoformat(),
        "publisher": "Stepwise",
        "kind": "instance",
        "software": {"name": "Stepwise"},
        "implementation": {"description": "Stepwise walking programs", "url": base},
        "fhirVersion": codes.FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Read only. _count (up to 500) pages every search.",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": (
                        "OAuth2 client credentials: a client id and secret from the clinic "
                        "admin, scope system/*.read, sent as 'Authorization: Bearer'."
                    ),
                    "extension": [
                        {
                            "url": OAUTH_URIS,
                            "extension": [{"url": "token", "valueUri": token_url}],
                        }
                    ],
                },
                "resource": [_resource(name) for name in (*TYPES, "Questionnaire")],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    }
                ],
            }
        ],
    }
