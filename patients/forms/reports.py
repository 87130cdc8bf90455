"""What patients report: a walk, a symptom check-in and its follow-up, a next-morning check."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from patients.choices import (
    BodyArea,
    Effort,
    PainCharacter,
    SeriousSymptom,
    Terrain,
)
from patients.forms.common import (
    YES_NO,
    ErrorSummaryMixin,
    ReportForm,
    choice_list,
    pain_scale,
    require_side,
    side_field,
    yes_no,
)
from patients.models import (
    MorningFeeling,
    SymptomOnset,
)

# How far back a walk may be logged, so a forgotten walk can still be added.
BACKDATE_DAYS = 14


class WalkLogForm(ReportForm):
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

    # The walk's optional detail, folded on the form until one of them is answered.
    walk_detail_fields = ("stopped_early", "stopped_reason", "effort", "steps", "note")

    def walk_details_given(self) -> bool:
        """Whether the folded part has an answer or a mistake in it, so the page opens it."""
        if self.is_bound:
            answered = [self.data.get(name) for name in self.walk_detail_fields]
            return (
                any(answered[1:])
                or answered[0] == "yes"
                or any(name in self.errors for name in self.walk_detail_fields)
            )
        return bool(self.initial.get("stopped_early") == "yes") or any(
            self.initial.get(name) for name in self.walk_detail_fields[1:]
        )

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


class SymptomCheckInForm(ReportForm):
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


class MorningCheckForm(ReportForm):
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
