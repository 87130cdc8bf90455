"""The monthly follow-up question after discharge, graded as DESIGN.md asks.

Our own words, after the WalkBack trial's activity-limiting recurrence (Pocovi et al.,
Lancet 2024): back pain over 24 hours since last asked, how much it limited usual
activities, when it started, and whether the patient saw anyone about it. A "no" to the
first needs nothing else, and anything else given with it is ignored; a "yes" needs the
limitation, since that is what decides a recurrence (patients/choices.py).
"""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.choices import Limitation
from patients.forms.common import ErrorSummaryMixin, yes_no
from patients.templatetags.dates import full_date

# The first time, there is no "last asked": the question counts from the program's end.
FIRST_MONTH = _(
    "Since your walking program ended, have you had back pain that lasted more than 24 hours?"
)
LATER_MONTHS = _("Since we last asked, have you had back pain that lasted more than 24 hours?")
# en-gb's DATE_INPUT_FORMATS read 21/11/2026 (and the date picker's 2026-11-21); a date
# typed where the browser has no picker ("21 Nov 2026", "last Tuesday") is not read, and
# the message says how to type it.
FUTURE_DATE = _(
    "The date cannot be in the future. Choose today or an earlier day, or leave it empty."
)
UNREADABLE_DATE = _("Enter the date like 21/11/2026, or leave it empty if you are not sure.")


class RecurrenceQuestionForm(ErrorSummaryMixin, forms.Form):
    grouped = ("back_pain_over_a_day", "limitation", "care_sought")

    back_pain_over_a_day = yes_no(
        LATER_MONTHS,
        _("Choose yes or no: have you had back pain that lasted more than 24 hours?"),
    )
    limitation = forms.ChoiceField(
        label=_("How much did it stop you doing your usual activities?"),
        choices=Limitation.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    started_on = forms.DateField(
        label=_("When did it start?"),
        help_text=_("If you are not sure, leave this empty."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": UNREADABLE_DATE},
    )
    care_sought = yes_no(
        _("Did you see anyone about it (a doctor, physiotherapist, or urgent care)?")
    )

    def __init__(
        self, *args, today: datetime.date, discharged_on: datetime.date, month: int, **kwargs
    ):
        self.today = today
        self.discharged_on = discharged_on
        super().__init__(*args, **kwargs)
        if month == 1:
            self.fields["back_pain_over_a_day"].label = FIRST_MONTH
        self.fields["started_on"].widget.attrs.update(
            min=discharged_on.isoformat(), max=today.isoformat()
        )

    def clean_started_on(self) -> datetime.date | None:
        started_on = self.cleaned_data.get("started_on")
        if started_on is None:
            return None
        if started_on > self.today:
            raise forms.ValidationError(FUTURE_DATE)
        if started_on < self.discharged_on:
            raise forms.ValidationError(
                _("Choose a date after your program ended on %(date)s, or leave the date empty.")
                % {"date": full_date(self.discharged_on)}
            )
        return started_on

    def clean(self):
        cleaned = super().clean()
        had_pain = cleaned.get("back_pain_over_a_day")
        if had_pain is False:
            # A "no" needs nothing else: what else was ticked (or mistyped) is dropped.
            for name in ("limitation", "started_on", "care_sought"):
                self.errors.pop(name, None)
                cleaned[name] = None if name != "limitation" else ""
        elif had_pain and not cleaned.get("limitation"):
            self.add_error(
                "limitation",
                _("Choose how much it stopped you doing your usual activities."),
            )
        return cleaned

    def answers(self) -> dict:
        return {
            name: self.cleaned_data.get(name)
            for name in ("back_pain_over_a_day", "limitation", "started_on", "care_sought")
        }
