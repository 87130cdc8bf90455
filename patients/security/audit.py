"""The audit trail: who looked at or changed which patient's data, when, from where.

Services record changes inside their own transaction, so a change and its audit row
commit or roll back together; views record what staff were shown. The requesting
address comes from the request being served (AuditContextMiddleware); work outside a
request (commands, the task worker) records no address.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from config.proxies import client_ip
from patients.models import ApiClient, AuditAction, AuditEvent, Patient, shown_key

_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)


class AuditContextMiddleware:
    """Makes the client's address available to audit records made while serving it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_address.set(client_ip(request) or None)
        try:
            return self.get_response(request)
        finally:
            _client_address.reset(token)


def _actor_label(by, patient: Patient | None) -> str:
    """Staff by username; a patient acting on their own record as "the patient", so the
    audit holds no patient's name or email and survives their erasure as it is; a clinic
    system reading the FHIR API by its name and client id."""
    if by is None:
        return ""
    if isinstance(by, ApiClient):
        return by.audit_label
    if patient is not None and by.pk == patient.user_id:
        return "the patient"
    return by.get_username()


def _event(by, action: str, subject: str, patient: Patient | None, obj, detail: str, clinic=None):
    return AuditEvent(
        actor_id=None if isinstance(by, ApiClient) else getattr(by, "pk", None),
        actor=_actor_label(by, patient),
        action=action,
        subject=subject[:40],
        object_id=str(obj.pk) if obj is not None else "",
        patient_id=patient.pk if patient is not None else None,
        clinic_id=patient.clinic_id if patient is not None else getattr(clinic, "pk", clinic),
        ip_address=_client_address.get(),
        detail=detail[:200],
    )


def record(
    *,
    by,
    action: str,
    subject: str,
    patient: Patient | None = None,
    obj=None,
    detail: str = "",
    clinic=None,
) -> AuditEvent:
    """One event. `clinic` (an object or id) places an event that concerns no one patient."""
    event = _event(by, action, subject, patient, obj, detail, clinic)
    event.save()
    return event


def record_views(
    *,
    by,
    subject: str,
    patients: Iterable[Patient],
    detail: str = "",
    action: str = AuditAction.VIEWED,
) -> None:
    """A page listing many patients: one event per clinic, naming every patient shown.

    A row per patient made the audit the biggest write of a dashboard view (up to 150
    rows). An export that names each patient it holds (a FHIR bulk file) is one too, with
    `action` EXPORTED. Per clinic, not one event in all, because clinic admins read their
    own clinics' events only: each still sees every view of their patients, and no other
    clinic's.
    """
    shown_by_clinic: dict[int, list[str]] = defaultdict(list)
    for patient in patients:
        shown_by_clinic[patient.clinic_id].append(shown_key(patient.pk))
    events = []
    for clinic_id, shown in shown_by_clinic.items():
        event = _event(by, action, subject, None, None, detail, clinic_id)
        event.patients_shown = " ".join(shown)
        events.append(event)
    AuditEvent.objects.bulk_create(events)


def record_export(*, by, subject: str, clinic_ids: Iterable[int], detail: str = "") -> None:
    """An export covering many patients: one event for each clinic it draws on."""
    AuditEvent.objects.bulk_create(
        _event(by, AuditAction.EXPORTED, subject, None, None, detail, clinic_id)
        for clinic_id in clinic_ids
    )


def record_report_view(*, by, subject: str, clinic_ids: Iterable[int], detail: str = "") -> None:
    """A page of figures that names no patient: one event for each clinic it draws on, so
    each clinic's admins see that their clinic's figures were looked at, and by whom."""
    AuditEvent.objects.bulk_create(
        _event(by, AuditAction.VIEWED, subject, None, None, detail, clinic_id)
        for clinic_id in clinic_ids
    )
