"""Forms for what patients report. They parse and check input; services do the writing."""

import datetime
import functools
import operator
import uuid

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from patients.choices import JOINT_AREAS, LEG_AREAS, BodyArea, Effort, PainCharacter, Side, Terrain
from patients.models import (
    PLAN_CHANGING_ACTIONS,
    FlagAction,
    FlagStatus,
    MorningFeeling,
    SymptomOnset,
)
from patients.rules import Rule, SeriousSymptom, Severity
from programs.actions import PLAN_ACTIONS, Expected

# How far back a walk may be logged, so a forgotten walk can still be added.
BACKDATE_DAYS = 14

YES_NO = [("yes", _("Yes")), ("no", _("No"))]
# Pain in these places is on a side; "both" legs is what the both-legs rule looks for.
SIDED_AREAS = LEG_AREAS | JOINT_AREAS


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


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing a username longer than any account's can be.

    Django sets the field's max_length without its validator, so an over-long name reached
    authentication and whatever records failed sign-ins in a shorter column: a 500.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class PasswordCheckForm(ErrorSummaryMixin, forms.Form):
    """The account's current password, checked the way sign-in checks it, so wrong guesses
    here count towards the same lockout."""

    password = forms.CharField(
        label=_("Your Stepwise password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your Stepwise password.")},
    )

    def __init__(self, *args, request, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.request, self.user = request, user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        signed_in = authenticate(self.request, username=self.user.username, password=password)
        if signed_in is None or signed_in.pk != self.user.pk:
            raise forms.ValidationError(
                _("That is not your Stepwise password. Try again, or ask your clinic for help.")
            )
        return password


class PatientForm(ErrorSummaryMixin, forms.Form):
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


class WalkLogForm(PatientForm):
    walked_on = forms.DateField(
        label=_("Date of the walk"),
        # A date input speaks ISO dates whatever the language; other formats show as empty.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter the date of the walk."),
            "invalid": _("Enter a real date, for example 21/11/2026."),
        },
    )
    minutes = forms.IntegerField(
        label=_("How many minutes did you walk?"),
        min_value=1,
        max_value=300,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "min_value": _("Enter at least 1 minute."),
            "max_value": _("Enter 300 minutes or fewer. Split a longer walk into two."),
            "invalid": _("Enter the minutes as a number, like 10."),
            "required": _("Enter how many minutes you walked."),
        },
    )
    terrain = forms.ChoiceField(
        label=_("What ground did you walk on?"),
        choices=Terrain.choices,
        widget=forms.RadioSelect,
        initial=Terrain.FLAT,
        help_text=_("A treadmill counts as flat ground."),
        error_messages={"required": _("Choose the ground you walked on.")},
    )
    pain_before = pain_scale(
        _("Pain before the walk"), _("Choose your pain before the walk, from 0 to 10.")
    )
    pain_after = pain_scale(
        _("Pain after the walk"), _("Choose your pain after the walk, from 0 to 10.")
    )
    pain_character = choice_list(_("What does the pain feel like?"), PainCharacter.choices)
    pain_areas = choice_list(_("Where do you feel it?"), BodyArea.choices)
    pain_side = side_field()
    stopped_early = forms.TypedChoiceField(
        label=_("Did you stop early?"),
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="no",
    )
    stopped_reason = forms.CharField(label=_("Why did you stop?"), max_length=500, required=False)
    # "Yes, this was another walk" after being told an identical one was just saved.
    another_walk = forms.BooleanField(required=False, widget=forms.HiddenInput)
    effort = forms.ChoiceField(
        label=_("How hard did it feel?"),
        choices=Effort.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    steps = forms.IntegerField(
        label=_("Steps (optional)"),
        min_value=0,
        max_value=100_000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("Anything else (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    grouped = (
        "terrain",
        "pain_before",
        "pain_after",
        "pain_character",
        "pain_areas",
        "pain_side",
        "stopped_early",
        "effort",
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        self.fields["walked_on"].initial = today
        self.fields["walked_on"].widget.attrs.update(
            min=(today - datetime.timedelta(days=BACKDATE_DAYS)).isoformat(), max=today.isoformat()
        )

    def clean_walked_on(self) -> datetime.date:
        walked_on = self.cleaned_data["walked_on"]
        if walked_on > self.today:
            raise forms.ValidationError(_("The date cannot be in the future."))
        if walked_on < self.today - datetime.timedelta(days=BACKDATE_DAYS):
            raise forms.ValidationError(
                _(
                    "You can log walks from the last %(days)d days. "
                    "For older walks, tell your clinic."
                )
                % {"days": BACKDATE_DAYS}
            )
        return walked_on

    def clean_stopped_reason(self) -> str:
        return self.cleaned_data["stopped_reason"].strip()

    def clean(self):
        cleaned = super().clean()
        require_side(self)
        return cleaned

    def symptom_answers(self) -> dict:
        """What this form says about symptoms, from the fields that are valid: acted on at
        once even while another field still has a mistake."""
        data = self.cleaned_data
        return {
            "pain_now": data.get("pain_after"),
            "pain_character": data.get("pain_character") or [],
            "pain_areas": data.get("pain_areas") or [],
            "pain_side": data.get("pain_side") or "",
            "note": data.get("note") or "",
        }

    def values(self) -> dict:
        """What the service stores, without the submission key."""
        values = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("submission", "another_walk")
        }
        if not values["stopped_early"]:
            values["stopped_reason"] = ""
        return values


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


class SymptomCheckInForm(PatientForm):
    """Pain now and the serious-symptom questions.

    A serious question left blank is stored as not answered and asked again; it never
    stops the rest being saved. Whatever is worrying is acted on even when another answer
    is missing or has a mistake (the view decides that, from `answers()`).
    """

    pain_now = pain_scale(
        _("How bad is your pain now?"), _("Choose how bad your pain is now, from 0 to 10.")
    )
    pain_character = choice_list(_("What does the pain feel like?"), PainCharacter.choices)
    pain_areas = choice_list(_("Where do you feel it?"), BodyArea.choices)
    pain_side = side_field()
    hard_to_function = yes_no(
        _("Is the pain so bad that it is hard to think, talk, sleep or move?"),
        _("Answer yes or no: is the pain so bad that it is hard to think, talk, sleep or move?"),
    )
    says_flare = yes_no(
        _(
            "Is this a flare-up: pain worse than usual that is hard to cope with and gets in "
            "the way of your usual activities or mood? (optional)"
        )
    )
    symptoms_started = forms.ChoiceField(
        label=_("When did the symptoms you said yes to start? (optional)"),
        choices=SymptomOnset.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    note = forms.CharField(
        label=_("Anything else you want your clinic to know (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for symptom in SeriousSymptom:
            self.fields[f"serious_{symptom.value}"] = forms.ChoiceField(
                label=symptom.label, choices=YES_NO, widget=forms.RadioSelect, required=False
            )
        self.grouped = (
            "pain_now",
            "pain_character",
            "pain_areas",
            "pain_side",
            "hard_to_function",
            "says_flare",
            "symptoms_started",
            *(f"serious_{symptom.value}" for symptom in SeriousSymptom),
        )

    # Set when the form comes back after a partial save: the questions still to answer.
    asking_again = False

    def serious_fields(self):
        return [self[f"serious_{symptom.value}"] for symptom in SeriousSymptom]

    def clean(self):
        cleaned = super().clean()
        require_side(self)
        return cleaned

    def error_summary(self) -> list[dict]:
        """After a partial save, the serious questions still unanswered come first."""
        items = super().error_summary()
        if not self.asking_again:
            return items
        blank = [field for field in self.serious_fields() if not field.value()]
        if blank:
            message = ngettext(
                "%(count)d question about serious symptoms is not answered yet.",
                "%(count)d questions about serious symptoms are not answered yet.",
                len(blank),
            ) % {"count": len(blank)}
            items.insert(0, {"anchor": f"{blank[0].auto_id}_0", "message": message})
        return items

    def serious_answers(self) -> tuple[set[str], set[str]]:
        """The questions answered yes and those answered no; the rest are not answered."""
        data = self.cleaned_data
        answered = {
            symptom.value: data.get(f"serious_{symptom.value}") for symptom in SeriousSymptom
        }
        yes = {code for code, answer in answered.items() if answer == "yes"}
        no = {code for code, answer in answered.items() if answer == "no"}
        return yes, no

    def answers(self) -> dict:
        """Everything that was answered validly, whether or not the whole form is valid.

        Call after is_valid(). Missing or mistaken answers are left out (None or empty),
        to be asked again.
        """
        data = self.cleaned_data
        return {
            "pain_now": data.get("pain_now"),
            "pain_character": data.get("pain_character") or [],
            "pain_areas": data.get("pain_areas") or [],
            "pain_side": data.get("pain_side") or "",
            "hard_to_function": data.get("hard_to_function"),
            "says_flare": data.get("says_flare"),
            "symptoms_started": data.get("symptoms_started") or "",
            "note": data.get("note") or "",
        }


class FollowUpForm(ErrorSummaryMixin, forms.Form):
    """The questions a saved check-in left unanswered, asked again after the advice.

    Every field is optional: this form never stands between the patient and the advice
    above it, and a blank stays "not answered".
    """

    def __init__(self, *args, check_in, ask_onset: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.check_in = check_in
        if check_in.pain_now is None:
            self.fields["pain_now"] = pain_scale(_("How bad is your pain now?"), "")
            self.fields["pain_now"].required = False
        if check_in.hard_to_function is None:
            self.fields["hard_to_function"] = yes_no(
                SymptomCheckInForm.base_fields["hard_to_function"].label
            )
        for symptom in check_in.unanswered:
            self.fields[f"serious_{symptom}"] = forms.ChoiceField(
                label=SeriousSymptom(symptom).label,
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=False,
            )
        if ask_onset and not check_in.symptoms_started:
            self.fields["symptoms_started"] = forms.ChoiceField(
                label=_("When did these symptoms start?"),
                help_text=_("This helps the doctors who see you. Answer if you can."),
                choices=SymptomOnset.choices,
                widget=forms.RadioSelect,
                required=False,
            )
        self.grouped = tuple(self.fields)

    @property
    def is_empty(self) -> bool:
        return not self.fields

    def serious_fields(self):
        return [self[name] for name in self.fields if name.startswith("serious_")]

    def other_fields(self):
        return [self[name] for name in self.fields if not name.startswith("serious_")]

    def answers(self) -> tuple[set[str], set[str], dict]:
        """(yes, no, other answers) from what validated; blanks are left out."""
        data = self.cleaned_data
        yes = {
            n[len("serious_") :] for n, v in data.items() if n.startswith("serious_") and v == "yes"
        }
        no = {
            n[len("serious_") :] for n, v in data.items() if n.startswith("serious_") and v == "no"
        }
        others = {
            name: value
            for name, value in data.items()
            if not name.startswith("serious_") and value not in (None, "")
        }
        return yes, no, others


class MorningCheckForm(PatientForm):
    feeling = forms.ChoiceField(
        label=_("How is your back this morning compared with before yesterday's walk?"),
        choices=MorningFeeling.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how your back feels.")},
    )
    pain_now = pain_scale(_("Pain now (if you can)"), "")
    grouped = ("feeling", "pain_now")

    def __init__(self, *args, morning: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pain_now"].required = False
        if not morning:  # asked later in the day, it would read oddly as "this morning"
            self.fields["feeling"].label = _(
                "How is your back today compared with before yesterday's walk?"
            )


class SecondCheckMixin:
    """A tick box that some choices need (see patients/second_checks.py).

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


OUT_OF_DATE = _("This page was out of date. Open it again and choose again.")


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


class SecondFactorForm(ErrorSummaryMixin, forms.Form):
    """A six-digit code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        error_messages={"required": _("Enter the code from your authenticator app.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class NewAuthenticatorForm(SecondFactorForm):
    """Setting up an authenticator: the code from the new app, and the password again.

    Without the password, a session left signed in (or taken over) could enrol its own
    app after a clinic admin reset the account's two-step sign-in.
    """

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To keep your account safe, type your password again."),
        error_messages={"required": _("Type your password.")},
    )

    field_order = ["password", "code"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password. Type it again."))
        return password
