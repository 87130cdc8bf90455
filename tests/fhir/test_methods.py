"""The API is read only: any other method is a 405 OperationOutcome naming what is allowed,
and a hostile parameter is not echoed back at length."""

import pytest

from tests.fhir.helpers import connect, validated

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, clinic, clinic_admin):
    return connect(client, clinic, clinic_admin)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_are_a_405_outcome(api, patient, method):
    for path in (
        "/fhir/R4/metadata",
        "/fhir/R4/Patient",
        f"/fhir/R4/Patient/{patient.pk}",
        f"/fhir/R4/Patient/{patient.pk}/$everything",
        "/fhir/R4/$export",
        "/fhir/R4/$export-file/6f1d5a43-3d58-4c52-9f8e-0d5b8e3c1a11",
    ):
        response = getattr(api.client, method)(path, HTTP_AUTHORIZATION=f"Bearer {api.token}")

        assert response.status_code == 405, path
        assert response["Allow"] == "GET"
        assert response["Cache-Control"] == "no-store"
        outcome = validated(response.json())
        assert "read only" in outcome["issue"][0]["diagnostics"]


def test_the_status_url_allows_get_and_delete(api):
    response = api.client.post(
        "/fhir/R4/$export-status/6f1d5a43-3d58-4c52-9f8e-0d5b8e3c1a11",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 405
    assert response["Allow"] == "GET, DELETE"


def test_unknown_export_types_are_not_echoed_at_length(api):
    response = api.client.get(
        "/fhir/R4/$export",
        {"_type": "x" * 100_000},
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
        HTTP_PREFER="respond-async",
    )
    assert response.status_code == 400
    assert len(response.content) < 2000
    validated(response.json())


@pytest.mark.parametrize("path", ["/fhir/R4/%0A/", "/fhir/R4/Patient/a%0Ab/c", "/fhir/R4/%0D%0A"])
def test_a_line_break_in_the_path_is_still_fhirs_404(api, path):
    response = api.client.get(path, HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == 404
    validated(response.json())
