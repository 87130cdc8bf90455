"""What clinicians decide: resolving a flag, changing a plan; and the reviewer's report filters
and review marks."""

import datetime
import functools
import operator

from django import forms
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients.choices import (
    ALERT_SEVERITIES,
    Rule,
    Severity,
)
from patients.forms.common import OUT_OF_DATE, ErrorSummaryMixin
from patients.models import (
    PLAN_CHANGING_ACTIONS,
    FlagAction,
    FlagStatus,
)
from programs.actions import PLAN_ACTIONS, Expected


class SecondCheckMixin:
    """A tick box that some choices need (see patients/safety/plan_checks.py).

    `warnings` maps each such choice of `choice_field` to why it needs a second check.
    """

    choice_field = ""

    def add_second_check(self, warnings: dict[str, str]) -> None:
        self.warnings = warnings
        self.warning = " ".join(dict.fromkeys(warnings.values()))
        self.fields["confirm"] = forms.BooleanField(
            label=_("I have checked, and I still want to go ahead"),
            help_text=self.warning,
            required=False,
        )

    def clean_confirm(self) -> bool:
        # Only the tick box's own value counts: "0", "off" or "no" are not a confirmation.
        return self.data.get(self.add_prefix("confirm")) in ("on", "yes", "true")

    def check_second_check(self, cleaned: dict) -> None:
        if self.needs_second_check(cleaned) and not cleaned.get("confirm"):
            self.add_error(
                "confirm",
                _("%(warning)s Tick the box to confirm, or choose another action.")
                % {"warning": self.warnings[cleaned[self.choice_field]]},
            )

    def needs_second_check(self, cleaned: dict) -> bool:
        return cleaned.get(self.choice_field, "") in self.warnings

    @property
    def against_warning(self) -> bool:
        """Whether the change goes ahead against a warning (recorded with it)."""
        return self.needs_second_check(self.cleaned_data) and bool(self.cleaned_data["confirm"])


class SeenStateForm(forms.Form):
    """Carries the state of the flag or plan as the page showed it, so a change goes ahead
    only from that state (a double click or two people at once change it once)."""

    def seen_field(self, name: str, value, *, required: bool = True) -> None:
        self.fields[name] = forms.CharField(
            widget=forms.HiddenInput,
            required=required,
            initial=value,
            error_messages={"required": OUT_OF_DATE},
        )

    def seen_plan(self) -> Expected | None:
        return Expected.posted(self.cleaned_data)


class ResolveFlagForm(SecondCheckMixin, ErrorSummaryMixin, SeenStateForm):
    action = forms.ChoiceField(
        label=_("What are you doing about it?"),
        choices=FlagAction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you are doing about it.")},
    )
    note = forms.CharField(
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Kept with the flag: what you found and what you told the patient."),
        error_messages={"required": _("Write a short note for the record.")},
    )
    grouped = ("action",)
    choice_field = "action"

    def __init__(self, *args, flag, plan=None, warnings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_second_check(warnings or {})
        self.seen_field("flag_seen", flag.seen)
        self.seen_field("plan_seen", plan.seen if plan else "", required=False)
        plan_active = plan is not None and plan.status == "active"
        if not plan_active:  # nothing to hold, step back or advance
            self.fields["action"].choices = [
                (value, label)
                for value, label in FlagAction.choices
                if value not in PLAN_CHANGING_ACTIONS
            ]

    def clean(self):
        cleaned = super().clean()
        self.check_second_check(cleaned)
        if cleaned.get("action") in PLAN_CHANGING_ACTIONS and not cleaned.get("plan_seen"):
            # Changing a plan needs the plan the page showed, or a double post moves it twice.
            raise forms.ValidationError(OUT_OF_DATE)
        return cleaned


class FlagReviewForm(ErrorSummaryMixin, forms.Form):
    """A reviewer's mark on a flag: the note is optional."""

    note = forms.CharField(
        label=_("Review note (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text=_("Kept with the flag: what the governance review found or decided."),
    )


class PlanChangeForm(SecondCheckMixin, ErrorSummaryMixin, SeenStateForm):
    """A clinician's change to a patient's plan. Nothing is chosen until they choose."""

    kind = forms.ChoiceField(
        label=_("Change"),
        choices=(),
        error_messages={"required": _("Choose a change to make.")},
    )
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Say why; it is kept in the plan's history.")},
    )
    choice_field = "kind"

    def __init__(self, *args, plan, warnings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Choose a change"))] + [
            (kind, PLAN_ACTIONS[kind].verb) for kind in plan.available_changes()
        ]
        self.add_second_check(warnings or {})
        self.seen_field("plan_seen", plan.seen)

    def clean(self):
        cleaned = super().clean()
        self.check_second_check(cleaned)
        return cleaned


class FlagReportForm(ErrorSummaryMixin, forms.Form):
    """The reviewer's filters. Every field is optional; bad values are reported, not fatal."""

    date_from = forms.DateField(
        label=_("Raised from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Raised up to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    clinic = forms.ModelChoiceField(label=_("Clinic"), queryset=None, required=False)
    clinician = forms.ModelChoiceField(label=_("Clinician"), queryset=None, required=False)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    window = forms.ChoiceField(
        label=_("Acknowledged in the clinic's window"),
        required=False,
        choices=[
            ("", _("All")),
            ("within", _("Within the window")),
            ("late", _("Late, or not acknowledged in time")),
        ],
        help_text=_("Urgent and same-day flags only."),
    )
    escalated = forms.ChoiceField(
        label=_("Escalated"),
        required=False,
        choices=[("", _("All")), ("yes", _("Yes")), ("no", _("No"))],
    )
    sort = forms.ChoiceField(
        label=_("List flags"),
        required=False,
        choices=[
            ("", _("Newest first")),
            ("acknowledge", _("Longest to acknowledge first")),
        ],
        help_text=_("Flags not yet acknowledged count as waiting until now."),
    )

    def __init__(self, *args, clinics, clinicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["clinician"].queryset = clinicians
        self.fields["clinic"].empty_label = self.fields["clinician"].empty_label = _("All")
        self.fields["clinician"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )
        everything = [("", _("All"))]
        self.fields["rule"].choices = everything + list(Rule.choices)
        self.fields["severity"].choices = everything + list(Severity.choices)
        self.fields["status"].choices = everything + list(FlagStatus.choices)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned

    def filter(self, flags):
        """The flags these filters choose; call only when the form is valid."""
        data = self.cleaned_data
        first, last = data.get("date_from"), data.get("date_to")
        if first or last:
            # Days are each clinic's own, so the bounds are per clinic; as datetimes, so
            # the index on opened_at serves the range.
            clinics = [data["clinic"]] if data.get("clinic") else self.fields["clinic"].queryset
            flags = flags.filter(
                functools.reduce(
                    operator.or_, (_days_in(clinic, first, last) for clinic in clinics), Q(pk=None)
                )
            )
        if data.get("clinic"):
            flags = flags.filter(patient__clinic=data["clinic"])
        if data.get("clinician"):
            flags = flags.filter(patient__clinician=data["clinician"])
        for name in ("rule", "severity", "status"):
            if data.get(name):
                flags = flags.filter(**{name: data[name]})
        if data.get("window"):
            # Each clinic has its own window: one condition per clinic, as for the dates.
            clinics = [data["clinic"]] if data.get("clinic") else self.fields["clinic"].queryset
            in_window = functools.reduce(
                operator.or_, (_within_window(clinic) for clinic in clinics), Q(pk=None)
            )
            late = functools.reduce(
                operator.or_, (_late(clinic, timezone.now()) for clinic in clinics), Q(pk=None)
            )
            flags = flags.filter(
                in_window if data["window"] == "within" else late,
                severity__in=ALERT_SEVERITIES,
            )
        if data.get("escalated"):
            flags = flags.filter(escalated_at__isnull=data["escalated"] == "no")
        return flags


def _day_start(day: datetime.date, zone) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def _days_in(clinic, first: datetime.date | None, last: datetime.date | None) -> Q:
    """Flags of this clinic raised from the start of `first` to the end of `last`, its time."""
    days = Q(patient__clinic=clinic)
    # The first day there is (1/1/0001) has no start east of UTC: no lower bound is needed.
    if first and first > datetime.date.min:
        days &= Q(opened_at__gte=_day_start(first, clinic.zone))
    # Up to the last day there is (31/12/9999) has no end: the day after cannot be made.
    if last and last < datetime.date.max:
        days &= Q(opened_at__lt=_day_start(last + datetime.timedelta(days=1), clinic.zone))
    return days


def _window(clinic) -> datetime.timedelta:
    return datetime.timedelta(minutes=clinic.escalation_minutes)


def _within_window(clinic) -> Q:
    """Flags of this clinic acknowledged within its window (urgent and same-day)."""
    return Q(
        patient__clinic=clinic,
        acknowledged_at__isnull=False,
        acknowledged_at__lte=F("opened_at") + _window(clinic),
    )


def _late(clinic, now: datetime.datetime) -> Q:
    """Flags of this clinic acknowledged after its window, or not at all and it has passed."""
    return Q(patient__clinic=clinic) & (
        Q(acknowledged_at__gt=F("opened_at") + _window(clinic))
        | Q(acknowledged_at__isnull=True, opened_at__lt=now - _window(clinic))
    )
