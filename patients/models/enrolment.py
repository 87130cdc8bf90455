"""Patients, their baseline at enrolment, and the invitations that set their first password."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patients import phones
from patients.choices import (
    NERVE_CHARACTERS,
    BodyArea,
    PainCharacter,
)
from patients.fields import ChoiceListField
from patients.models.clinics import Clinic
from patients.models.deliveries import Delivery, DeliveryState

PAIN_SCALE = [MinValueValidator(0), MaxValueValidator(10)]


class LegSymptoms(models.TextChoices):
    NONE = "none", _("No leg symptoms")
    LEFT = "left", _("Left leg")
    RIGHT = "right", _("Right leg")
    BOTH = "both", _("Both legs")


class PatientQuerySet(models.QuerySet):
    def in_clinics(self, clinic_ids) -> "PatientQuerySet":
        return self.filter(clinic_id__in=clinic_ids)

    def lock(self, pk) -> "Patient":
        """The patient, read afresh with their clinic and locked until the transaction ends.

        Every change to what a patient reported, their flags or their plan takes this lock
        first, so changes for one patient (and the summary each works out) go one at a
        time. FOR NO KEY UPDATE: saving a report that points at the patient (which takes a
        key-share lock on the row) neither waits for it nor deadlocks with it.
        """
        return self.select_for_update(no_key=True, of=("self",)).select_related("clinic").get(pk=pk)


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
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_(
            "The patient's pages, emails and reminders are in this language. They can change "
            "it themselves. Flags, the dashboard and the records stay in English."
        ),
    )
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

    # Set when the patient says "stop asking me": no more follow-up questions after discharge.
    follow_up_stopped_at = models.DateTimeField(
        _("follow-up questions stopped at"), null=True, blank=True
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


INVITATION_LIFETIME = datetime.timedelta(days=7)


class InvitationState(models.TextChoices):
    VALID = "valid", _("Waiting to be accepted")
    USED = "used", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REPLACED = "replaced", _("Replaced by a newer invitation")


class Invitation(models.Model):
    """A single-use, expiring link for a patient to set their password.

    Only a hash of the token is stored, so a copy of the database cannot be used to sign in.
    The token is a keyed hash of `token_seed` with the site's secret key: the worker that
    emails the link makes it again at the moment of sending, and the seed alone is useless.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    token_seed = models.CharField(max_length=64, blank=True, editable=False)
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


class AccountEmailKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")
    EMAIL_CHANGE_CONFIRM = "email_confirm", _("New address to confirm")
    EMAIL_CHANGE_NOTICE = "email_notice", _("Notice of a new address")


class AccountEmail(Delivery):
    """An email about someone's account, sent by the worker; its link is made when it is sent.

    Nothing secret is stored: the invitation's token, the password-reset token and the
    signed address-change link are all worked out again by the worker from the rows they
    belong to and the site's secret key.
    """

    kind = models.CharField(max_length=16, choices=AccountEmailKind)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_emails"
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("account email")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="account_email_state_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AccountEmailKind.values), name="account_email_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(kind=AccountEmailKind.INVITATION, invitation__isnull=False)
                | (~Q(kind=AccountEmailKind.INVITATION) & Q(invitation__isnull=True)),
                name="account_email_invitation_only_for_invitations",
            ),
        ]
        indexes = [
            # Serves the retry sweep.
            models.Index(fields=["state", "created_at"], name="account_email_undelivered"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}: {self.get_state_display()}"
