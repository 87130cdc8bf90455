"""The admin's security pages: the audit trail and locked sign-ins. (Resetting someone's
two-step sign-in is an action on staff memberships and on patients.)

Clinic admins see their own clinics' rows only; superusers see everything.
"""

import uuid

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat, Lower
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.models import AuditAction, AuditEvent, FailedSignIn, Patient, StaffRole
from patients.security import access, audit
from patients.security.admin_site import ClinicScopedAdmin, ReadOnlyAdminMixin
from patients.spreadsheets import csv_lines

User = get_user_model()
ADMIN_ROLES = (StaffRole.CLINIC_ADMIN,)
AUDIT_COLUMNS = ["at", "actor", "action", "subject", "object_id", "patient_id", "clinic_id"]
AUDIT_COLUMNS += ["ip_address", "detail", "patients_shown"]

# The device admins django-otp registers would show any staff member's secret key to a
# superuser; resets go through the memberships' and patients' actions instead.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    """Read-only, filterable and exportable; nobody adds, changes or deletes a row here."""

    view_roles = ADMIN_ROLES
    edit_roles = ()
    list_display = ["at", "actor", "action", "subject", "patient", "ip_address", "detail"]
    list_filter = ["action", "subject", ("clinic", admin.RelatedOnlyFieldListFilter), "at"]
    search_fields = ["actor", "=patient_id", "=object_id", "=ip_address"]
    date_hierarchy = "at"
    actions = ["export_csv"]
    list_per_page = 100
    show_full_result_count = False  # counting millions of rows on every page is slow

    def get_queryset(self, request: HttpRequest):
        # The trail stores patients by id only; the name is looked up while they exist.
        names = Patient.objects.filter(pk=OuterRef("patient_id")).annotate(
            name=Concat("user__first_name", Value(" "), "user__last_name")
        )
        return super().get_queryset(request).annotate(patient_name=Subquery(names.values("name")))

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """Also finds a patient's events by their id, or by their name or email while they
        exist, including the list pages that showed them among others."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            named = Patient.objects.filter(
                Q(user__first_name__icontains=term)
                | Q(user__last_name__icontains=term)
                | Q(user__email__icontains=term)
            )
            found |= queryset.concerning_any(named)
        if patient_id := _as_uuid(term):
            found |= queryset.concerning(patient_id)
        return found, duplicates

    @admin.display(description=_("patient"), ordering="patient_id")
    def patient(self, event: AuditEvent) -> str:
        if event.patients_shown:
            count = len(event.patients_shown.split())
            return ngettext("%(count)d patient", "%(count)d patients", count) % {"count": count}
        if event.patient_id is None:
            return "—"
        name = event.patient_name or _("erased")
        return f"{name} ({str(event.patient_id)[:8]})"

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Export the selected events as CSV"))
    def export_csv(self, request: HttpRequest, queryset):
        """Streams the rows; exporting the audit trail is itself an audited event."""
        clinic_ids = set(queryset.values_list("clinic_id", flat=True).order_by().distinct())
        audit.record_export(
            by=request.user,
            subject="audit trail CSV",
            clinic_ids=[clinic_id for clinic_id in clinic_ids if clinic_id is not None],
            detail=f"{queryset.count()} events",
        )
        rows = queryset.values_list(*AUDIT_COLUMNS).iterator(chunk_size=2000)
        response = StreamingHttpResponse(csv_lines(AUDIT_COLUMNS, rows), content_type="text/csv")
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="stepwise-audit-{stamp}.csv"'
        return response


def _as_uuid(term: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(term)
    except ValueError:
        return None


def _clinic_usernames(clinic_ids: list[int]):
    """Lower-cased usernames of everyone in these clinics: patients and staff."""
    people = User.objects.filter(
        Q(patient__clinic_id__in=clinic_ids) | Q(memberships__clinic_id__in=clinic_ids)
    )
    return people.annotate(name=Lower("username")).values("name")


@admin.register(FailedSignIn)
class FailedSignInAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Accounts with recent wrong passwords; unlocking clears the count at once."""

    list_display = ["username", "failures_since_start", "locked", "attempt_time", "ip_address"]
    search_fields = ["username"]
    actions = ["unlock"]
    ordering = ["-attempt_time"]

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        own = access.clinic_ids(request.user, ADMIN_ROLES)
        return queryset.filter(username__in=_clinic_usernames(own))

    def _may_see(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(access.clinic_ids(request.user, ADMIN_ROLES))

    def has_module_permission(self, request):
        return self._may_see(request)

    def has_view_permission(self, request, obj=None):
        return self._may_see(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self._may_see(request):
            return actions
        return {}

    @admin.display(description=_("locked now"), boolean=True)
    def locked(self, attempt: FailedSignIn) -> bool:
        """Locked until the cool-off after the last wrong password has passed."""
        cooled_off = attempt.attempt_time <= timezone.now() - settings.AXES_COOLOFF_TIME
        return attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT and not cooled_off

    @admin.action(description=_("Unlock sign-in for the selected accounts"))
    def unlock(self, request: HttpRequest, queryset):
        names = list(queryset.values_list("username", flat=True))
        # The audit names the account by number: a patient's username is their email,
        # which an audit event must not hold (it outlives an erasure unchanged).
        accounts = dict(
            get_user_model()
            .objects.annotate(name=Lower("username"))
            .filter(name__in=[name.lower() for name in names])
            .values_list("name", "pk")
        )
        # The queryset is already limited to this admin's clinics.
        FailedSignIn.objects.filter(pk__in=queryset.values("pk")).delete()
        for name in names:
            account = accounts.get(name.lower())
            audit.record(
                by=request.user,
                action=AuditAction.CHANGED,
                subject="sign-in lock",
                detail=f"unlocked account {account}" if account else "unlocked an unknown name",
                clinic=_only_clinic(request),
            )
        messages.success(
            request,
            ngettext(
                "Unlocked %(count)d account. They can sign in again now.",
                "Unlocked %(count)d accounts. They can sign in again now.",
                len(names),
            )
            % {"count": len(names)},
        )


def _only_clinic(request: HttpRequest):
    own = access.clinic_ids(request.user, ADMIN_ROLES)
    return own[0] if len(own) == 1 else None
