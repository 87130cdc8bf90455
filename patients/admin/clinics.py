"""Clinics, staff memberships and staff accounts in the admin, each clinic admin's own only."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patients.models import AuditAction, Clinic, StaffMembership, StaffRole
from patients.security import access, audit, two_factor
from patients.security.admin_site import ClinicScopedAdmin, OnlyClinicByDefault
from patients.summaries import summaries_rebuild

User = get_user_model()


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    """Superusers manage clinics; a clinic admin tunes their own clinic's alerts and limits."""

    clinic_path = "self"
    list_display = ["name", "country", "emergency_number", "timezone"]
    search_fields = ["name"]
    edit_roles = (StaffRole.CLINIC_ADMIN,)
    fieldsets = [
        (None, {"fields": ["name", "country", "timezone"]}),
        (
            _("Alerts"),
            {"fields": ["alert_email", "escalation_email", "escalation_minutes"]},
        ),
        (
            _("Red-flag thresholds"),
            {
                "description": _(
                    "The defaults follow the product's clinical design. Change them only "
                    "after reviewing the red-flag report; the urgent and same-day rules "
                    "cannot be changed."
                ),
                "fields": [
                    "severe_pain_threshold",
                    "severe_pain_rise",
                    "walk_pain_advice_above",
                    "flare_rise",
                    "next_morning_rise",
                    "no_activity_days",
                ],
            },
        ),
        # How often the outcome questionnaire is asked on a plan (docs/outcomes.md).
        (_("Outcome questionnaires"), {"fields": ["outcome_review_weeks"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        # The country decides the emergency number patients are told to call.
        return [] if request.user.is_superuser else ["name", "country", "timezone"]

    def clinic_id_of(self, obj) -> int:
        return obj.pk

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=access.clinic_ids(request.user))

    def has_add_permission(self, request):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "timezone" in form.changed_data:
            # The clinic's day moved: every patient's week is worked out on the new one.
            summaries_rebuild(obj.patients.select_related("clinic").order_by("pk"))

    @admin.display(description=_("emergency number"))
    def emergency_number(self, clinic: Clinic) -> str:
        return clinic.emergency_number


@admin.register(StaffMembership)
class StaffMembershipAdmin(OnlyClinicByDefault, ClinicScopedAdmin):
    list_display = ["user", "clinic", "role"]
    list_filter = ["role", ("clinic", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "clinic"]
    view_roles = (StaffRole.CLINIC_ADMIN,)
    edit_roles = (StaffRole.CLINIC_ADMIN,)
    actions = ["reset_second_factor"]

    @admin.action(description=_("Reset two-step sign-in (lost phone)"))
    def reset_second_factor(self, request, queryset):
        """Removes the app and recovery codes; the person sets up a new app at next sign-in."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        users = User.objects.filter(memberships__in=queryset).distinct()
        for user in users:
            two_factor.reset(user)
            audit.record(
                by=request.user,
                action=AuditAction.CHANGED,
                subject="two-step sign-in",
                detail=f"reset for {user.get_username()}",
                clinic=queryset.filter(user=user).values_list("clinic_id", flat=True).first(),
            )
        messages.success(
            request,
            _("Two-step sign-in was reset. They set up a new app the next time they sign in."),
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic" and not request.user.is_superuser:
            kwargs["queryset"] = Clinic.objects.filter(
                pk__in=access.clinic_ids(request.user, self.edit_roles)
            )
        if db_field.name == "user" and not request.user.is_superuser:
            # Clinic admins attach staff accounts that are new or already theirs; creating
            # accounts is a superuser's job, and other clinics' staff are not theirs to see.
            own = access.clinic_ids(request.user, self.edit_roles)
            kwargs["queryset"] = (
                User.objects.filter(is_staff=True, is_superuser=False, patient__isnull=True)
                .filter(Q(memberships__isnull=True) | Q(memberships__clinic_id__in=own))
                .distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.unregister(User)  # Django's own, replaced by the one below


class MembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 1


@admin.register(User)
class StepwiseUserAdmin(UserAdmin):
    inlines = [MembershipInline]
