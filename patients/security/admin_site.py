"""The Stepwise admin: staff only, and every staff member sees only their own clinics."""

import datetime
import functools

from django.contrib import admin
from django.core.exceptions import BadRequest, FieldDoesNotExist
from django.db.models import DateTimeField
from django.http import HttpRequest
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from patients.models import AuditAction, Patient, StaffRole
from patients.security import access, audit

ALL_STAFF_ROLES = tuple(StaffRole)


def year_parameters(request: HttpRequest) -> list[str]:
    """Values of address parameters that look up a year (`walked_on__year`, `at__year__gt`)."""
    return [
        value
        for key, values in request.GET.lists()
        if "year" in key.split("__")
        for value in values
    ]


def impossible_year(value: str) -> bool:
    """A whole number no date can have. Other junk the admin itself reports as an error."""
    try:
        year = int(value)
    except ValueError:
        return False
    return not datetime.MINYEAR <= year <= datetime.MAXYEAR


# Lookups that compare a stored moment with the one in the address (not its year or day).
MOMENT_LOOKUPS = {"", "exact", "gt", "gte", "lt", "lte"}


def naive_moment(model, key: str, value: str) -> bool:
    """A date, or a date and time without a time zone, compared with a date-time field.

    The admin's own filters always send the offset; a hand-made address without one would
    reach the database as a naive time, read in whatever zone the server is in.
    """
    name, _, lookup = key.partition("__")
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    if not isinstance(field, DateTimeField) or lookup not in MOMENT_LOOKUPS:
        return False
    try:
        moment = parse_datetime(value.strip())
        day = None if moment else parse_date(value.strip())
    except ValueError:
        return False  # not a date at all: the admin answers that itself
    return (moment is not None and moment.tzinfo is None) or day is not None


class StepwiseAdminSite(admin.AdminSite):
    site_header = _("Stepwise administration")
    site_title = _("Stepwise admin")
    index_title = _("Walking plans and patients")

    def admin_view(self, view, cacheable=False):
        """Every admin page, answering an impossible year or number with 400.

        The admin turns any list filter or date parameter into a query; a year of twenty
        digits overflowed while counting the rows, and a year of 0 or 10000 could not be
        made into a date: both were server errors.
        """
        wrapped = super().admin_view(view, cacheable)

        @functools.wraps(wrapped)
        def answered(request, *args, **kwargs):
            if any(map(impossible_year, year_parameters(request))):
                raise BadRequest("A year in the address is outside 1 to 9999.")
            model = getattr(getattr(view, "__self__", None), "model", None)
            if model is not None and any(
                naive_moment(model, key, value)
                for key, values in request.GET.lists()
                for value in values
            ):
                raise BadRequest("A date and time in the address needs its time zone.")
            try:
                return wrapped(request, *args, **kwargs)
            except OverflowError as error:
                raise BadRequest("A number in the address is too large.") from error

        return answered

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff) or access.is_patient(user):
            return False
        return user.is_superuser or access.is_staff_member(user)


class ClinicScopedAdmin(admin.ModelAdmin):
    """Limits every list, object and permission to the clinics the user works in.

    `clinic_path` is the lookup from the model to its clinic. Clinicians and clinic admins
    may change what is in their clinics; reviewers may only look. Nothing clinical is
    deleted through the admin except by a superuser.
    """

    clinic_path: str = "clinic"
    view_roles = ALL_STAFF_ROLES
    edit_roles = access.CARE_ROLES

    def clinic_id_of(self, obj) -> int | None:
        target = obj
        for part in self.clinic_path.split("__"):
            target = getattr(target, part)
        return target.pk if target is not None else None

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        visible = access.clinic_ids(request.user, self.view_roles)
        return queryset.filter(**{f"{self.clinic_path}__in": visible})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(access.clinic_ids(request.user, self.view_roles))

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        visible = access.clinic_ids(request.user, self.view_roles)
        return bool(visible) and (obj is None or self.clinic_id_of(obj) in visible)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        editable = access.clinic_ids(request.user, self.edit_roles)
        return bool(editable) and (obj is None or self.clinic_id_of(obj) in editable)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(access.clinic_ids(request.user, self.edit_roles))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        if change:
            save_changed_fields(obj, form)
        else:
            super().save_model(request, obj, form, change)

    # Django's own admin log is kept as well; these add each change to the audit trail,
    # inside the admin's transaction for the change. False where the service that makes
    # the object already audits its creation, with who did it.
    audits_additions = True

    def log_addition(self, request, obj, message):
        if self.audits_additions:
            self._audit(request, obj, AuditAction.CREATED)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, AuditAction.CHANGED)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, AuditAction.DELETED)
        return super().log_deletions(request, queryset)

    def _audit(self, request: HttpRequest, obj, action: str) -> None:
        patient = obj if isinstance(obj, Patient) else getattr(obj, "patient", None)
        audit.record(
            by=request.user,
            action=action,
            subject=str(obj._meta.verbose_name),
            patient=patient,
            obj=obj,
            clinic=None if patient else self.clinic_id_of(obj),
            detail="in the admin",
        )


def save_changed_fields(obj, form) -> None:
    """Writes only the columns the admin form changed.

    The admin loads a row, and saving it whole would write back every column as it was
    loaded: a plan paused by an urgent report, or advanced, between that load and the
    save would be silently undone.
    """
    columns = {field.name for field in obj._meta.concrete_fields}
    changed = [name for name in form.changed_data if name in columns]
    if changed:
        automatic = [
            field.name for field in obj._meta.concrete_fields if getattr(field, "auto_now", False)
        ]
        obj.save(update_fields=[*changed, *automatic])


class ReadOnlyAdminMixin:
    """Records kept as they were written: to be read, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInline:
    """Inline permissions follow the parent object's clinic."""

    def has_view_permission(self, request, obj=None):
        return self.parent_admin().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self.parent_admin().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self.parent_admin().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.parent_admin().has_change_permission(request, obj)

    def parent_admin(self) -> ClinicScopedAdmin:
        return self.admin_site._registry[self.parent_model]


class OnlyClinicByDefault:
    """For an admin whose form picks a clinic: someone who may edit in one clinic only
    finds it chosen for them."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        clinics = access.clinic_ids(request.user, self.edit_roles)
        if len(clinics) == 1:
            initial.setdefault("clinic", clinics[0])
        return initial
