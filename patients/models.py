import datetime
import uuid
import zoneinfo

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients import phones
from patients.choices import NERVE_CHARACTERS, BodyArea, Effort, PainCharacter, Side, Terrain
from patients.fields import ChoiceListField
from patients.rules import SEVERITY_RANK, Rule, SeriousSymptom, Severity

PAIN_SCALE = [MinValueValidator(0), MaxValueValidator(10)]


class Country(models.TextChoices):
    """Countries Stepwise knows the national emergency number of."""

    GB = "GB", _("United Kingdom")
    IE = "IE", _("Ireland")
    US = "US", _("United States")
    CA = "CA", _("Canada")
    AU = "AU", _("Australia")
    NZ = "NZ", _("New Zealand")
    EU = "EU", _("European Union (other)")


# Fixed per country so that no clinic setting can ever replace it with a clinic line.
EMERGENCY_NUMBERS = {
    Country.GB: "999",
    Country.IE: "112",
    Country.US: "911",
    Country.CA: "911",
    Country.AU: "000",
    Country.NZ: "111",
    Country.EU: "112",
}


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Clinic(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=Country, default=Country.GB)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/London",
        validators=[validate_timezone],
        help_text=_("Decides when a patient's day starts, e.g. Europe/London."),
    )
    alert_email = models.EmailField(
        _("alert address"),
        blank=True,
        help_text=_(
            "Urgent and same-day flags are emailed here as well as to the patient's clinician."
        ),
    )
    escalation_email = models.EmailField(
        _("escalation address"),
        blank=True,
        help_text=_("Told when an urgent or same-day flag is not acknowledged in time."),
    )
    escalation_minutes = models.PositiveIntegerField(
        _("minutes to acknowledge before escalating"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    # Red-flag thresholds the clinic may tune, within bounds that keep the rules meaningful.
    # The defaults are the design's; the urgent and same-day rules cannot be tuned.
    severe_pain_threshold = models.PositiveSmallIntegerField(
        _("severe pain: at or above"),
        default=8,
        validators=[MinValueValidator(6), MaxValueValidator(10)],
    )
    severe_pain_rise = models.PositiveSmallIntegerField(
        _("severe pain: points above usual"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    walk_pain_advice_above = models.PositiveSmallIntegerField(
        _("advice after a walk when pain is above"),
        default=5,
        validators=[MinValueValidator(3), MaxValueValidator(8)],
    )
    flare_rise = models.PositiveSmallIntegerField(
        _("flare: points above usual"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    next_morning_rise = models.PositiveSmallIntegerField(
        _("walk-provoked: next-morning points above the pre-walk score"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    no_activity_days = models.PositiveSmallIntegerField(
        _("no activity: days without a walk"),
        default=7,
        validators=[MinValueValidator(3), MaxValueValidator(28)],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinic")
        constraints = [
            models.CheckConstraint(
                condition=Q(country__in=Country.values), name="clinic_country_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def emergency_number(self) -> str:
        return EMERGENCY_NUMBERS[Country(self.country)]

    # The one clock: every page, report, email and command asks the clinic what day it is.
    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_time(self, moment: datetime.datetime) -> datetime.datetime:
        return timezone.localtime(moment, self.zone)

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        """The clinic's day at a moment: a check-in made then is about that day."""
        return self.local_time(moment).date()

    def today(self) -> datetime.date:
        """The date where the clinic and its patients are: their "today" and "this week"."""
        return self.local_date(timezone.now())


class StaffRole(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    REVIEWER = "reviewer", _("Reviewer")
    CLINIC_ADMIN = "clinic_admin", _("Clinic admin")


class StaffMembershipQuerySet(models.QuerySet):
    def for_user(self, user) -> "StaffMembershipQuerySet":
        return self.filter(user=user, user__is_active=True)


class StaffMembership(models.Model):
    """A staff account's role in one clinic; a reviewer may oversee several clinics."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=StaffRole)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StaffMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff membership")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic"], name="membership_one_role_per_clinic"
            ),
            models.CheckConstraint(
                condition=Q(role__in=StaffRole.values), name="membership_role_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.clinic})"


class LegSymptoms(models.TextChoices):
    NONE = "none", _("No leg symptoms")
    LEFT = "left", _("Left leg")
    RIGHT = "right", _("Right leg")
    BOTH = "both", _("Both legs")


class PatientQuerySet(models.QuerySet):
    def in_clinics(self, clinic_ids) -> "PatientQuerySet":
        return self.filter(clinic_id__in=clinic_ids)


class Patient(models.Model):
    """A patient's enrolment: who they are, where they are treated, and their baseline.

    The red-flag rules compare every report against this baseline, so a symptom recorded
    here as already present and known never raises an alarm on its own.
    """

    # Opaque keys for everything that appears in a URL (the admin's included).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="responsible_for",
        verbose_name=_("responsible clinician"),
    )
    enrolled_on = models.DateField(_("enrolled on"), default=timezone.localdate)

    usual_pain = models.PositiveSmallIntegerField(
        _("usual pain (0-10)"),
        validators=PAIN_SCALE,
        help_text=_("Usual back pain on the 0-10 scale: 0 is no pain, 10 the worst imaginable."),
    )
    leg_symptoms = models.CharField(
        _("leg symptoms already present"),
        max_length=5,
        choices=LegSymptoms,
        default=LegSymptoms.NONE,
    )
    leg_symptoms_below_knee = models.BooleanField(
        _("leg symptoms reach below the knee"), default=False
    )
    known_nerve_symptoms = ChoiceListField(
        _("nerve-type symptoms already present in the leg"),
        item_choices=[(c.value, c.label) for c in PainCharacter if c in NERVE_CHARACTERS],
    )
    known_walking_pattern = models.BooleanField(
        _("known pattern: leg pain on walking that eases when sitting"), default=False
    )
    known_joint_pain = ChoiceListField(
        _("hip, knee or foot pain already present"),
        item_choices=[(a.value, a.label) for a in (BodyArea.HIP, BodyArea.KNEE, BodyArea.FOOT)],
    )
    past_cancer = models.BooleanField(_("past cancer"), default=False)
    steroid_or_immunosuppressant = models.BooleanField(
        _("steroid or immunosuppressant use"), default=False
    )
    osteoporosis = models.BooleanField(_("osteoporosis"), default=False)
    iv_drug_use = models.BooleanField(_("IV drug use"), default=False)
    cleared_to_exercise = models.BooleanField(
        _("cleared to exercise"),
        default=False,
        help_text=_("A clinician has confirmed walking is safe for this patient."),
    )
    goal = models.TextField(_("patient's own goal"), blank=True)
    # A new address a clinician typed for an account that has a password: it takes effect
    # only when confirmed from that address (the old one is told), so nobody can move a
    # patient's account to an address they control.
    pending_email = models.EmailField(_("new email, waiting to be confirmed"), blank=True)
    phone = models.CharField(
        _("telephone"),
        max_length=20,
        blank=True,
        help_text=_(
            "Shown to clinicians beside urgent and same-day flags, to call the patient. "
            "Numbers in the clinic's country may be typed as dialled there."
        ),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("patient")
        constraints = [
            models.CheckConstraint(
                condition=Q(usual_pain__gte=0, usual_pain__lte=10), name="patient_usual_pain_0_10"
            ),
            models.CheckConstraint(
                condition=Q(leg_symptoms__in=LegSymptoms.values), name="patient_leg_symptoms_known"
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        if self.phone and self.clinic_id is not None:
            try:
                self.phone = phones.normalise(self.phone, self.clinic.country)
            except ValidationError as error:
                raise ValidationError({"phone": error.messages}) from error

    @property
    def phone_display(self) -> str:
        return phones.display(self.phone)

    @property
    def is_frail_for_falls(self) -> bool:
        """A fall matters more when bones may be fragile (osteoporosis, steroids)."""
        return self.osteoporosis or self.steroid_or_immunosuppressant


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


INVITATION_LIFETIME = datetime.timedelta(days=7)


class InvitationState(models.TextChoices):
    VALID = "valid", _("Waiting to be accepted")
    USED = "used", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REPLACED = "replaced", _("Replaced by a newer invitation")


class Invitation(models.Model):
    """A single-use, expiring link for a patient to set their password.

    Only a hash of the token is stored, so a copy of the database cannot be used to sign in.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")

    def __str__(self) -> str:
        return f"Invitation for {self.patient} ({self.created_at:%Y-%m-%d})"

    def state(self, now: datetime.datetime) -> str:
        if self.used_at:
            return InvitationState.USED
        if self.replaced_at:
            return InvitationState.REPLACED
        if now >= self.expires_at:
            return InvitationState.EXPIRED
        return InvitationState.VALID


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


UNRESOLVED_FLAG_STATUSES = [FlagStatus.OPEN, FlagStatus.ACKNOWLEDGED]


class EvidenceChange(models.TextChoices):
    """What became of a report a flag was raised on, after it was raised."""

    WITHDRAWN = "withdrawn", _("Evidence withdrawn: the patient deleted a walk")
    CORRECTED = "corrected", _("Evidence corrected: the patient changed a walk")


class FlagAction(models.TextChoices):
    """What the clinician did about a flag when resolving it."""

    CONTINUE = "continue", _("Continue the plan")
    HOLD = "hold", _("Hold at this stage")
    STEP_BACK = "step_back", _("Step back a stage")
    ADVANCE = "advance", _("Advance")
    REFER = "refer", _("Refer")


# Resolving with one of these changes the patient's active plan in the same step.
PLAN_CHANGING_ACTIONS = frozenset({FlagAction.HOLD, FlagAction.STEP_BACK, FlagAction.ADVANCE})


class FlagQuerySet(models.QuerySet):
    def unresolved(self) -> "FlagQuerySet":
        return self.filter(status__in=UNRESOLVED_FLAG_STATUSES)

    def in_clinics(self, clinic_ids) -> "FlagQuerySet":
        return self.filter(patient__clinic_id__in=clinic_ids)

    def queue_order(self) -> "FlagQuerySet":
        """Most severe first, then the longest waiting."""
        rank = models.Case(
            *(
                models.When(severity=severity, then=rank)
                for severity, rank in SEVERITY_RANK.items()
            ),
            output_field=models.IntegerField(),
        )
        return self.annotate(severity_rank=rank).order_by("-severity_rank", "opened_at")


class Flag(models.Model):
    """A rule that fired for a patient, and what the clinic did about it.

    While a flag for the same rule is unresolved, new evidence joins it instead of raising
    a duplicate; worse evidence raises its severity. Nothing is deleted: every change is a
    FlagEvent.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="flags")
    rule = models.CharField(_("rule"), max_length=20, choices=Rule)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity)
    status = models.CharField(
        _("status"), max_length=12, choices=FlagStatus, default=FlagStatus.OPEN
    )
    summary = models.CharField(_("summary"), max_length=300)
    high_priority = models.BooleanField(default=False)
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    last_evidence_at = models.DateTimeField(_("latest evidence"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution_action = models.CharField(max_length=10, choices=FlagAction, blank=True)
    resolution_note = models.TextField(blank=True)
    # Continue or advance on an urgent or same-day flag, or on a red light, needs a second,
    # explicit confirmation; this records that it was given.
    resolved_against_warning = models.BooleanField(default=False)
    evidence_change = models.CharField(
        _("evidence since"), max_length=10, choices=EvidenceChange, blank=True
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("flag")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "rule"],
                condition=Q(status__in=UNRESOLVED_FLAG_STATUSES),
                name="flag_one_unresolved_per_rule",
            ),
            models.CheckConstraint(condition=Q(rule__in=Rule.values), name="flag_rule_known"),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="flag_severity_known"
            ),
            models.CheckConstraint(
                condition=Q(status__in=FlagStatus.values), name="flag_status_known"
            ),
        ]
        indexes = [
            # Serves the dashboard queue: a clinic's unresolved flags, oldest first.
            models.Index(fields=["status", "opened_at"], name="flag_queue"),
            # Serves the engine's look-up of a patient's unresolved flags on every save.
            models.Index(fields=["patient", "status"], name="flag_patient_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.summary}"

    @property
    def is_resolved(self) -> bool:
        return self.status == FlagStatus.RESOLVED

    @property
    def seen(self) -> str:
        """The flag as a page shows it; acknowledge and resolve post it back and go ahead
        only if the flag is unchanged (patients/flags.py). New evidence, even on a flag
        still open, changes it: a page that never showed the news cannot act on it."""
        return "|".join(
            [self.status, self.severity, self.last_evidence_at.isoformat(), self.evidence_change]
        )


class FlagEventKind(models.TextChoices):
    RAISED = "raised", _("Raised")
    EVIDENCE = "evidence", _("New evidence")
    ESCALATED = "escalated", _("Severity raised")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")
    WITHDRAWN = "withdrawn", _("Evidence withdrawn")
    CORRECTED = "corrected", _("Evidence corrected")


class FlagEvent(models.Model):
    """One thing that happened to a flag: evidence added or a step of its lifecycle."""

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=FlagEventKind)
    severity = models.CharField(max_length=10, choices=Severity)
    summary = models.CharField(max_length=300, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FlagEventKind.values), name="flag_event_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class NotificationKind(models.TextChoices):
    ALERT = "alert", _("Alert")
    ESCALATION = "escalation", _("Escalation")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Could not be sent")


class NotificationQuerySet(models.QuerySet):
    def undelivered(self) -> "NotificationQuerySet":
        return self.exclude(state=DeliveryState.SENT)


class Notification(models.Model):
    """One email about a flag, and whether it got out. The dashboard shows the failures."""

    flag = models.ForeignKey(Flag, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=12, choices=NotificationKind)
    recipient = models.EmailField()
    state = models.CharField(max_length=10, choices=DeliveryState, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="notification_state_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_known"
            ),
        ]
        indexes = [
            # Serves the dashboard's "not delivered" panel and the retry sweep.
            models.Index(fields=["state", "created_at"], name="notification_undelivered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}: {self.get_state_display()}"


class AuditAction(models.TextChoices):
    VIEWED = "viewed", _("Viewed")
    EXPORTED = "exported", _("Exported")
    CREATED = "created", _("Created")
    CHANGED = "changed", _("Changed")
    DELETED = "deleted", _("Deleted")
    ERASED = "erased", _("Erased")


class AuditEventQuerySet(models.QuerySet):
    """Append-only: rows are added, never changed or removed through the app."""

    def update(self, **kwargs):
        raise PermissionError("The audit trail cannot be changed.")

    def delete(self):
        raise PermissionError("The audit trail cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what to which patient's data, when, from where.

    Written in the same transaction as the change it records. It names people by id and
    username only and never copies clinical content, so erasing a patient leaves an audit
    that says what happened without saying anything about them. The patient and actor
    are plain values, not foreign keys, so erasing either leaves every row as it was.
    """

    at = models.DateTimeField(default=timezone.now)
    actor_id = models.IntegerField(null=True, blank=True)
    actor = models.CharField(_("by"), max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=AuditAction)
    subject = models.CharField(_("what"), max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(_("patient"), null=True, blank=True)
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values), name="audit_action_known"
            ),
        ]
        indexes = [
            # The admin's list for one clinic, newest first; and one patient's history.
            models.Index(fields=["clinic", "-at"], name="audit_clinic_at"),
            models.Index(fields=["patient_id", "-at"], name="audit_patient_at"),
        ]

    def __str__(self) -> str:
        return f"{self.actor or 'system'} {self.get_action_display().lower()} {self.subject}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit trail cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail cannot be deleted.")


class FailedSignIn(AccessAttempt):
    """django-axes' record of wrong passwords for one account; deleting it unlocks."""

    class Meta:
        proxy = True
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("locked and failed sign-ins")
