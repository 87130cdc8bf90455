"""What patients report: walks (with every version), symptom check-ins, next-morning checks."""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.choices import (
    BodyArea,
    Effort,
    PainCharacter,
    SeriousSymptom,
    Side,
    Terrain,
)
from patients.fields import ChoiceListField
from patients.models.enrolment import PAIN_SCALE, Patient

# A patient may correct or delete their own log for this long; after that it is read-only.
EDIT_WINDOW = datetime.timedelta(hours=24)


class WalkLogQuerySet(models.QuerySet):
    def live(self) -> "WalkLogQuerySet":
        """Logs the patient has not deleted (deleted ones are kept for the record)."""
        return self.filter(deleted_at__isnull=True)

    def between(self, first: datetime.date, last: datetime.date) -> "WalkLogQuerySet":
        return self.filter(walked_on__gte=first, walked_on__lte=last)


class WalkLog(models.Model):
    """One walk as the patient reported it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="walk_logs")
    assignment = models.ForeignKey(
        "programs.PlanAssignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="walk_logs",
    )
    stage_position = models.PositiveSmallIntegerField(_("stage at the time"), null=True, blank=True)
    walked_on = models.DateField(_("date of the walk"))
    minutes = models.PositiveSmallIntegerField(
        _("minutes walked"), validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    terrain = models.CharField(
        _("ground"),
        max_length=10,
        choices=Terrain,
        help_text=_("A treadmill counts as flat ground."),
    )
    pain_before = models.PositiveSmallIntegerField(_("pain before (0-10)"), validators=PAIN_SCALE)
    pain_after = models.PositiveSmallIntegerField(_("pain after (0-10)"), validators=PAIN_SCALE)
    pain_character = ChoiceListField(
        _("what the pain feels like"), item_choices=PainCharacter.choices
    )
    pain_areas = ChoiceListField(_("where it is felt"), item_choices=BodyArea.choices)
    pain_side = models.CharField(_("which side"), max_length=5, choices=Side, blank=True)
    stopped_early = models.BooleanField(_("stopped early"), default=False)
    stopped_reason = models.CharField(_("why you stopped"), max_length=500, blank=True)
    effort = models.CharField(_("how hard it felt"), max_length=10, choices=Effort, blank=True)
    steps = models.PositiveIntegerField(
        _("steps"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    # One per form shown: a double click or a browser retry finds the first save.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = WalkLogQuerySet.as_manager()

    class Meta:
        ordering = ["-walked_on", "-created_at"]
        verbose_name = _("walk log")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_key"], name="walklog_submitted_once"
            ),
            models.CheckConstraint(
                condition=Q(pain_before__lte=10, pain_after__lte=10), name="walklog_pain_0_10"
            ),
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=300), name="walklog_minutes_1_300"
            ),
            models.CheckConstraint(
                condition=Q(terrain__in=Terrain.values), name="walklog_terrain_known"
            ),
        ]
        indexes = [
            # Serves a patient's history (newest first) and the rules' bounded look-back.
            models.Index(fields=["patient", "-walked_on"], name="walklog_patient_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} walked {self.minutes} min on {self.walked_on}"

    def can_be_changed(self, now: datetime.datetime) -> bool:
        return self.deleted_at is None and now - self.created_at < EDIT_WINDOW

    def snapshot(self) -> dict:
        """The values a patient reported, for the record of every change."""
        return {name: _jsonable(getattr(self, name)) for name in WALK_LOG_FIELDS}


WALK_LOG_FIELDS = [
    "walked_on",
    "minutes",
    "terrain",
    "pain_before",
    "pain_after",
    "pain_character",
    "pain_areas",
    "pain_side",
    "stopped_early",
    "stopped_reason",
    "effort",
    "steps",
    "note",
]


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


class RevisionAction(models.TextChoices):
    CREATED = "created", _("Logged")
    CORRECTED = "corrected", _("Corrected")
    DELETED = "deleted", _("Deleted")


class WalkLogRevision(models.Model):
    """Every save of a walk log, as it stood after the change. Never edited or deleted."""

    walk_log = models.ForeignKey(WalkLog, on_delete=models.PROTECT, related_name="revisions")
    action = models.CharField(max_length=10, choices=RevisionAction)
    values = models.JSONField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=RevisionAction.values), name="walklog_revision_action_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} at {self.changed_at:%Y-%m-%d %H:%M}"


class SymptomOnset(models.TextChoices):
    """When serious symptoms started: the national pathway sends under 14 days to the
    emergency department, older ones to urgent referral."""

    RECENT = "recent", _("In the last 2 weeks")
    EARLIER = "earlier", _("More than 2 weeks ago")
    NOT_SURE = "not_sure", _("I am not sure")


class SymptomCheckIn(models.Model):
    """A symptom report the patient makes at any time, with the serious-symptom questions.

    Every answer counts at once: a check-in is saved as soon as anything in it is worrying,
    even with other questions unanswered. Each serious question is yes, no or not answered
    (never "no" by default), and a later answer fills a gap but never turns a yes into a no.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="check_ins")
    reported_on = models.DateField(
        _("day"), help_text=_("The clinic's date when the patient reported it.")
    )
    pain_now = models.PositiveSmallIntegerField(
        _("pain now (0-10)"), validators=PAIN_SCALE, null=True, blank=True
    )
    pain_character = ChoiceListField(
        _("what the pain feels like"), item_choices=PainCharacter.choices
    )
    pain_areas = ChoiceListField(_("where it is felt"), item_choices=BodyArea.choices)
    pain_side = models.CharField(_("which side"), max_length=5, choices=Side, blank=True)
    hard_to_function = models.BooleanField(
        _("pain so bad it is hard to think, talk, sleep or move"), null=True, blank=True
    )
    says_flare = models.BooleanField(_("says it is a flare-up"), null=True, blank=True)
    serious_symptoms = ChoiceListField(
        _("serious symptoms answered yes"), item_choices=SeriousSymptom.choices
    )
    serious_denied = ChoiceListField(
        _("serious symptoms answered no"), item_choices=SeriousSymptom.choices
    )
    # A "yes" is never taken back (it has been acted on), but a later "no" is kept to show.
    serious_later_no = ChoiceListField(
        _("answered yes, then no when sending again"), item_choices=SeriousSymptom.choices
    )
    symptoms_started = models.CharField(
        _("serious symptoms started"), max_length=10, choices=SymptomOnset, blank=True
    )
    note = models.TextField(_("anything else"), blank=True, max_length=2000)
    # Symptoms typed on a walk log that could not be saved yet: acted on at once.
    from_walk_form = models.BooleanField(_("from an unfinished walk log"), default=False)
    advice_shown_at = models.DateTimeField(_("advice shown"), null=True, blank=True)
    submission_key = models.UUIDField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("symptom check-in")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_key"], name="checkin_submitted_once"
            ),
            models.CheckConstraint(condition=Q(pain_now__lte=10), name="checkin_pain_0_10"),
        ]
        indexes = [
            # Serves a patient's timeline, newest first.
            models.Index(fields=["patient", "-created_at"], name="checkin_patient_recent"),
            # Serves the rules' look-back by the day a report describes.
            models.Index(fields=["patient", "reported_on"], name="checkin_patient_day"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} checked in on {self.reported_on:%Y-%m-%d}"

    def answer(self, symptom: str) -> str | None:
        """ "yes", "no" or None (not answered) for one serious-symptom question."""
        if symptom in self.serious_symptoms:
            return "yes"
        if symptom in self.serious_denied:
            return "no"
        return None

    @property
    def unanswered(self) -> list[str]:
        return [symptom for symptom in SeriousSymptom if self.answer(symptom) is None]

    @property
    def yes_labels(self) -> list[str]:
        return [str(SeriousSymptom(code).label) for code in self.serious_symptoms]

    def answers(self) -> list[tuple[str, str | None]]:
        """Each question's wording with its answer, in the order they are asked."""
        return [
            (
                symptom.label,
                "yes, then no" if symptom in self.serious_later_no else self.answer(symptom),
            )
            for symptom in SeriousSymptom
        ]


class MorningFeeling(models.TextChoices):
    USUAL = "usual", _("Back to usual")
    BIT_WORSE = "bit_worse", _("A bit worse")
    MUCH_WORSE = "much_worse", _("Much worse")


class MorningCheck(models.Model):
    """The next-morning answer: how the back is compared with before yesterday's walk."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    walk_log = models.OneToOneField(WalkLog, on_delete=models.PROTECT, related_name="morning_check")
    feeling = models.CharField(
        _("compared with before yesterday's walk"), max_length=10, choices=MorningFeeling
    )
    # Optional: "much worse" counts even when the patient gives no number.
    pain_now = models.PositiveSmallIntegerField(
        _("pain now (0-10)"), validators=PAIN_SCALE, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("next-morning check")
        constraints = [
            models.CheckConstraint(
                condition=Q(feeling__in=MorningFeeling.values), name="morning_feeling_known"
            ),
            models.CheckConstraint(condition=Q(pain_now__lte=10), name="morning_pain_0_10"),
        ]

    def __str__(self) -> str:
        return f"{self.get_feeling_display()} after the walk on {self.walk_log.walked_on}"

    @property
    def settled(self) -> bool:
        return self.feeling == MorningFeeling.USUAL
