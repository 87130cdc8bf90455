"""Plan templates and their stages: the graded walking ladders clinics prescribe."""

import itertools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from patients.choices import Terrain

MINUTES_RANGE = (1, 90)
SESSIONS_RANGE = (1, 7)
WEEKS_RANGE = (1, 12)


class Stage(models.Model):
    """What one stage of a walking plan asks for. Shared by templates and patients' copies."""

    position = models.PositiveSmallIntegerField(
        _("stage"), validators=[MinValueValidator(1)], help_text=_("Order in the plan, from 1.")
    )
    minutes_per_session = models.PositiveSmallIntegerField(
        _("minutes per walk"),
        validators=[MinValueValidator(MINUTES_RANGE[0]), MaxValueValidator(MINUTES_RANGE[1])],
    )
    sessions_per_week = models.PositiveSmallIntegerField(
        _("walks per week"),
        validators=[MinValueValidator(SESSIONS_RANGE[0]), MaxValueValidator(SESSIONS_RANGE[1])],
    )
    terrain = models.CharField(
        _("ground"),
        max_length=10,
        choices=Terrain,
        default=Terrain.FLAT,
        help_text=_("The hardest ground allowed in this stage."),
    )
    weeks = models.PositiveSmallIntegerField(
        _("length in weeks"),
        validators=[MinValueValidator(WEEKS_RANGE[0]), MaxValueValidator(WEEKS_RANGE[1])],
    )
    guidance = models.TextField(_("guidance for the patient"), blank=True, max_length=2000)
    min_sessions_to_progress = models.PositiveSmallIntegerField(
        _("walks needed to progress"),
        null=True,
        blank=True,
        help_text=_("Walks to complete in this stage before it can advance. Blank: all of them."),
    )

    class Meta:
        abstract = True
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes_per_session__gte=MINUTES_RANGE[0])
                & Q(minutes_per_session__lte=MINUTES_RANGE[1]),
                name="%(class)s_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=Q(sessions_per_week__gte=SESSIONS_RANGE[0])
                & Q(sessions_per_week__lte=SESSIONS_RANGE[1]),
                name="%(class)s_sessions_in_range",
            ),
            models.CheckConstraint(
                condition=Q(weeks__gte=WEEKS_RANGE[0]) & Q(weeks__lte=WEEKS_RANGE[1]),
                name="%(class)s_weeks_in_range",
            ),
            models.CheckConstraint(
                condition=Q(terrain__in=Terrain.values), name="%(class)s_terrain_known"
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="%(class)s_position_from_1"),
        ]

    def __str__(self) -> str:
        return _("Stage %(position)s: %(summary)s") % {
            "position": self.position,
            "summary": self.summary(),
        }

    @property
    def total_sessions(self) -> int:
        return self.sessions_per_week * self.weeks

    @property
    def sessions_to_progress(self) -> int:
        return self.min_sessions_to_progress or self.total_sessions

    def summary(self) -> str:
        """'walk 10 minutes on flat ground, 3 times a week', as the patient reads it."""
        times = ngettext("once a week", "%(count)d times a week", self.sessions_per_week) % {
            "count": self.sessions_per_week
        }
        return _("walk %(minutes)d minutes on %(ground)s, %(times)s") % {
            "minutes": self.minutes_per_session,
            "ground": Terrain(self.terrain).label.lower(),
            "times": times,
        }

    def clean(self) -> None:
        total = (self.sessions_per_week or 0) * (self.weeks or 0)
        if (
            self.min_sessions_to_progress is not None
            and total
            and self.min_sessions_to_progress > total
        ):
            raise ValidationError(
                {
                    "min_sessions_to_progress": _(
                        "This stage plans %(total)d walks in all; it cannot ask for more "
                        "to progress."
                    )
                    % {"total": total}
                }
            )

    def copy_fields(self) -> dict:
        return {field: getattr(self, field) for field in STAGE_FIELDS}


STAGE_FIELDS = [
    "position",
    "minutes_per_session",
    "sessions_per_week",
    "terrain",
    "weeks",
    "guidance",
    "min_sessions_to_progress",
]


def minute_drops(stages) -> list[tuple[int, int]]:
    """Positions (from, to) where the minutes per walk fall from one stage to the next.

    Allowed (a clinician may ease off after a harder terrain step), but worth a second look.
    """
    ordered = sorted(stages, key=lambda stage: stage.position)
    return [
        (before.position, after.position)
        for before, after in itertools.pairwise(ordered)
        if after.minutes_per_session < before.minutes_per_session
    ]


# A step up larger than this in minutes per walk is worth a second look: the standard
# ladder never adds more than 5 minutes, or a third, at a time.
BIG_STEP_MINUTES = 10
BIG_STEP_RATIO = 1.5


def ladder_warnings(stages) -> list[str]:
    """What in a ladder is allowed but worth a second look, as sentences for the clinician.

    Minutes that fall (a clinician may ease off after a harder ground step), a big jump in
    minutes, and minutes and walks per week rising together (graded activity changes one
    thing at a time: minutes, then how often, then ground).
    """
    warnings = [
        _(
            "Minutes per walk fall from stage %(before)d to stage %(after)d. That is allowed, "
            "but check it is what you meant."
        )
        % {"before": before, "after": after}
        for before, after in minute_drops(stages)
    ]
    ordered = sorted(stages, key=lambda stage: stage.position)
    for before, after in itertools.pairwise(ordered):
        more = after.minutes_per_session - before.minutes_per_session
        if more > BIG_STEP_MINUTES or (
            more > 0 and after.minutes_per_session > BIG_STEP_RATIO * before.minutes_per_session
        ):
            warnings.append(
                _(
                    "Stage %(after)d asks for %(more)d more minutes per walk than stage "
                    "%(before)d (%(from)d to %(to)d). A smaller step is easier to keep up."
                )
                % {
                    "before": before.position,
                    "after": after.position,
                    "more": more,
                    "from": before.minutes_per_session,
                    "to": after.minutes_per_session,
                }
            )
        # Ground on a stage is the hardest allowed, not a requirement, so it is not counted.
        if (
            after.minutes_per_session > before.minutes_per_session
            and after.sessions_per_week > before.sessions_per_week
        ):
            warnings.append(
                _(
                    "Stage %(after)d asks for longer walks and more of them at once. One "
                    "change at a time is easier to keep up."
                )
                % {"after": after.position}
            )
    return warnings


class PlanTemplateQuerySet(models.QuerySet):
    def visible_to_clinics(self, clinic_ids) -> "PlanTemplateQuerySet":
        """A clinic's own templates plus the shared ones."""
        return self.filter(Q(clinic_id__in=clinic_ids) | Q(clinic__isnull=True))


class PlanTemplate(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    clinic = models.ForeignKey(
        "patients.Clinic",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="plan_templates",
        help_text=_("Blank: shared with every clinic and read-only to clinicians."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PlanTemplateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("plan template")
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "name"],
                condition=Q(clinic__isnull=False),
                name="template_name_unique_in_clinic",
                violation_error_message=_("This clinic already has a template with this name."),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(clinic__isnull=True),
                name="template_name_unique_when_shared",
                violation_error_message=_("A shared template with this name already exists."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shared(self) -> bool:
        return self.clinic_id is None


class TemplateStage(Stage):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="stages")

    class Meta(Stage.Meta):
        verbose_name = _("stage")
        constraints = [
            *Stage.Meta.constraints,
            models.UniqueConstraint(
                fields=["template", "position"], name="template_stage_position_unique"
            ),
        ]
