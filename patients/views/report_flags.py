"""The flags behind the red-flag report's figures: the rows of its paged list, the links
from each figure to its flags, and the CSV a reviewer can read without a code book."""

import datetime
import itertools
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from patients.choices import Rule, Severity
from patients.models import Flag, FlagAction, FlagReview, FlagStatus
from patients.safety.response_times import Window, duration_words, window_outcome
from patients.security import access
from patients.spreadsheets import csv_lines

FLAGS_PER_PAGE = 25
CSV_CHUNK = 2000


def clinics_shown_by_name(user) -> set:
    """Names are for the reviewers and clinic admins of the patient's own clinic.

    Everyone who can open the report is one, for every flag in it; the rule is written out
    so that a report over wider scopes cannot show names by accident.
    """
    return set(access.clinic_ids(user, access.REPORT_ROLES))


def may_see_patient_name(user, clinic_id: int) -> bool:
    return clinic_id in clinics_shown_by_name(user)


def person(user) -> str:
    """A member of staff as people know them: their full name, else their username."""
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def list_order(flags, sort: str):
    """Newest first, or the longest to acknowledge first: a flag nobody has acknowledged
    has been waiting until now, so an old open flag comes before a quick acknowledgement."""
    if sort != "acknowledge":
        return flags.order_by("-opened_at", "-pk")
    waited = ExpressionWrapper(
        Coalesce("acknowledged_at", Value(timezone.now(), output_field=DateTimeField()))
        - F("opened_at"),
        output_field=DurationField(),
    )
    return flags.annotate(waited=waited).order_by("-waited", "-opened_at", "pk")


def listed(flags):
    return flags.select_related(
        "patient__user", "patient__clinic", "patient__clinician", "acknowledged_by", "resolved_by"
    )


@dataclass(frozen=True)
class FlagRow:
    """One flag as the report's list shows it."""

    flag: Flag
    patient: str  # the name, or "" where it may not be shown
    acknowledged_by: str
    acknowledged_after: str
    resolved_by: str
    window: Window | None
    late_by: str

    @property
    def zone(self) -> str:
        return self.flag.patient.clinic.timezone


def flag_row(user, flag: Flag, now: datetime.datetime) -> FlagRow:
    clinic = flag.patient.clinic
    window, late_by = window_outcome(
        flag.severity, flag.opened_at, flag.acknowledged_at, clinic.escalation_minutes, now
    )
    return FlagRow(
        flag=flag,
        patient=str(flag.patient) if may_see_patient_name(user, clinic.pk) else "",
        acknowledged_by=person(flag.acknowledged_by),
        resolved_by=person(flag.resolved_by),
        acknowledged_after=duration_words(flag.acknowledged_at - flag.opened_at)
        if flag.acknowledged_at
        else "",
        window=window,
        late_by=duration_words(late_by),
    )


def figure_links(figures: dict, link) -> dict:
    """The address of the flags behind each count and time figure; `link(**filters)` makes
    the report's address with these filters added to the chosen ones."""
    severities = figures["severities"]
    return {
        "count_rows": [
            {
                "rule": row["rule"],
                "cells": [
                    (severity, count, link(rule=row["rule"].value, severity=severity.value))
                    for severity, count in zip(severities, row["counts"], strict=True)
                ],
                "total": row["total"],
                "url": link(rule=row["rule"].value),
            }
            for row in figures["by_rule"]
        ],
        "total_cells": [
            (severity, count, link(severity=severity.value))
            for severity, count in zip(severities, figures["totals"], strict=True)
        ],
        "all_url": link(),
        "open_url": link(status=FlagStatus.OPEN.value),
        "urgent_within_url": link(severity=Severity.URGENT.value, window="within"),
        "urgent_late_url": link(severity=Severity.URGENT.value, window="late"),
    }


# The CSV: the screen's words, one row per flag, times in each clinic's own zone.

CSV_FIELDS = [
    "pk",
    "opened_at",
    "patient__clinic_id",
    "patient__clinic__name",
    "patient__clinic__timezone",
    "patient__clinic__escalation_minutes",
    "patient_id",
    "patient__user__first_name",
    "patient__user__last_name",
    "patient__user__username",
    "patient__clinician__first_name",
    "patient__clinician__last_name",
    "patient__clinician__username",
    "rule",
    "severity",
    "status",
    "acknowledged_at",
    "acknowledged_by__first_name",
    "acknowledged_by__last_name",
    "acknowledged_by__username",
    "escalated_at",
    "resolved_at",
    "resolved_by__first_name",
    "resolved_by__last_name",
    "resolved_by__username",
    "resolution_action",
    "resolution_note",
    "resolved_against_warning",
]


def csv_header() -> list[str]:
    return [
        _("Raised"),
        _("Clinic"),
        _("Patient"),
        _("Patient id"),
        _("Clinician"),
        _("Rule"),
        _("Severity"),
        _("Status"),
        _("Acknowledged"),
        _("Acknowledged by"),
        _("Minutes to acknowledge"),
        _("Within the window"),
        _("Escalated"),
        _("Resolved"),
        _("Resolved by"),
        _("Action"),
        _("Note"),
        _("Confirmed against a warning"),
        _("Reviewed"),
        _("Reviewed by"),
        _("Review note"),
        _("Flag id"),
    ]


def csv_queryset(flags):
    """The flags CSV's one streamed query (scripts/explain_pages.py checks its plan)."""
    return flags.values(*CSV_FIELDS).order_by("opened_at", "pk")


def latest_reviews(flags) -> dict:
    """Each reviewed flag's latest governance review mark, by flag id. Marks are made by
    people one at a time, so there are few of them: one query, however many flags."""
    reviews = (
        FlagReview.objects.filter(flag__in=flags.values("pk"))
        .order_by("flag_id", "reviewed_at", "pk")
        .values_list(
            "flag_id",
            "reviewed_at",
            "reviewed_by__first_name",
            "reviewed_by__last_name",
            "reviewed_by__username",
            "note",
        )
    )
    return {flag_id: review for flag_id, *review in reviews}  # the latest wins


NOT_REVIEWED = (None, None, None, None, "")


def csv_rows(user, flags) -> Iterator[str]:
    """One row per flag, in constant memory, every text cell safe in a spreadsheet.

    It starts with a byte order mark: without one, Excel reads a CSV in the computer's
    legacy code page and shows "José" as "JosÃ©"; with it, Excel, LibreOffice and Numbers
    all read UTF-8.
    """
    now = timezone.now()
    words = CsvWords.now()
    named = clinics_shown_by_name(user)
    reviews = latest_reviews(flags)
    rows = csv_queryset(flags).iterator(chunk_size=CSV_CHUNK)
    lines = csv_lines(
        csv_header(),
        (csv_row(row, now, words, named, reviews.get(row["pk"], NOT_REVIEWED)) for row in rows),
    )
    return itertools.chain(["\ufeff"], lines)


def _name(row: dict, prefix: str) -> str:
    return _full_name(
        row[prefix + "first_name"], row[prefix + "last_name"], row[prefix + "username"]
    )


def _full_name(first, last, username) -> str:
    """A person's full name, else their username; blank when their account is gone."""
    return f"{first or ''} {last or ''}".strip() or username or ""


@dataclass(frozen=True)
class CsvWords:
    """Every word a CSV cell can hold, translated once per download: translating them
    cell by cell was most of the time a 50,000-flag download took."""

    rule: dict
    severity: dict
    status: dict
    action: dict
    window: dict
    yes: str
    no: str

    @classmethod
    def now(cls) -> "CsvWords":
        def words(choices) -> dict:
            return {value: str(label) for value, label in choices}

        return cls(
            rule=words(Rule.choices),
            severity=words(Severity.choices),
            status=words(FlagStatus.choices),
            action={"": "", **words(FlagAction.choices)},
            window={
                None: "",
                Window.WITHIN: _("yes"),
                Window.LATE: _("no"),
                Window.MISSED: _("no"),
                Window.OPEN: _("not yet"),
            },
            yes=_("yes"),
            no=_("no"),
        )

    def yes_no(self, value: bool) -> str:
        return self.yes if value else self.no


def csv_row(row: dict, now: datetime.datetime, words: CsvWords, named: set, review) -> list:
    """One flag's cells; `named`: the clinics where the reviewer may see patients' names;
    `review`: its latest review mark (when, first and last name, username, note)."""
    zone = zoneinfo.ZoneInfo(row["patient__clinic__timezone"])  # cached by zoneinfo

    def when(moment):
        return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""

    opened, acked, resolved = row["opened_at"], row["acknowledged_at"], row["resolved_at"]
    window, _late = window_outcome(
        row["severity"], opened, acked, row["patient__clinic__escalation_minutes"], now
    )
    reviewed_at, first, last, username, note = review
    return [
        when(opened),
        row["patient__clinic__name"],
        _name(row, "patient__user__") if row["patient__clinic_id"] in named else "",
        str(row["patient_id"]),
        _name(row, "patient__clinician__"),
        words.rule[row["rule"]],
        words.severity[row["severity"]],
        words.status[row["status"]],
        when(acked),
        _name(row, "acknowledged_by__"),
        round((acked - opened).total_seconds() / 60, 1) if acked else "",
        words.window[window],
        words.yes_no(row["escalated_at"] is not None),
        when(resolved),
        _name(row, "resolved_by__"),
        words.action[row["resolution_action"]],
        row["resolution_note"],
        words.yes_no(row["resolved_against_warning"]) if resolved else "",
        when(reviewed_at),
        _full_name(first, last, username),
        note,
        str(row["pk"]),
    ]
