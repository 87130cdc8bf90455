"""The patient's reminder settings: which days and times, the nudge, quiet hours and how."""

import functools
import zoneinfo

from django import forms
from django.utils.formats import time_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from patients.forms.common import ErrorSummaryMixin, choice_list
from patients.models import Clinic, Weekday
from patients.reminders.schedule import is_quiet

TIME_ERRORS = {"invalid": _("Enter a time like 10:00.")}


def time_field(label: str, help_text: str = "") -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        help_text=help_text,
        # A time input speaks 24-hour times whatever the language.
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages=TIME_ERRORS,
    )


def nudge_choices(no_activity_days: int) -> list[tuple[str, str]]:
    """Off, or a number of days below the clinic's no-activity flag, so the patient is
    nudged before their clinic is told."""
    days = [
        (str(count), ngettext("%(count)d day", "%(count)d days", count) % {"count": count})
        for count in range(1, no_activity_days)
    ]
    return [("", _("Off")), *days]


# The time zone database's areas that are places. Everything else is an alias (US/Eastern
# for America/New_York), the server's own zone ("localtime") or a legacy or test entry: a
# patient choosing one would get a duplicate, the server's clock, or a zone another server
# does not have.
AREAS = (
    "Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/",
    "Europe/", "Indian/", "Pacific/",
)  # fmt: skip


@functools.cache
def places() -> frozenset[str]:
    """Read once a process: listing the time zone database walks its files."""
    return frozenset(zone for zone in zoneinfo.available_timezones() if zone.startswith(AREAS))


def is_place(zone: str) -> bool:
    return zone in places()


def zone_choices(clinic_zone: str) -> list[tuple[str, str]]:
    """Every place's zone (Area/City), and the clinic's own whatever it is ("UTC")."""
    return [(zone, zone.replace("_", " ")) for zone in sorted(places() | {clinic_zone})]


class ReminderSettingsForm(ErrorSummaryMixin, forms.Form):
    walk_days = choice_list(_("Days to walk"), Weekday.choices)
    walk_time = time_field(_("Time of the walk reminder"), _("For example, 10:00."))
    nudge_after_days = forms.TypedChoiceField(
        label=_("Remind me when I have not logged a walk for"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the numbers of days in the list.")},
    )
    morning_check_time = time_field(
        _("Time of the next-morning reminder"),
        _("A reminder to say how your back feels the morning after a walk. Leave empty for none."),
    )
    quiet_from = time_field(_("Quiet hours from"), _("No reminders between these times."))
    quiet_until = time_field(_("Quiet hours until"))
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )
    by_email = forms.BooleanField(label=_("By email"), required=False)

    grouped = ("walk_days",)

    def __init__(self, *args, clinic: Clinic, push_on: bool = False, **kwargs):
        self.clinic = clinic
        # The browser notifications are switched on and off on the page itself.
        self.push_on = push_on
        super().__init__(*args, **kwargs)
        self.fields["nudge_after_days"].choices = nudge_choices(clinic.no_activity_days)
        self.fields["time_zone"].choices = zone_choices(clinic.timezone)
        self.fields["time_zone"].initial = clinic.timezone
        self.fields["time_zone"].help_text = _("Your clinic's time zone is %(zone)s.") % {
            "zone": clinic.timezone
        }

    def clean_time_zone(self) -> str:
        """Kept empty while it is the clinic's, so it follows the clinic if that changes."""
        zone = self.cleaned_data["time_zone"]
        return "" if zone == self.clinic.timezone else zone

    def clean(self):
        cleaned = super().clean()
        self.check_walk_reminder(cleaned)
        self.check_quiet_hours(cleaned)
        self.check_a_way_to_send(cleaned)
        return cleaned

    def check_walk_reminder(self, cleaned: dict) -> None:
        days, time = cleaned.get("walk_days"), cleaned.get("walk_time")
        if days and time is None and "walk_time" not in self.errors:
            self.add_error(
                "walk_time", _("Choose a time for your walk reminder, or untick the days.")
            )
        if time is not None and not days:
            self.add_error("walk_days", _("Choose the days to be reminded, or clear the time."))

    def check_quiet_hours(self, cleaned: dict) -> None:
        start, end = cleaned.get("quiet_from"), cleaned.get("quiet_until")
        if "quiet_from" in self.errors or "quiet_until" in self.errors:
            return
        if (start is None) != (end is None):
            missing = "quiet_until" if end is None else "quiet_from"
            self.add_error(
                missing, _("Enter both times for your quiet hours, or leave both empty.")
            )
            return
        if start is None:
            return
        if start == end:
            self.add_error("quiet_until", _("Quiet hours must end at a different time."))
            return
        reminders = (
            ("walk_time", _("Your walk reminder at %(time)s is inside your quiet hours")),
            (
                "morning_check_time",
                _("Your next-morning reminder at %(time)s is inside your quiet hours"),
            ),
        )
        for name, message in reminders:
            moment = cleaned.get(name)
            if moment is not None and is_quiet(moment, start, end):
                said = message % {"time": time_format(moment, "H:i")}
                hours = _("(%(start)s to %(end)s). Choose another time or change the quiet hours.")
                hours %= {"start": time_format(start, "H:i"), "end": time_format(end, "H:i")}
                self.add_error(name, f"{said} {hours}")

    def check_a_way_to_send(self, cleaned: dict) -> None:
        any_on = (
            cleaned.get("walk_days")
            or cleaned.get("nudge_after_days")
            or cleaned.get("morning_check_time")
        )
        if any_on and not cleaned.get("by_email") and not self.push_on:
            self.add_error(
                "by_email",
                _(
                    "Tick “By email” so your reminders can reach you, "
                    "or choose “Stop all reminders”."
                ),
            )

    def values(self) -> dict:
        """What the service stores."""
        values = dict(self.cleaned_data)
        values["walk_days"] = sorted(set(values["walk_days"]))
        return values
