"""The FHIR R4 API (docs/fhir.md): read only, for a clinic's own systems, with a bearer token.

Every request but `metadata` names its client by its token (patients.security.api_clients),
sees that client's clinic only, and is recorded in the audit trail under the client's
name. A resource of another clinic is answered exactly as one that does not exist (404),
so the API never tells one clinic what another holds. Errors are OperationOutcomes.
"""

import functools
import json
import uuid
from types import SimpleNamespace

from django.http import Http404, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import TokenView

from patients.fhir import capability, codes, questionnaires
from patients.fhir.search import Page, SearchError, bundle, page, parse
from patients.fhir.sources import all_sources, sources_of
from patients.models import AuditAction, Patient
from patients.security import audit
from patients.security.api_clients import (
    ApiRefusal,
    calling_client,
    count_request,
    credentials_unreadable,
    token_requesters,
)
from patients.services.api_clients import api_client_tokens_prune

SEVERITY_BY_STATUS = {
    400: "error",
    401: "error",
    404: "error",
    405: "error",
    406: "error",
    429: "error",
}


def fhir_response(data: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=f"{codes.JSON}; charset=utf-8",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
    return response


def operation_outcome(status: int, code: str, message: str, headers=None) -> HttpResponse:
    issue = {"severity": SEVERITY_BY_STATUS.get(status, "error"), "code": code}
    return fhir_response(
        {"resourceType": "OperationOutcome", "issue": [{**issue, "diagnostics": message}]},
        status,
        headers,
    )


def not_found(message: str = "No such resource here.") -> HttpResponse:
    return operation_outcome(404, "not-found", message)


def allow(*methods: str):
    """Only these methods; any other is answered 405 with an OperationOutcome and `Allow`,
    as every error of the API is, not the site's empty page (or CSRF's 403: the API reads
    no cookie, so a request from a browser's page can do nothing with one)."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            if request.method not in methods:
                return operation_outcome(
                    405,
                    "not-supported",
                    f"{request.method[:20]} is not served here: the API is read only "
                    f"({', '.join(methods)}).",
                    {"Allow": ", ".join(methods)},
                )
            return view(request, *args, **kwargs)

        return checked

    return decorate


require_GET = allow("GET")


def api_view(view):
    """A view of the API: its client found and counted first, its refusals as outcomes."""

    @csrf_exempt
    @functools.wraps(view)
    def answered(request, *args, **kwargs):
        if request.GET.get("_format", "json") not in ("json", codes.JSON, "application/json"):
            return operation_outcome(406, "not-supported", "Only JSON is served (_format=json).")
        try:
            request.api_client = calling_client(request)
            return view(request, *args, **kwargs)
        except ApiRefusal as refusal:
            return operation_outcome(refusal.status, refusal.code, refusal.message, refusal.headers)
        except SearchError as error:
            return operation_outcome(400, "invalid", str(error))
        except Http404:
            return not_found()

    return answered


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir/R4").rstrip("/")


def _patients(patient_ids, clinic_id) -> list[SimpleNamespace]:
    """Just what the audit trail needs of each patient a page showed."""
    return [SimpleNamespace(pk=pk, clinic_id=clinic_id) for pk in dict.fromkeys(patient_ids)]


def _record_search(request, subject: str, patient_ids) -> None:
    client = request.api_client
    patients = _patients(patient_ids, client.clinic_id)
    detail = request.get_full_path()
    if patients:
        audit.record_views(by=client, subject=subject, patients=patients, detail=detail)
    else:
        audit.record(
            by=client,
            action=AuditAction.VIEWED,
            subject=subject,
            clinic=client.clinic_id,
            detail=detail,
        )


_issue_token = TokenView.as_view()


@csrf_exempt
def token(request):
    """django-oauth-toolkit's token endpoint, each request counted against the rate limit
    of every client it names, as an API request is: checking a secret is slow on purpose,
    and each token is a row, so a client (or someone who knows its id) asking in a loop
    would otherwise cost the server without limit."""
    headers = {"Cache-Control": "no-store"}
    if credentials_unreadable(request):
        return JsonResponse({"error": "invalid_client"}, status=401, headers=headers)
    clients = token_requesters(request) if request.method == "POST" else []
    for client in clients:
        try:
            count_request(client)
        except ApiRefusal as refusal:
            error = {"error": "slow_down", "error_description": refusal.message}
            return JsonResponse(
                error, status=refusal.status, headers={**headers, **refusal.headers}
            )
    response = _issue_token(request)
    if response.status_code == 200:
        for client in clients:
            api_client_tokens_prune(client=client)
    return response


@require_GET
def metadata(request):
    """The CapabilityStatement: open to anyone, as FHIR asks, and naming no patient."""
    token_url = request.build_absolute_uri(reverse("fhir_token"))
    return fhir_response(capability.statement(base_url(request), token_url))


@require_GET
@api_view
def search(request, resource_type: str):
    if resource_type == "Questionnaire":
        return _questionnaires(request)
    sources = sources_of(resource_type)
    if not sources:
        return operation_outcome(404, "not-supported", f"{resource_type} is not served here.")
    query = parse(request.GET, allow_patient=resource_type != "Patient")
    found = page(query, sources, request.api_client.clinic_id)
    _record_search(request, f"FHIR {resource_type} search", found.patient_ids)
    url = f"{base_url(request)}/{resource_type}"
    return fhir_response(bundle(found, query, url=url, base=base_url(request)))


@require_GET
@api_view
def read(request, resource_type: str, resource_id: str):
    if resource_type == "Questionnaire":
        resource = questionnaires.by_id(resource_id)
        if resource is None:
            return not_found()
        _record_search(request, "FHIR Questionnaire", [])
        return fhir_response(resource)
    if not sources_of(resource_type):
        return operation_outcome(404, "not-supported", f"{resource_type} is not served here.")
    client = request.api_client
    for source in sources_of(resource_type):
        row_id = source.row_id(resource_id)
        row = row_id and source.rows(client.clinic_id, ids=[row_id]).first()
        if row:
            audit.record(
                by=client,
                action=AuditAction.VIEWED,
                subject=f"FHIR {resource_type}",
                patient=_patients([row.fhir_patient_id], client.clinic_id)[0],
                obj=SimpleNamespace(pk=resource_id),
            )
            return fhir_response(source.resource(row))
    return not_found()


@require_GET
@api_view
def everything(request, patient_id: uuid.UUID):
    """Patient/<id>/$everything: every resource about one of the clinic's patients."""
    client = request.api_client
    if not Patient.objects.filter(pk=patient_id, clinic_id=client.clinic_id).exists():
        return not_found()
    query = parse(request.GET, allow_patient=False)
    query.patient_id = patient_id
    found = page(query, list(all_sources()), client.clinic_id)
    _record_search(request, "FHIR Patient $everything", [patient_id])
    url = f"{base_url(request)}/Patient/{patient_id}/$everything"
    return fhir_response(bundle(found, query, url=url, base=base_url(request)))


@csrf_exempt
def unknown(request, rest: str):
    """Any other address under the base (an id with a slash in it, a deeper path): FHIR's
    answer, not the site's HTML page, and the same whoever asks."""
    return not_found(f"Nothing is served at {request.path[:200]}.")


def _questionnaires(request):
    """Our own forms: the same for every clinic, about no patient."""
    query = parse(request.GET, allow_patient=False)
    chosen = questionnaires.ALL
    if query.ids is not None:
        chosen = [q for q in chosen if q["id"] in query.ids]
    shown = chosen[query.offset : query.offset + query.count]
    found = Page(total=len(chosen), resources=shown, patient_ids=[])
    _record_search(request, "FHIR Questionnaire search", [])
    url = f"{base_url(request)}/Questionnaire"
    return fhir_response(bundle(found, query, url=url, base=base_url(request)))
