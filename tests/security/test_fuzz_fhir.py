"""Hostile input to the FHIR API: search parameters, resource types and ids.

Whatever a client sends, the answer is FHIR (a Bundle, a resource or an OperationOutcome
that validates against the R4B models), never a server error.
"""

import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from patients.fhir.sources import TYPES
from tests import factories
from tests.fhir.helpers import JSON, Api, make_api_client, token_for, validated
from tests.fuzz import (
    answered,
    dates,
    fuzz_settings,
    hostile_client,
    numbers,
    rolled_back,
    texts,
    unless_nul,
    url_with,
    uuid_like,
)

pytestmark = pytest.mark.django_db

RESOURCE_TYPES = [*TYPES, "Questionnaire"]
ALLOWED = {200, 400, 404}

resource_types = st.one_of(
    st.sampled_from(RESOURCE_TYPES),
    st.sampled_from(["patient", "PATIENT", "Basic", "Bundle", "metadata", "$export", "_history"]),
    texts,
)
prefixes = st.sampled_from(["", "ge", "le", "gt", "lt", "eq", "ne", "sa", "eb", "ap", "xx"])
instants = st.one_of(
    dates,
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(["2026", "2026-02", "2026-02-03T04:05:06Z", "2026-02-03T04:05:06+14:00"]),
    texts,
)
last_updated = st.tuples(prefixes, instants).map("".join)
parameters = st.fixed_dictionaries(
    {},
    optional={
        "_count": numbers,
        "_offset": numbers,
        "_lastUpdated": st.lists(last_updated, min_size=1, max_size=3),
        "_id": st.one_of(uuid_like, st.lists(uuid_like, max_size=4).map(",".join), texts),
        "patient": st.one_of(uuid_like, uuid_like.map("Patient/{}".format), texts),
        "_format": st.sampled_from(["json", JSON, "xml", "html"]),
        "_sort": texts,
        "unknown": texts,
    },
)


@pytest.fixture
def api(client, clinic, clinic_admin, patient, other_patient, clinic_template, clinician):
    factories.assign(patient, clinic_template, clinician, days_ago=3)
    factories.report_walk(patient)
    factories.report_check_in(patient, pain_now=10)
    api_client, secret = make_api_client(clinic, clinic_admin, requests_per_minute=100_000)
    return Api(hostile_client(client), token_for(client, api_client, secret))


def is_fhir(response, sent) -> dict | None:
    """The answer as validated FHIR; None only for the NUL the server refuses before us."""
    answered(response, unless_nul(ALLOWED | {406}, *sent))
    if not response["Content-Type"].startswith(JSON):
        assert response.status_code == 400, response.content[:200]
        assert any("\x00" in str(value) for value in sent), response.content[:200]
        return None
    body = validated(json.loads(response.content))
    if response.status_code != 200:
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["diagnostics"]
    return body


def flat(params: dict) -> list[str]:
    """Every value sent, a repeated parameter's each."""
    return [
        value
        for values in params.values()
        for value in (values if isinstance(values, list) else [values])
    ]


@fuzz_settings
@given(resource_type=resource_types, params=parameters)
@example(resource_type="Patient", params={"_count": "0"})
@example(resource_type="Patient", params={"_count": "9" * 5000, "_offset": "-1"})
@example(resource_type="Patient", params={"_lastUpdated": ["ge9999-12-31T23:59:59+14:00"]})
@example(resource_type="Patient", params={"_lastUpdated": ["le0001-01-01T00:00:00-12:00"]})
@example(resource_type="Questionnaire", params={"_offset": "99999999999999999999"})
@example(resource_type="Patient", params={"patient": "Patient/0"})
def test_search_answers_fhir(api, resource_type, params):
    with rolled_back():
        try:
            url = url_with("fhir_search", resource_type)
        except Exception:  # a type no address can carry (a slash): nothing to send
            return
        body = is_fhir(api.get(url, **params), [resource_type, *flat(params)])
        if body and body["resourceType"] == "Bundle":
            assert body["type"] == "searchset"


@fuzz_settings
@given(resource_type=resource_types, resource_id=st.one_of(uuid_like, texts))
@example(resource_type="Patient", resource_id="00000000-0000-0000-0000-000000000000")
@example(resource_type="Questionnaire", resource_id="../metadata")
@example(resource_type="", resource_id="\n")  # /fhir/R4//%0A was the site's HTML 404
@example(resource_type="\n", resource_id="")  # a line break in the path
def test_read_answers_fhir(api, patient, resource_type, resource_id):
    with rolled_back():
        try:
            url = url_with("fhir_read", resource_type, resource_id)
        except Exception:
            return
        body = is_fhir(api.get(url), [resource_type, resource_id])
        if body and body["resourceType"] != "OperationOutcome":
            assert body["resourceType"] == resource_type


@fuzz_settings
@given(params=parameters)
def test_everything_answers_fhir(api, patient, other_patient, params):
    with rolled_back():
        for someone in (patient, other_patient):
            url = url_with("fhir_everything", str(someone.pk))
            body = is_fhir(api.get(url, **params), flat(params))
            if body and someone == other_patient:
                assert body["resourceType"] == "OperationOutcome"
