"""The patients app's data, one module per topic; everything is importable from here.

clinics: clinics, staff and their roles. enrolment: patients, their invitations and the
emails about their account. deliveries: how an email is sent by the worker.
reports: walks, symptom check-ins, next-morning checks. flags: flags, their history and
the alert emails about them. audit: the audit trail and failed sign-ins. summary: a
patient at a glance, kept for the clinic's pages. reminders: the reminders a patient
chose, their browsers' push subscriptions, and each reminder sent. outcomes: outcome
questionnaires and their scores, the monthly follow-up after discharge. operations: when each
process that keeps patients safe last ran. api_clients: the clinic systems that read
the FHIR API, and their bulk exports.
"""

from patients.models.api_clients import (
    EXPORT_LIFETIME,
    ApiClient,
    ApiClientQuerySet,
    BulkExport,
    BulkExportFile,
    BulkExportStatus,
)
from patients.models.audit import (
    AuditAction,
    AuditEvent,
    AuditEventQuerySet,
    FailedSignIn,
    shown_key,
)
from patients.models.clinics import (
    EMERGENCY_NUMBERS,
    Clinic,
    Country,
    StaffMembership,
    StaffMembershipQuerySet,
    StaffRole,
    validate_timezone,
)
from patients.models.deliveries import Delivery, DeliveryQuerySet, DeliveryState
from patients.models.enrolment import (
    INVITATION_LIFETIME,
    PAIN_SCALE,
    AccountEmail,
    AccountEmailKind,
    Invitation,
    InvitationState,
    LegSymptoms,
    Patient,
    PatientQuerySet,
)
from patients.models.flags import (
    PLAN_CHANGING_ACTIONS,
    UNRESOLVED_FLAG_STATUSES,
    EvidenceChange,
    Flag,
    FlagAction,
    FlagEvent,
    FlagEventKind,
    FlagQuerySet,
    FlagReview,
    FlagStatus,
    Notification,
    NotificationKind,
)
from patients.models.operations import Heartbeat, SafetyProcess
from patients.models.outcomes import (
    FOLLOW_UP_MONTHS,
    RECURRENCE_LIMITATIONS,
    FollowUpQuestion,
    FollowUpQuestionQuerySet,
    Instrument,
    Limitation,
    Occasion,
    OutcomeResponse,
    OutcomeResponseQuerySet,
    OutcomeScore,
)
from patients.models.reminders import (
    PushSubscription,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderSettings,
    Weekday,
    local_moment,
)
from patients.models.reports import (
    EDIT_WINDOW,
    WALK_LOG_FIELDS,
    MorningCheck,
    MorningFeeling,
    RevisionAction,
    SymptomCheckIn,
    SymptomOnset,
    WalkLog,
    WalkLogQuerySet,
    WalkLogRevision,
)
from patients.models.summary import PatientSummary

__all__ = [
    "EDIT_WINDOW",
    "EMERGENCY_NUMBERS",
    "EXPORT_LIFETIME",
    "FOLLOW_UP_MONTHS",
    "INVITATION_LIFETIME",
    "PAIN_SCALE",
    "PLAN_CHANGING_ACTIONS",
    "RECURRENCE_LIMITATIONS",
    "UNRESOLVED_FLAG_STATUSES",
    "WALK_LOG_FIELDS",
    "AccountEmail",
    "AccountEmailKind",
    "ApiClient",
    "ApiClientQuerySet",
    "AuditAction",
    "AuditEvent",
    "AuditEventQuerySet",
    "BulkExport",
    "BulkExportFile",
    "BulkExportStatus",
    "Clinic",
    "Country",
    "Delivery",
    "DeliveryQuerySet",
    "DeliveryState",
    "EvidenceChange",
    "FailedSignIn",
    "Flag",
    "FlagAction",
    "FlagEvent",
    "FlagEventKind",
    "FlagQuerySet",
    "FlagReview",
    "FlagStatus",
    "FollowUpQuestion",
    "FollowUpQuestionQuerySet",
    "Heartbeat",
    "Instrument",
    "Invitation",
    "InvitationState",
    "LegSymptoms",
    "Limitation",
    "MorningCheck",
    "MorningFeeling",
    "Notification",
    "NotificationKind",
    "Occasion",
    "OutcomeResponse",
    "OutcomeResponseQuerySet",
    "OutcomeScore",
    "Patient",
    "PatientQuerySet",
    "PatientSummary",
    "PushSubscription",
    "Reminder",
    "ReminderChannel",
    "ReminderKind",
    "ReminderSettings",
    "RevisionAction",
    "SafetyProcess",
    "StaffMembership",
    "StaffMembershipQuerySet",
    "StaffRole",
    "SymptomCheckIn",
    "SymptomOnset",
    "WalkLog",
    "WalkLogQuerySet",
    "WalkLogRevision",
    "Weekday",
    "local_moment",
    "shown_key",
    "validate_timezone",
]
