"""The enrolment form in the admin: the patient's name and email, their baseline, and, at
enrolment only, whether to turn their reminders on with the usual settings."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from patients.models import Patient, StaffMembership
from patients.security import access

User = get_user_model()

ACCOUNT_FIELDS = ("first_name", "last_name", "email")
# Asked when a patient is enrolled, not stored on the enrolment.
ENROLMENT_ONLY = ("turn_on_reminders",)


class PatientForm(forms.ModelForm):
    """The enrolment form: the patient's name and email, then their baseline."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        help_text=_(
            "The patient signs in with this. Their invitation is emailed here once you save."
        ),
    )
    # At enrolment only: afterwards the reminders are the patient's to change or stop.
    turn_on_reminders = forms.BooleanField(
        label=_("Turn on reminders with the usual settings"),
        required=False,
        help_text=_(
            "Email reminders at 10:00 on the stage's walk days (three a week until a plan is "
            "assigned), a nudge after 3 days without a walk, and a next-morning reminder at "
            "09:00. The patient can change or stop them at any time."
        ),
    )

    class Meta:
        model = Patient
        fields = [
            "clinic",
            "clinician",
            "enrolled_on",
            "usual_pain",
            "leg_symptoms",
            "leg_symptoms_below_knee",
            "known_nerve_symptoms",
            "known_walking_pattern",
            "known_joint_pain",
            "past_cancer",
            "steroid_or_immunosuppressant",
            "osteoporosis",
            "iv_drug_use",
            "cleared_to_exercise",
            "goal",
            "phone",
            "language",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            for name in ACCOUNT_FIELDS:
                self.fields[name].initial = getattr(self.instance.user, name)
            if self.instance.pending_email:
                self.fields["email"].help_text = _(
                    "Waiting for the patient to confirm %(email)s from that address; until "
                    "then they sign in with this one. Type the new address again to resend "
                    "the link."
                ) % {"email": self.instance.pending_email}

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        others = User.objects.filter(username__iexact=email)
        if not self.instance._state.adding:
            others = others.exclude(pk=self.instance.user_id)
        if others.exists():
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        clinic, clinician = cleaned.get("clinic"), cleaned.get("clinician")
        if (
            clinic
            and clinician
            and not clinician.is_superuser
            and not StaffMembership.objects.filter(
                user=clinician, clinic=clinic, role__in=access.CARE_ROLES
            ).exists()
        ):
            self.add_error("clinician", _("Choose a clinician who works at this clinic."))
        return cleaned
