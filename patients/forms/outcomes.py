"""The outcome questionnaire: what the patient can do, their pain, and (after the start)
how their back is compared with when they started. Every question is optional.

The wording is ours: the instruments' scoring and sources are in
patients/outcomes/instruments.py and docs/outcomes.md.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.choices import Instrument, Occasion
from patients.forms.common import ReportForm, pain_scale
from patients.outcomes.instruments import GROC_WORDS, PSFS_MAX_ACTIVITIES

ACTIVITY_MAX_LENGTH = 80

GROC_CHOICES = list(GROC_WORDS.items())

NOTHING_ANSWERED = _(
    "Answer at least one question, or go back to your week if now is not a good time."
)


def rating_field(label) -> forms.TypedChoiceField:
    field = pain_scale(label, "")
    field.required = False
    return field


class OutcomeForm(ReportForm):
    """The questionnaire for one occasion. At the first one the patient names up to three
    activities their back makes hard; every later one asks them to rate the same
    activities again (`activities`, from their first answers)."""

    pain = rating_field(_("Over the last week, how bad has your back pain been on average?"))
    change = forms.TypedChoiceField(
        label=_("Compared with when you started the walking plan, how is your back now?"),
        choices=GROC_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, occasion: str, activities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.activities = activities[:PSFS_MAX_ACTIVITIES]
        self.names_activities = not self.activities
        numbers = range(1, PSFS_MAX_ACTIVITIES + 1)
        for number in numbers if self.names_activities else ():
            self.fields[f"activity_{number}"] = forms.CharField(
                label=_("Activity %(number)s") % {"number": number},
                max_length=ACTIVITY_MAX_LENGTH,
                required=False,
                error_messages={
                    "max_length": _("Keep it to %(limit_value)s characters or fewer."),
                },
            )
            self.fields[f"rating_{number}"] = rating_field(
                _("How well can you do activity %(number)s now?") % {"number": number}
            )
        for number, name in enumerate(self.activities, start=1):
            self.fields[f"rating_{number}"] = rating_field(
                _("How well can you do this now: %(activity)s?") % {"activity": name}
            )
        if occasion == Occasion.START:
            del self.fields["change"]
        # The order the page asks them in.
        self.order_fields(
            [name for number in numbers for name in (f"activity_{number}", f"rating_{number}")]
        )

    @property
    def asks_change(self) -> bool:
        return "change" in self.fields

    @property
    def grouped(self) -> tuple[str, ...]:
        """The radio questions: the error summary links to their first choice."""
        ratings = [name for name in self.fields if name.startswith("rating_")]
        return (*ratings, "pain", "change")

    def activity_rows(self) -> list[dict]:
        """Each activity's name field (when asked for) and its rating, for the page."""
        rows = []
        for number in range(1, PSFS_MAX_ACTIVITIES + 1):
            if f"rating_{number}" not in self.fields:
                continue
            name = self[f"activity_{number}"] if self.names_activities else None
            rows.append({"name": name, "rating": self[f"rating_{number}"]})
        return rows

    def clean(self):
        data = super().clean()
        for number in range(1, PSFS_MAX_ACTIVITIES + 1) if self.names_activities else ():
            name = (data.get(f"activity_{number}") or "").strip()
            rated = data.get(f"rating_{number}") is not None
            if name and not rated and f"rating_{number}" not in self.errors:
                self.add_error(
                    f"rating_{number}",
                    _(
                        "Choose how well you can do “%(activity)s” now, from 0 to 10, "
                        "or clear the activity."
                    )
                    % {"activity": name},
                )
            if rated and not name and f"activity_{number}" not in self.errors:
                self.add_error(
                    f"activity_{number}",
                    _("Name the activity you rated, or clear its rating."),
                )
        if not self.errors and not self.has_answers():
            raise forms.ValidationError(NOTHING_ANSWERED, code="nothing_answered")
        return data

    def psfs_items(self) -> list[dict]:
        """The activities rated: their names and ratings (an activity left unrated is not
        kept; its rating could not be compared)."""
        data = self.cleaned_data
        items = []
        for number in range(1, PSFS_MAX_ACTIVITIES + 1):
            rating = data.get(f"rating_{number}")
            if rating is None:
                continue
            if self.names_activities:
                name = (data.get(f"activity_{number}") or "").strip()
            else:
                name = self.activities[number - 1]
            items.append({"activity": name, "rating": rating})
        return items

    def has_answers(self) -> bool:
        data = self.cleaned_data
        return bool(
            self.psfs_items() or data.get("pain") is not None or data.get("change") is not None
        )

    def answers(self) -> dict:
        """What was answered, by instrument; an instrument not answered is left out."""
        data = self.cleaned_data
        answers = {}
        if items := self.psfs_items():
            answers[Instrument.PSFS] = items
        if data.get("pain") is not None:
            answers[Instrument.NPRS] = data["pain"]
        if data.get("change") is not None:
            answers[Instrument.GROC] = data["change"]
        return answers
