"""Clinics (their clock, emergency number and alert settings) and the staff who work in them."""

import datetime
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    outcome_review_weeks = models.PositiveSmallIntegerField(
        _("outcome questionnaire every (weeks)"),
        default=4,
        validators=[MinValueValidator(2), MaxValueValidator(12)],
        help_text=_(
            "While a patient is on a plan, the outcome questionnaire is asked this often, "
            "as well as at the start and at the end of the plan."
        ),
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
