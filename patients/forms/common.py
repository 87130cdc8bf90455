"""What the app's forms share: the error summary, pain scales, yes-or-no questions, sides,
and the submission key that makes a patient's report save once."""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.choices import (
    JOINT_AREAS,
    LEG_AREAS,
    Side,
)

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def pain_scale(label: str, required_message: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(n, str(n)) for n in range(11)],
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
        error_messages={
            "required": required_message,
            "invalid_choice": _("Choose a number from 0 to 10."),
        },
    )


def choice_list(label: str, choices, help_text: str = "") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class ErrorSummaryMixin:
    """An error summary for the top of the page, each message linking to its field."""

    # Radio buttons and checkboxes: the summary links to the first option.
    grouped = ()

    def error_summary(self) -> list[dict]:
        items = []
        for name, errors in self.errors.items():
            if name == "__all__":
                items += [{"anchor": "", "message": message} for message in errors]
                continue
            field = self[name]
            anchor = f"{field.auto_id}_0" if name in self.grouped else field.auto_id
            items += [{"anchor": anchor, "message": message} for message in errors]
        return items


OUT_OF_DATE = _("This page was out of date. Open it again and choose again.")


# Pain in these places is on a side; "both" legs is what the both-legs rule looks for.
SIDED_AREAS = LEG_AREAS | JOINT_AREAS


class ReportForm(ErrorSummaryMixin, forms.Form):
    """A patient's report: carries a submission key so a repeat saves nothing twice."""

    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission", uuid.uuid4())

    def submission_key(self) -> uuid.UUID | None:
        """The form's key, whether or not the rest of the form is valid."""
        return self.cleaned_data.get("submission")


def side_field() -> forms.ChoiceField:
    # Nothing is chosen until the patient chooses: a default side was saved for people who
    # never saw the question.
    return forms.ChoiceField(
        label=_("Which side, for leg, hip, knee or foot pain?"),
        choices=[(side.value, side.label) for side in Side if side.value],
        widget=forms.RadioSelect,
        required=False,
    )


def require_side(form: forms.Form) -> None:
    """A leg, hip, knee or foot needs a side: the both-legs rule cannot see it otherwise."""
    areas = set(form.cleaned_data.get("pain_areas") or [])
    if areas & SIDED_AREAS and not form.cleaned_data.get("pain_side"):
        form.add_error(
            "pain_side",
            _("Choose which side you feel it on: left, right or both."),
        )


def yes_no(label: str, required_message: str = "") -> forms.TypedChoiceField:
    """A yes/no question; not answered stays None, never "no"."""
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        required=bool(required_message),
        error_messages={"required": required_message},
    )
