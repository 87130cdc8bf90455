"""Assigning a plan to a patient in the admin, tailoring it, and changing its stage."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.models import Clinic, Patient
from patients.safety.plan_checks import plan_warnings_now
from patients.security import access
from patients.security.admin_site import ClinicScopedAdmin
from patients.summaries import summaries_rebuild, summary_refresh
from programs import services
from programs.actions import PLAN_ACTIONS, Expected, apply_plan_action
from programs.admin.stages import AssignedStageInline, StageChangeInline, warn_about_the_ladder
from programs.models import (
    PlanAssignment,
    PlanTemplate,
    StageChangeKind,
)


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
    audits_additions = False  # plan_assign records the new plan
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

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        summary_refresh(obj.patient)  # the plan, its light and readiness leave the dashboard

    def delete_queryset(self, request, queryset):
        patient_ids = list(queryset.values_list("patient_id", flat=True))
        super().delete_queryset(request, queryset)
        summaries_rebuild(Patient.objects.filter(pk__in=patient_ids).select_related("clinic"))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # Tailored stages change the week's target and when the stage is complete.
            summary_refresh(form.instance.patient)
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
