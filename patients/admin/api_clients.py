"""A clinic's FHIR API clients in the admin: created with a secret shown once, and revoked.

Only clinic admins (of the client's clinic) and superusers see them. Creating one calls
`api_client_create` and answers the form with a page that shows the client id and the
secret: that page is the only place the secret is ever shown (it is not put in a message,
which would keep it in the session, and django-oauth-toolkit stores it hashed). Revoking
asks first, then calls `api_client_revoke`; the client's tokens stop working at once.

django-oauth-toolkit registers its own applications and tokens in the admin; they are
taken off here, so a client is only ever made, seen and revoked through these pages.
"""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from patients.models import ApiClient, Clinic, StaffRole
from patients.security import access
from patients.security.admin_site import ClinicScopedAdmin, OnlyClinicByDefault
from patients.services.api_clients import api_client_create, api_client_revoke

ADMIN_ROLES = (StaffRole.CLINIC_ADMIN,)

# Applications, access and refresh tokens, grants and ID tokens: never edited by hand.
for library_model in apps.get_app_config("oauth2_provider").get_models():
    if admin.site.is_registered(library_model):
        admin.site.unregister(library_model)


class ApiClientForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        clinic, name = cleaned.get("clinic"), cleaned.get("name")
        if self.instance._state.adding and clinic is not None and name:
            # A double click sends the form twice at once. The clinic's row, locked until
            # this save commits, makes the second wait, then find the name taken here
            # (rather than at the database's constraint, a server error), and say so.
            Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
            if ApiClient.objects.filter(clinic=clinic, name=name).exists():
                self.add_error(
                    "name",
                    _(
                        "This clinic already has an API client of this name. If you did "
                        "not copy its secret, revoke it and create a new one."
                    ),
                )
        return cleaned


@admin.register(ApiClient)
class ApiClientAdmin(OnlyClinicByDefault, ClinicScopedAdmin):
    form = ApiClientForm
    view_roles = ADMIN_ROLES
    edit_roles = ADMIN_ROLES
    # api_client_create records the creation, naming who made it.
    audits_additions = False
    # The client id is on the client's page (and searched for here): in the list its 40
    # characters pushed the Revoke link off a laptop's screen.
    list_display = ["name", "clinic", "requests_per_minute", "status", "revoke"]
    list_filter = [("clinic", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["clinic", "application"]
    search_fields = ["name", "application__client_id"]
    actions = None
    made = ["created_by", "created_at"]
    readonly_fields = ["client_id", "status", *made]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "clinic", "requests_per_minute"]
        return ["name", "clinic", "client_id", "requests_per_minute", "status", *self.made]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The clinic is what the client may read: a new client for another clinic, not this.
        return [*self.readonly_fields, "clinic"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A revoked client stays as it was, for the audit trail.
        if obj is not None and obj.revoked_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # revoked instead: the audit trail names the client

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "clinic" and not request.user.is_superuser:
            kwargs["queryset"] = Clinic.objects.filter(
                pk__in=access.clinic_ids(request.user, self.edit_roles)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "clinic" and formfield is not None:
            # Choosing the clinic is all: no links to add, change or delete a clinic here.
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return formfield

    def add_view(self, request, form_url="", extra_context=None):
        # Every save of a new client answers with its secret: one button says so.
        extra_context = {
            **(extra_context or {}),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
        }
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        client, secret = api_client_create(
            clinic=obj.clinic,
            name=obj.name,
            by=request.user,
            requests_per_minute=obj.requests_per_minute,
        )
        # The form's object becomes the saved one, so the admin's log names it.
        obj.pk, obj.application, obj.created_at = client.pk, client.application, client.created_at
        obj._state.adding, obj._state.db = False, client._state.db
        request.api_client_secret = secret

    def response_add(self, request, obj, post_url_continue=None):
        """The one page that shows the secret: answered to the form, never stored."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "client": obj,
            "secret": request.api_client_secret,
            "token_url": request.build_absolute_uri(reverse("fhir_token")),
            "base_url": request.build_absolute_uri("/fhir/R4"),
            "title": _("API client created"),
        }
        response = TemplateResponse(request, "admin/patients/apiclient/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.display(description=_("client id"))
    def client_id(self, client: ApiClient) -> str:
        return client.application.client_id

    @admin.display(description=_("status"), ordering="revoked_at")
    def status(self, client: ApiClient) -> str:
        if client.revoked_at is None:
            return _("Active")
        return _("Revoked on %(date)s") % {
            "date": formats.date_format(client.revoked_at, "DATETIME_FORMAT")
        }

    @admin.display(description=_("revoke"))
    def revoke(self, client: ApiClient) -> str:
        if client.revoked_at is not None:
            return "—"
        url = reverse("admin:patients_apiclient_revoke", args=[client.pk])
        return format_html('<a href="{}">{}</a>', url, _("Revoke…"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="patients_apiclient_revoke",
            ),
            *super().get_urls(),
        ]

    def revoke_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Asks first; revoking cannot be undone (the system needs a new client)."""
        client = self.get_object(request, object_id)
        if client is None:
            raise Http404
        if not super().has_change_permission(request, client):
            raise PermissionDenied
        changelist = reverse("admin:patients_apiclient_changelist")
        if request.method == "POST":
            api_client_revoke(client=client, by=request.user)
            self.message_user(
                request,
                _("%(name)s is revoked: its tokens no longer work.") % {"name": client.name},
            )
            return HttpResponseRedirect(changelist)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "client": client,
            "original": client,
            "changelist_url": changelist,
            "title": _("Revoke an API client"),
        }
        return TemplateResponse(request, "admin/patients/apiclient/revoke.html", context)
