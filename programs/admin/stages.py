"""The stage rows shared by plan templates and patients' plans, with the ladder's warnings."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import (
    HttpRequest,
)
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.security.admin_site import ScopedInline
from programs.models import (
    AssignedStage,
    StageChange,
    TemplateStage,
    ladder_warnings,
)

MAX_STAGES = 30


class StageFormSet(forms.BaseInlineFormSet):
    """Checks the stages as a whole: at least one, numbered 1 to N."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["aria-label"] = gettext("Delete this stage")

    def get_unique_error_message(self, unique_check) -> str:
        return gettext(
            "Two stages have the same number. Number the stages 1, 2, 3 and so on, each once."
        )

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise ValidationError(gettext("A plan needs at least one stage."))
        positions = sorted(data["position"] for data in kept)
        if positions != list(range(1, len(positions) + 1)):
            raise ValidationError(
                gettext(
                    "Number the stages 1 to %(count)d in order, each number once "
                    "(you have %(positions)s)."
                )
                % {"count": len(positions), "positions": ", ".join(map(str, positions))}
            )


class StageInline(ScopedInline, admin.TabularInline):
    formset = StageFormSet
    extra = 0
    # A plan has a handful of stages. Without a limit a forged form asking for thousands
    # of rows made Django build them all (about 30 s a request).
    max_num = MAX_STAGES

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("absolute_max", MAX_STAGES)
        return super().get_formset(request, obj, **kwargs)

    fields = [
        "position",
        "minutes_per_session",
        "sessions_per_week",
        "terrain",
        "weeks",
        "min_sessions_to_progress",
        "guidance",
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return None
        if db_field.name == "guidance":
            field.widget = forms.Textarea(attrs={"rows": 2, "cols": 30})
        # A tabular inline shows labels only as column headings; screen readers need each
        # input named.
        field.widget.attrs.setdefault("aria-label", str(field.label))
        return field


class TemplateStageInline(StageInline):
    model = TemplateStage

    def get_extra(self, request, obj=None, **kwargs):
        # One empty row to start a new template; the formset says if it is left empty.
        return 0 if obj else 1


def warn_about_the_ladder(request: HttpRequest, formsets, stages) -> None:
    """After a save: what is worth a second look in the ladder, and guidance that may now
    describe the old numbers."""
    for warning in ladder_warnings(stages):
        messages.warning(request, warning)
    for formset in formsets:
        for form in formset.forms:
            if stale_guidance(form):
                messages.warning(
                    request,
                    gettext(
                        "Stage %(position)s changed, but not its guidance for the patient "
                        "(“%(guidance)s”). Check the guidance still fits."
                    )
                    % {
                        "position": form.cleaned_data.get("position"),
                        "guidance": form.cleaned_data.get("guidance", "")[:80],
                    },
                )


def stale_guidance(form) -> bool:
    """A stage's numbers changed while its guidance, which may quote them, did not."""
    changed = set(getattr(form, "changed_data", ()))
    return bool(
        form.instance.pk
        and changed & {"minutes_per_session", "sessions_per_week", "terrain"}
        and "guidance" not in changed
        and getattr(form, "cleaned_data", {}).get("guidance")
        and not form.cleaned_data.get("DELETE")
    )


class AssignedStageInline(StageInline):
    model = AssignedStage
    verbose_name_plural = _("stages of this plan")


class StageChangeInline(ScopedInline, admin.TabularInline):
    model = StageChange
    extra = 0
    fields = ["changed_at", "kind", "from_position", "to_position", "by", "reason"]
    readonly_fields = fields
    verbose_name_plural = _("history of stage changes")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    @admin.display(description=_("by"))
    def by(self, change: StageChange) -> str:
        # Plain text: a link to the user's account would be a dead end for clinicians.
        return (
            change.changed_by.get_full_name() or change.changed_by.get_username()
            if change.changed_by
            else "—"
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
