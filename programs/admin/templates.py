"""Plan templates in the admin: a clinic's own, the standard one read-only, copying either."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.models import Clinic
from patients.security import access
from patients.security.admin_site import ClinicScopedAdmin
from programs import services
from programs.admin.stages import TemplateStageInline, warn_about_the_ladder
from programs.charts import progression_chart, progression_weeks
from programs.models import PlanTemplate, ladder_warnings


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
