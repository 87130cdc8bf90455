from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients import access
from patients.admin_site import ClinicScopedAdmin, ScopedInline
from patients.models import Clinic, Patient
from patients.second_checks import plan_warnings_now
from programs import services
from programs.actions import PLAN_ACTIONS, Expected, apply_plan_action
from programs.charts import progression_chart, progression_weeks
from programs.models import (
    AssignedStage,
    PlanAssignment,
    PlanTemplate,
    StageChange,
    StageChangeKind,
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
        "progress_requires_no_open_flags",
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


@admin.register(PlanTemplate)
class PlanTemplateAdmin(ClinicScopedAdmin):
    inlines = [TemplateStageInline]
    list_display = ["name", "owner", "stage_count", "ladder", "updated_at"]
    list_filter = [("clinic", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "description"]
    actions = ["duplicate_selected"]
    change_form_template = "admin/programs/plantemplate/change_form.html"
    fields = ["name", "description", "clinic", "created_by", "updated_at"]
    readonly_fields = ["created_by", "updated_at"]

    def get_queryset(self, request):
        queryset = (
            admin.ModelAdmin.get_queryset(self, request)
            .select_related("clinic")
            .prefetch_related("stages")
            .annotate(number_of_stages=Count("stages"))
        )
        if request.user.is_superuser:
            return queryset
        return queryset.visible_to_clinics(access.clinic_ids(request.user))

    def clinic_id_of(self, obj) -> int | None:
        return obj.clinic_id

    def has_view_permission(self, request, obj=None):
        if obj is not None and obj.is_shared:
            return self.has_module_permission(request)
        return super().has_view_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic" and not request.user.is_superuser:
            kwargs["queryset"] = Clinic.objects.filter(pk__in=access.care_clinic_ids(request.user))
            kwargs["required"] = True
            kwargs["help_text"] = _("The clinic whose staff can use and edit this template.")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        clinics = access.care_clinic_ids(request.user)
        if clinics:
            initial.setdefault("clinic", clinics[0])
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        warn_about_the_ladder(request, formsets, form.instance.stages.all())

    @admin.display(description=_("owner"), ordering="clinic__name")
    def owner(self, template: PlanTemplate) -> str:
        return template.clinic.name if template.clinic else gettext("Shared")

    @admin.display(description=_("stages"), ordering="number_of_stages")
    def stage_count(self, template: PlanTemplate) -> int:
        return template.number_of_stages

    @admin.display(description=_("from → to"))
    def ladder(self, template: PlanTemplate) -> str:
        stages = sorted(template.stages.all(), key=lambda stage: stage.position)
        if not stages:
            return "—"
        first, last = stages[0], stages[-1]
        return gettext("%(a)d min × %(b)d → %(c)d min × %(d)d a week") % {
            "a": first.minutes_per_session,
            "b": first.sessions_per_week,
            "c": last.minutes_per_session,
            "d": last.sessions_per_week,
        }

    def duplicate_clinic(self, request, template: PlanTemplate) -> Clinic | None:
        """Copies land in the user's own clinic, so a shared template becomes editable.

        Superusers who also work in a clinic get their clinic's copy too; only a superuser
        with no clinic makes another shared template.
        """
        clinics = access.care_clinic_ids(request.user)
        if template.clinic_id in clinics:
            return template.clinic
        if clinics:
            return Clinic.objects.get(pk=clinics[0])
        if request.user.is_superuser:
            return template.clinic
        raise PermissionDenied

    @admin.action(description=_("Duplicate selected templates"))
    def duplicate_selected(self, request, queryset):
        if not self.has_add_permission(request):
            raise PermissionDenied
        for template in queryset:
            copy = services.plan_template_duplicate(
                template=template,
                clinic=self.duplicate_clinic(request, template),
                created_by=request.user,
            )
            self.message_user(
                request, gettext("Created “%(name)s”.") % {"name": copy.name}, messages.SUCCESS
            )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="programs_plantemplate_preview",
            ),
            path(
                "<path:object_id>/duplicate/",
                self.admin_site.admin_view(self.duplicate_view),
                name="programs_plantemplate_duplicate",
            ),
            *super().get_urls(),
        ]

    def scoped_template(self, request, object_id: str) -> PlanTemplate:
        template = self.get_object(request, object_id)
        if template is None or not self.has_view_permission(request, template):
            raise Http404
        return template

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        template = self.scoped_template(request, object_id)
        stages = sorted(template.stages.all(), key=lambda stage: stage.position)
        weeks = progression_weeks(stages)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": template,
            "title": gettext("Preview of %(name)s") % {"name": template.name},
            "stages": stages,
            "weeks": weeks,
            "chart": progression_chart(weeks),
            "warnings": ladder_warnings(stages),
        }
        return TemplateResponse(request, "admin/programs/plantemplate/preview.html", context)

    def duplicate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        template = self.scoped_template(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_add_permission(request):
            raise PermissionDenied
        copy = services.plan_template_duplicate(
            template=template,
            clinic=self.duplicate_clinic(request, template),
            created_by=request.user,
        )
        self.message_user(
            request,
            gettext("Created “%(name)s”. Rename it and tailor its stages below.")
            % {"name": copy.name},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:programs_plantemplate_change", args=[copy.pk]))


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


class AssignPlanForm(forms.ModelForm):
    """Assigning a plan: choose the patient, a template to copy, and where to start."""

    template = forms.ModelChoiceField(
        queryset=PlanTemplate.objects.none(), label=_("Template to copy")
    )
    start_position = forms.IntegerField(
        label=_("Start at stage"),
        min_value=1,
        initial=1,
        help_text=_("Start higher or lower to match the patient's comfortable baseline."),
    )

    class Meta:
        model = PlanAssignment
        fields = ["patient", "template", "start_date", "start_position", "automatic_progression"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Two patients can share a name; the email tells them apart.
        self.fields["patient"].label_from_instance = lambda patient: (
            f"{patient} ({patient.user.email})"
        )

    def clean(self):
        cleaned = super().clean()
        patient, template = cleaned.get("patient"), cleaned.get("template")
        position = cleaned.get("start_position")
        if patient and patient.assignments.current().exists():
            self.add_error(
                "patient",
                gettext(
                    "This patient already has a current plan. End it before assigning another."
                ),
            )
        if template and position:
            count = template.stages.count()
            if count == 0:
                self.add_error("template", gettext("This template has no stages to copy."))
            elif position > count:
                self.add_error(
                    "start_position",
                    gettext("Choose a starting stage between 1 and %(last)d.") % {"last": count},
                )
        return cleaned

    def validate_unique(self):
        # The service checks "one current plan" with the row locked; the form already said so.
        pass


class StageChangeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Recorded in the plan's history with your name and the time."),
    )

    def __init__(self, *args, warning: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.warning = warning
        if warning:  # the same second check as on the patient's record
            self.fields["confirm"] = forms.BooleanField(
                label=_("I have checked, and I still want to go ahead"),
                help_text=warning,
                required=False,
            )

    def clean(self):
        cleaned = super().clean()
        if self.warning and self.data.get("confirm") not in ("on", "yes", "true"):
            self.add_error(
                None,
                gettext("%(warning)s Tick the box to confirm.") % {"warning": self.warning},
            )
        return cleaned


@admin.register(PlanAssignment)
class PlanAssignmentAdmin(ClinicScopedAdmin):
    clinic_path = "patient__clinic"
    list_display = ["patient", "name", "status", "stage", "start_date"]
    list_filter = ["status", ("patient__clinic", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "patient__user__first_name", "patient__user__last_name"]
    change_form_template = "admin/programs/planassignment/change_form.html"
    readonly_fields = [
        "patient",
        "source_template",
        "start_date",
        "status",
        "stage",
        "stage_started_on",
        "paused_on",
    ]
    fields = [
        "patient",
        "name",
        "source_template",
        "start_date",
        "status",
        "stage",
        "stage_started_on",
        "paused_on",
        "automatic_progression",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("patient__user", "patient__clinic", "source_template")
            .prefetch_related("stages")
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        kwargs.update(form=AssignPlanForm, fields=AssignPlanForm.Meta.fields)
        form_class = super().get_form(request, obj, change=change, **kwargs)
        templates = PlanTemplate.objects.all()
        if not request.user.is_superuser:
            templates = templates.visible_to_clinics(access.care_clinic_ids(request.user))

        class ScopedAssignPlanForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["template"].queryset = templates

        return ScopedAssignPlanForm

    def get_fields(self, request, obj=None):
        return self.fields if obj else AssignPlanForm.Meta.fields

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_inlines(self, request, obj):
        return [AssignedStageInline, StageChangeInline] if obj else []

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        clinic = Clinic.objects.filter(pk__in=access.care_clinic_ids(request.user)).first()
        initial.setdefault("start_date", clinic.today() if clinic else timezone.localdate())
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "patient":
            patients = Patient.objects.select_related("user")
            if not request.user.is_superuser:
                patients = patients.in_clinics(access.care_clinic_ids(request.user))
            kwargs["queryset"] = patients
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.plan_assign(
            patient=data["patient"],
            template=data["template"],
            start_date=data["start_date"],
            start_position=data["start_position"],
            automatic_progression=data["automatic_progression"],
            assigned_by=request.user,
        )
        # The admin carries on with `obj` (its message and redirect), so point it at the row.
        obj.pk, obj.name = created.pk, created.name
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            warn_about_the_ladder(request, formsets, form.instance.stages.all())

    def response_add(self, request, obj, post_url_continue=None):
        # After assigning, the clinician wants to see (and perhaps tailor) the new plan.
        if "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        self.message_user(
            request,
            gettext("Plan assigned. Tailor its stages below if needed."),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:programs_planassignment_change", args=[obj.pk]))

    @admin.display(description=_("current stage"))
    def stage(self, assignment: PlanAssignment) -> str:
        return assignment.describe_current(assignment.patient.clinic.today())

    def get_urls(self):
        return [
            path(
                "<path:object_id>/stage/<str:kind>/",
                self.admin_site.admin_view(self.stage_change_view),
                name="programs_planassignment_stage_change",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        assignment = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if assignment and self.has_change_permission(request, assignment):
            extra_context["stage_actions"] = [
                (kind, PLAN_ACTIONS[kind].verb) for kind in assignment.available_changes()
            ]
        return super().change_view(request, object_id, form_url, extra_context)

    def stage_change_view(self, request: HttpRequest, object_id: str, kind: str) -> HttpResponse:
        assignment = self.get_object(request, object_id)
        if assignment is None or kind not in PLAN_ACTIONS:
            raise Http404
        if not self.has_change_permission(request, assignment):
            raise PermissionDenied
        action = PLAN_ACTIONS[StageChangeKind(kind)]
        change_url = reverse("admin:programs_planassignment_change", args=[assignment.pk])
        today = assignment.patient.clinic.today()
        warning = plan_warnings_now(assignment.patient, assignment, today).get(kind, "")
        form = StageChangeForm(request.POST if request.method == "POST" else None, warning=warning)
        if request.method == "POST" and form.is_valid():
            try:
                updated = apply_plan_action(
                    kind,
                    assignment=assignment,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    today=today,
                    against_warning=bool(warning),
                    # From the state the page showed: a second click changes nothing, and
                    # a form that does not say what it showed is taken as out of date.
                    expected=Expected.posted(request.POST) or Expected("unsaid"),
                )
            except ValidationError as error:
                # Shown on the form, so the reason typed is not lost; the page shows the
                # plan as it is now, so choosing again acts on that.
                form.add_error(None, error)
                assignment.refresh_from_db()
            else:
                self.message_user(
                    request,
                    action.done % {"stage": updated.describe_current(today)},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": assignment,
            "title": action.verb,
            "form": form,
            "verb": action.verb,
            "possible": kind in assignment.available_changes(),
            "now": assignment.describe_current(today),
            "change_url": change_url,
            "long_pause_steps_back": kind == StageChangeKind.RESUME
            and services.resume_steps_back(assignment, today),
        }
        return render(request, "admin/programs/planassignment/stage_change.html", context)
