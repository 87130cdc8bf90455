"""Erasing a patient: every row about them goes, and the audit trail records that it did.

The audit trail itself stays: it names the patient only by an identifier that no longer
leads anywhere, and staff by username (see patients.security.audit). The procedure is in
docs/security.md.
"""

from axes.models import AccessAttempt, AccessLog
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.functions import Lower

from patients.models import (
    AuditAction,
    Flag,
    FlagEvent,
    MorningCheck,
    Notification,
    Patient,
    SymptomCheckIn,
    WalkLog,
    WalkLogRevision,
)
from patients.security import audit
from programs.models import PlanAssignment


@transaction.atomic
def patient_erase(*, patient: Patient, by, reason: str) -> dict[str, int]:
    """Deletes the patient, their account and everything they reported. Returns counts."""
    patient = Patient.objects.select_for_update().select_related("user").get(pk=patient.pk)
    user = patient.user
    username = user.get_username().lower()
    counts = {
        "alert emails": Notification.objects.filter(flag__patient=patient).delete()[0],
        "flag events": FlagEvent.objects.filter(flag__patient=patient).delete()[0],
        "flags": Flag.objects.filter(patient=patient).delete()[0],
        "next-morning checks": MorningCheck.objects.filter(walk_log__patient=patient).delete()[0],
        "walk versions": WalkLogRevision.objects.filter(walk_log__patient=patient).delete()[0],
        "walks": WalkLog.objects.filter(patient=patient).delete()[0],
        "check-ins": SymptomCheckIn.objects.filter(patient=patient).delete()[0],
        # Their stages and stage changes go with each plan.
        "plans": PlanAssignment.objects.filter(patient=patient).delete()[0],
    }
    # The admin's own history names the patient in its descriptions.
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Patient), object_id=str(patient.pk)
    ).delete()
    for model in (AccessAttempt, AccessLog):
        model.objects.annotate(name=Lower("username")).filter(name=username).delete()
    audit.record(
        by=by, action=AuditAction.ERASED, subject="patient", patient=patient, detail=reason
    )
    patient.delete()  # invitations go with it
    user.delete()  # and the sign-in devices and staff links with the account
    return counts
