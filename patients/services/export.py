"""Everything Stepwise holds about one patient, as a readable JSON document they can keep.

Field names are the labels people see on the forms, choices are written out in words,
and nothing is left out because it is awkward: a patient has a right to all of it.
"""

import datetime
import json
import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from patients.models import Patient, ReminderSettings
from programs.models import PlanAssignment

# Keys, links and bookkeeping that mean nothing to the patient.
HIDDEN_FIELDS = {"id", "patient", "user", "submission_key", "walk_log", "flag", "assignment"}


# How an email's sending went, for the server's sweep: not facts about the patient.
DELIVERY_INTERNALS = {"attempts", "last_error", "claimed_at"}


def _value(obj, field: models.Field):
    if field.choices:
        return getattr(obj, f"get_{field.name}_display")()
    if hasattr(field, "item_choices"):  # a list of choices: each in words
        words = dict(field.item_choices)
        return [str(words.get(item, item)) for item in getattr(obj, field.name)]
    value = getattr(obj, field.name)
    if hasattr(value, "get_full_name"):
        return value.get_full_name() or _("clinic staff")
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


# Columns named by their field's name alone (bookkeeping, a flag's review): marked here so
# the catalogue has them, and a patient reading another language gets their words.
COLUMN_NAMES = (
    gettext_noop("acknowledged at"),
    gettext_noop("acknowledged by"),
    gettext_noop("action"),
    gettext_noop("at"),
    gettext_noop("by"),
    gettext_noop("changed at"),
    gettext_noop("changed by"),
    gettext_noop("clinic"),
    gettext_noop("created at"),
    gettext_noop("created by"),
    gettext_noop("deleted at"),
    gettext_noop("escalated at"),
    gettext_noop("evidence"),
    gettext_noop("high priority"),
    gettext_noop("kind"),
    gettext_noop("recipient"),
    gettext_noop("resolution action"),
    gettext_noop("resolution note"),
    gettext_noop("resolved against warning"),
    gettext_noop("resolved at"),
    gettext_noop("resolved by"),
    gettext_noop("response"),
    gettext_noop("sent at"),
    gettext_noop("severity"),
    gettext_noop("state"),
    gettext_noop("summary"),
    gettext_noop("updated at"),
    gettext_noop("values"),
)


def _label(field: models.Field) -> str:
    name = field.verbose_name
    return _(name) if isinstance(name, str) else str(name)


def readable(obj, *, hidden: set[str] = HIDDEN_FIELDS) -> dict:
    return {
        _label(field): _value(obj, field)
        for field in obj._meta.concrete_fields
        if field.name not in hidden
    }


def reminder_settings_data(patient: Patient) -> dict | None:
    """Their reminder choices, days written out. The browsers they allowed notifications
    on are left out: the keys are secrets of those browsers, not facts about the patient."""
    settings = ReminderSettings.objects.filter(patient=patient).first()
    if settings is None:
        return None
    data = readable(settings)
    days = dict(settings._meta.get_field("walk_days").item_choices)
    data[str(settings._meta.get_field("walk_days").verbose_name)] = [
        str(days.get(day, day)) for day in settings.walk_days
    ]
    return data


def outcome_data(patient: Patient) -> list[dict]:
    """Each questionnaire answered, with each instrument's score and the answers behind it."""
    responses = patient.outcome_responses.prefetch_related("scores").order_by("answered_at")
    return [
        {**readable(response), _("scores"): [readable(score) for score in response.scores.all()]}
        for response in responses
    ]


def patient_data(patient: Patient) -> dict:
    user = patient.user
    plans = PlanAssignment.objects.filter(patient=patient).prefetch_related("stages", "changes")
    walks = patient.walk_logs.select_related("morning_check").prefetch_related("revisions")
    return {
        _("exported at"): timezone.now().isoformat(),
        _("about you"): {
            _("name"): user.get_full_name(),
            _("email"): user.email,
            _("clinic"): patient.clinic.name,
            **readable(patient),
        },
        _("walking plans"): [
            {
                **readable(plan),
                _("stages"): [readable(stage) for stage in plan.stages.all()],
                _("changes"): [readable(change) for change in plan.changes.all()],
            }
            for plan in plans.order_by("start_date")
        ],
        _("walks"): [
            {
                **readable(walk),
                _("next-morning check"): (
                    readable(walk.morning_check) if hasattr(walk, "morning_check") else None
                ),
                _("earlier versions"): [readable(rev) for rev in walk.revisions.all()],
            }
            for walk in walks.order_by("walked_on", "created_at")
        ],
        _("symptom check-ins"): [
            readable(check_in) for check_in in patient.check_ins.order_by("created_at")
        ],
        _("flags your clinic reviewed"): [
            {**readable(flag), _("history"): [readable(event) for event in flag.events.all()]}
            for flag in patient.flags.prefetch_related("events").order_by("opened_at")
        ],
        _("reminder settings"): reminder_settings_data(patient),
        _("questionnaires about your back"): outcome_data(patient),
        _("follow-up questions after your program"): [
            readable(question, hidden=HIDDEN_FIELDS | DELIVERY_INTERNALS)
            for question in patient.follow_ups.order_by("discharged_on", "month")
        ],
    }


def as_json(patient: Patient) -> str:
    return json.dumps(patient_data(patient), indent=2, ensure_ascii=False, default=str)
