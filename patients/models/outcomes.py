"""Outcome questionnaires and the recurrence follow-up after discharge.

A questionnaire is answered at the start of a plan, every few weeks on it (the clinic's
`outcome_review_weeks`) and when it ends; each instrument answered in it is one
`OutcomeScore`, stored with the instrument's version, so a changed instrument never
mixes with the old one's scores. Scoring and the minimal clinically important difference
of each instrument are in patients/outcomes/instruments.py (docs/outcomes.md).

After discharge (the patient's last plan ended) a follow-up question is asked each month
for a year: one `FollowUpQuestion` row per month, which is also the email that asks it
(a Delivery, sent by the worker) and, once answered, the answer.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.choices import RECURRENCE_LIMITATIONS, Instrument, Limitation, Occasion
from patients.models.deliveries import Delivery, DeliveryQuerySet, DeliveryState
from patients.models.enrolment import Patient

FOLLOW_UP_MONTHS = 12


class OutcomeResponseQuerySet(models.QuerySet):
    def in_clinics(self, clinic_ids) -> "OutcomeResponseQuerySet":
        return self.filter(patient__clinic_id__in=clinic_ids)


class OutcomeResponse(models.Model):
    """One questionnaire a patient answered (any part of it: every question is optional)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="outcome_responses")
    occasion = models.CharField(_("occasion"), max_length=10, choices=Occasion)
    # The day the schedule asked for it: with the occasion, which questionnaire this answers.
    due_on = models.DateField(_("due on"))
    assignment = models.ForeignKey(
        "programs.PlanAssignment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="outcome_responses",
    )
    answered_at = models.DateTimeField(_("answered at"), auto_now_add=True)
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    objects = OutcomeResponseQuerySet.as_manager()

    class Meta:
        ordering = ["answered_at"]
        verbose_name = _("outcome questionnaire")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_key"], name="outcome_submitted_once"
            ),
            # A double tap, or two phones, answer one questionnaire once.
            models.UniqueConstraint(
                fields=["patient", "occasion", "due_on"], name="outcome_one_per_occasion"
            ),
            models.CheckConstraint(
                condition=Q(occasion__in=Occasion.values), name="outcome_occasion_known"
            ),
        ]
        indexes = [
            # Serves a patient's progress, oldest first.
            models.Index(fields=["patient", "answered_at"], name="outcome_patient_history"),
        ]

    def __str__(self) -> str:
        return f"{self.get_occasion_display()} ({self.due_on})"


class OutcomeScore(models.Model):
    """One instrument's score in one questionnaire, with the instrument's version.

    `items` keeps what the score was worked out from: for the PSFS the activities the
    patient named and each one's rating.
    """

    response = models.ForeignKey(OutcomeResponse, on_delete=models.CASCADE, related_name="scores")
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument)
    version = models.CharField(_("instrument version"), max_length=10)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=2)
    items = models.JSONField(_("item answers"), default=dict, blank=True)

    class Meta:
        ordering = ["response", "instrument"]
        verbose_name = _("outcome score")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "instrument"], name="outcome_score_one_per_instrument"
            ),
            models.CheckConstraint(
                condition=Q(instrument__in=Instrument.values), name="outcome_instrument_known"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=-10, score__lte=10), name="outcome_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()}: {self.score}"


class FollowUpQuestionQuerySet(DeliveryQuerySet):
    def in_clinics(self, clinic_ids) -> "FollowUpQuestionQuerySet":
        return self.filter(patient__clinic_id__in=clinic_ids)

    def answered(self) -> "FollowUpQuestionQuerySet":
        return self.filter(answered_at__isnull=False)

    def recurrences(self) -> "FollowUpQuestionQuerySet":
        return self.filter(back_pain_over_a_day=True, limitation__in=RECURRENCE_LIMITATIONS)


class FollowUpQuestion(Delivery):
    """One month's follow-up question after discharge: its email, and the patient's answer.

    The id is random and appears (signed) in the email's link, which needs no sign-in: it
    says nothing about the patient, and the signature expires.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="follow_ups")
    # The discharge this follow-up counts from (the end of the patient's last plan).
    discharged_on = models.DateField(_("discharged on"))
    month = models.PositiveSmallIntegerField(
        _("month after discharge"),
        validators=[MinValueValidator(1), MaxValueValidator(FOLLOW_UP_MONTHS)],
    )
    due_on = models.DateField(_("asked from"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    back_pain_over_a_day = models.BooleanField(
        _("back pain lasting more than 24 hours since last asked"), null=True, blank=True
    )
    limitation = models.CharField(
        _("how much it limited usual activities"), max_length=10, choices=Limitation, blank=True
    )
    started_on = models.DateField(_("when it started"), null=True, blank=True)
    care_sought = models.BooleanField(_("sought care for it"), null=True, blank=True)

    objects = FollowUpQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "discharged_on", "month"]
        verbose_name = _("follow-up question")
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "discharged_on", "month"], name="follow_up_once_a_month"
            ),
            models.CheckConstraint(
                condition=Q(month__gte=1, month__lte=FOLLOW_UP_MONTHS),
                name="follow_up_month_in_year",
            ),
            models.CheckConstraint(
                condition=Q(limitation="") | Q(limitation__in=Limitation.values),
                name="follow_up_limitation_known",
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="follow_up_state_known"
            ),
        ]
        indexes = [
            # Serves the retry sweep.
            models.Index(fields=["state", "created_at"], name="follow_up_undelivered"),
        ]

    def __str__(self) -> str:
        return f"Follow-up month {self.month} after {self.discharged_on}"

    @property
    def is_recurrence(self) -> bool:
        return bool(self.back_pain_over_a_day) and self.limitation in RECURRENCE_LIMITATIONS
