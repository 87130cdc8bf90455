"""What the FHIR API and its token endpoint write to the log: routes, never a secret.

The token endpoint's library (oauthlib, django-oauth-toolkit) logs at DEBUG the tokens it
issues and the requests it checks; a site run with LOG_LEVEL=DEBUG to chase a fault must
still never write a token or a client secret where the log tools keep it.
"""

import io
import logging
import logging.config

import pytest
from django.conf import settings

from config.logs import logging_config
from tests.fhir.helpers import Api, make_api_client, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug_log():
    """Everything the site logs with LOG_LEVEL=DEBUG, as text."""
    logging.config.dictConfig(
        logging_config(log_format="json", level="DEBUG", gunicorn_access_log=False)
    )
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stdout")
    stream = io.StringIO()
    handler.setStream(stream)
    yield stream
    logging.config.dictConfig(settings.LOGGING)


def test_no_token_or_secret_is_logged_even_at_debug(
    client, clinic, clinic_admin, patient, debug_log
):
    api_client, secret = make_api_client(clinic, clinic_admin)
    token = token_for(client, api_client, secret)
    api = Api(client, token)
    api.read("/fhir/R4/Patient", _id=str(patient.pk))
    api.read(f"/fhir/R4/Patient/{patient.pk}")
    Api(client, "made-up-token").read("/fhir/R4/Patient", status=401)
    client.post(
        "/fhir/token",
        {
            "grant_type": "client_credentials",
            "client_id": api_client.client_id,
            "client_secret": "wrong" + secret,
        },
    )
    logged = debug_log.getvalue()
    assert "fhir_search" in logged  # the log was captured
    for secret_text in (token, secret, "wrong" + secret, "made-up-token"):
        assert secret_text not in logged
    assert str(patient.pk) not in logged
