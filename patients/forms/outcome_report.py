"""The filters of the clinic's outcomes page (patients/views/outcomes_report.py)."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.forms.common import ErrorSummaryMixin


def _clinician_name(user) -> str:
    """The clinician's name, and their clinics among those overseen when the list carries
    them (a reviewer of several clinics tells two Sams apart by their clinic)."""
    name = user.get_full_name() or user.username
    clinics = ", ".join(m.clinic.name for m in getattr(user, "overseen_memberships", []))
    return f"{name} ({clinics})" if clinics else name


class OutcomeReportForm(ErrorSummaryMixin, forms.Form):
    """Every field optional; a bad value is reported beside its field, never fatal. Only the
    clinics the reviewer oversees can be chosen: another clinic's id is a form error."""

    clinic = forms.ModelChoiceField(
        label=_("Clinic"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of your clinics.")},
    )
    clinician = forms.ModelChoiceField(
        label=_("Clinician"),
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the clinicians in your clinics.")},
    )
    date_from = forms.DateField(
        label=_("Discharged from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Discharged up to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, clinics, clinicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["clinician"].queryset = clinicians
        self.fields["clinic"].empty_label = self.fields["clinician"].empty_label = _("All")
        self.fields["clinician"].label_from_instance = _clinician_name

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned

    def chosen(self) -> list[tuple[str, str]]:
        """Each filter's label and its value in words ("all" when not chosen), for the
        CSV's first rows. Only called on a valid or unbound form."""
        data = self.cleaned_data if self.is_bound else {}
        clinic, clinician = data.get("clinic"), data.get("clinician")
        first, last = data.get("date_from"), data.get("date_to")
        every = gettext("all")
        return [
            (gettext("clinic"), clinic.name if clinic else every),
            (gettext("clinician"), _clinician_name(clinician) if clinician else every),
            (gettext("discharged from"), first.isoformat() if first else every),
            (gettext("discharged up to"), last.isoformat() if last else every),
        ]
