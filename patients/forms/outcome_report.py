"""The filters of the clinic's outcomes page (patients/views/outcomes_report.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patients.forms.common import ErrorSummaryMixin


class OutcomeReportForm(ErrorSummaryMixin, forms.Form):
    """Every field optional; a bad value is reported beside its field, never fatal. Only the
    clinics the reviewer oversees can be chosen: another clinic's id is a form error."""

    clinic = forms.ModelChoiceField(label=_("Clinic"), queryset=None, required=False)
    clinician = forms.ModelChoiceField(label=_("Clinician"), queryset=None, required=False)
    date_from = forms.DateField(
        label=_("Discharged from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=_("Discharged up to"),
        required=False,
        help_text=_("Adherence counts the plans that started between these dates."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, clinics, clinicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics
        self.fields["clinician"].queryset = clinicians
        self.fields["clinic"].empty_label = self.fields["clinician"].empty_label = _("All")
        self.fields["clinician"].label_from_instance = lambda user: (
            user.get_full_name() or user.username
        )

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned
