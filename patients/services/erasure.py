"""Erasing a patient: every row about them goes, and the audit trail records that it did.

The audit trail itself stays: it names the patient only by an identifier that no longer
leads anywhere, and staff by username (see patients.security.audit). The procedure is in
docs/security.md.
"""

import json
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages.storage.session import SessionStorage
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from patients.models import (
    AuditAction,
    BulkExport,
    Flag,
    FlagEvent,
    FlagReview,
    FollowUpQuestion,
    Invitation,
    MorningCheck,
    Notification,
    OutcomeResponse,
    OutcomeScore,
    Patient,
    PushSubscription,
    Reminder,
    ReminderSettings,
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
    names = [text for text in (user.get_full_name(), user.email, username) if text]
    _anonymise_admin_history(patient, names)
    counts = {
        "alert emails": Notification.objects.filter(flag__patient=patient).delete()[0],
        "flag events": FlagEvent.objects.filter(flag__patient=patient).delete()[0],
        "flag reviews": FlagReview.objects.filter(flag__patient=patient).delete()[0],
        "flags": Flag.objects.filter(patient=patient).delete()[0],
        "next-morning checks": MorningCheck.objects.filter(walk_log__patient=patient).delete()[0],
        "walk versions": WalkLogRevision.objects.filter(walk_log__patient=patient).delete()[0],
        "walks": WalkLog.objects.filter(patient=patient).delete()[0],
        "check-ins": SymptomCheckIn.objects.filter(patient=patient).delete()[0],
        "outcome scores": OutcomeScore.objects.filter(response__patient=patient).delete()[0],
        "outcome questionnaires": OutcomeResponse.objects.filter(patient=patient).delete()[0],
        # A reminder's recipient is their email address; a browser's endpoint leads to them.
        "reminders": Reminder.objects.filter(patient=patient).delete()[0],
        # The follow-up's answers after discharge, and its emails (their recipient).
        "follow-up questions": FollowUpQuestion.objects.filter(patient=patient).delete()[0],
        "reminder settings": ReminderSettings.objects.filter(patient=patient).delete()[0],
        "notification subscriptions": (
            PushSubscription.objects.filter(patient=patient).delete()[0]
        ),
        # Their stages and stage changes go with each plan.
        "plans": PlanAssignment.objects.filter(patient=patient).delete()[0],
        # A clinic system's bulk exports hold the clinic's records, theirs among them:
        # every export of the clinic goes (the system can ask again; they see no one erased).
        "bulk exports": (
            BulkExport.objects.filter(clinic_id=patient.clinic_id)
            .delete()[1]
            .get(BulkExport._meta.label, 0)
        ),
    }
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.annotate(name=Lower("username")).filter(name=username).delete()
    _forget_sessions(user.pk, [*names, user.first_name, user.last_name])
    audit.record(
        by=by, action=AuditAction.ERASED, subject="patient", patient=patient, detail=reason
    )
    patient.delete()  # invitations go with it
    user.delete()  # and the sign-in devices and staff links with the account
    return counts


ERASED = "(erased patient)"


def _anonymise_admin_history(patient: Patient, names: list[str]) -> None:
    """The admin's Recent actions and change histories keep who did what to which kind of
    object when; they lose the description, which names the patient ("Standard plan for
    Megan Price"). Entries are found by the patient's objects, and by their name or email
    in the text, for objects that do not lead back to them."""
    objects = {
        Patient: [patient.pk],
        type(patient.user): [patient.user_id],
        **{
            model: model.objects.filter(patient=patient).values_list("pk", flat=True)
            for model in (PlanAssignment, WalkLog, SymptomCheckIn, Flag, Invitation)
        },
    }
    theirs = Q(pk__in=[])
    for model, pks in objects.items():
        ids = [str(pk) for pk in pks]
        theirs |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    named_in_repr = Q(pk__in=[])
    named_in_message = Q(pk__in=[])
    for text in names:
        named_in_repr |= Q(object_repr__icontains=text)
        # The message is JSON: "José" is stored as "Jos\u00e9".
        for written in {text, json.dumps(text)[1:-1]}:
            named_in_message |= Q(change_message__icontains=written)
    LogEntry.objects.filter(theirs | named_in_repr).update(object_repr=ERASED)
    # Their own objects' messages name what was added to them ("Standard plan for ...").
    LogEntry.objects.filter(theirs | named_in_message).update(change_message="")


def _forget_sessions(user_id: int, names: list[str]) -> None:
    """Ends the patient's sign-ins, and drops messages waiting in staff sessions that name
    them ("Acknowledged: Megan Price, ..."), by any part of their name. Sessions are
    signed, not searchable, so each is read, expired ones too (they stay until
    `clearsessions`): an erasure is rare, and a clinic has few sessions."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    model = store.get_model_class()
    names = [text.lower() for text in names if text]
    for session in model.objects.iterator():
        data = session.get_decoded()
        if data.get(SESSION_KEY) == str(user_id):
            session.delete()
        elif any(text in str(data.get(SessionStorage.session_key, "")).lower() for text in names):
            del data[SessionStorage.session_key]
            session.session_data = model.objects.encode(data)
            session.save(update_fields=["session_data"])
