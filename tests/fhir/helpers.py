"""Calling the FHIR API as a clinic's system does, and checking what it returns is FHIR.

`validated()` checks a resource (a Bundle's entries too) against the R4B models of
fhir.resources, so every test that reads the API also checks what it read.
"""

import base64
import json

from fhir.resources.R4B import get_fhir_model_class

from patients.services.api_clients import api_client_create

JSON = "application/fhir+json"


def validated(resource: dict) -> dict:
    """The resource, once fhir.resources has read it without complaint."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    if resource["resourceType"] == "Bundle":
        for entry in resource.get("entry", []):
            validated(entry["resource"])
    return resource


def make_api_client(clinic, by, name: str = "Record system", **extra):
    """A clinic's client and its secret, as the admin makes them."""
    return api_client_create(clinic=clinic, name=name, by=by, **extra)


def token_for(client, api_client, secret: str) -> str:
    """A bearer token from the token endpoint, by client credentials in HTTP Basic."""
    basic = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    response = client.post(
        "/fhir/token",
        {"grant_type": "client_credentials", "scope": "system/*.read"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


class Api:
    """A Django test client that sends the token and reads FHIR JSON, validated."""

    def __init__(self, client, token: str):
        self.client = client
        self.token = token

    def get(self, path: str, **params):
        return self.client.get(
            path, params, HTTP_AUTHORIZATION=f"Bearer {self.token}", HTTP_ACCEPT=JSON
        )

    def read(self, path: str, status: int = 200, **params) -> dict:
        response = self.get(path, **params)
        assert response.status_code == status, response.content
        assert response["Content-Type"].startswith(JSON)
        return validated(json.loads(response.content))


def connect(client, clinic, by, **extra) -> Api:
    api_client, secret = make_api_client(clinic, by, **extra)
    return Api(client, token_for(client, api_client, secret))
