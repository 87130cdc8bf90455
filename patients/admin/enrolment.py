"""Enrolling patients in the admin, inviting them, and changing their details safely."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from patients.admin.patient_form import ACCOUNT_FIELDS, ENROLMENT_ONLY, PatientForm
from patients.models import (
    AuditAction,
    Clinic,
    DeliveryState,
    InvitationState,
    Patient,
)
from patients.security import access, audit, two_factor

# Registers the audit trail, locked sign-ins and the device admin removals.
from patients.security.admin_site import ClinicScopedAdmin, save_changed_fields
from patients.services.enrolment import (
    email_change_send,
    invitation_create,
    invitation_send,
    patient_email_change,
    patient_enrol,
)
from patients.services.reminders import reminders_turn_on_usual
from patients.summaries import summary_refresh
from programs.models import PlanAssignment

User = get_user_model()


def clinician_choices(clinic_ids):
    return (
        User.objects.filter(
            is_active=True,
            memberships__clinic_id__in=clinic_ids,
            memberships__role__in=access.CARE_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name")
    )


def staff_name(user) -> str:
    """Staff as clinicians know each other: by name, with the username only as a fallback."""
    return user.get_full_name() or user.get_username()


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    audits_additions = False  # patient_enrol records the enrolment, naming who enrolled
    form = PatientForm
    list_display = ["name", "clinic", "clinician", "current_plan", "usual_pain", "enrolled_on"]
    list_filter = [
        ("clinic", admin.RelatedOnlyFieldListFilter),
        "leg_symptoms",
        "cleared_to_exercise",
    ]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    list_select_related = ["user", "clinic", "clinician"]
    readonly_fields = ["plan_summary", "sign_in"]
    change_form_template = "admin/patients/patient/change_form.html"

    actions = ["turn_off_second_factor"]

    @admin.action(description=_("Turn off two-step sign-in (patient lost their phone)"))
    def turn_off_second_factor(self, request, queryset):
        """Patients chose it, so it goes back to password only; they may turn it on again."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        for patient in queryset.select_related("user"):
            two_factor.reset(patient.user)
            audit.record(
                by=request.user,
                action=AuditAction.CHANGED,
                subject="two-step sign-in",
                patient=patient,
                detail="turned off",
            )
        messages.success(request, _("Two-step sign-in is off. They sign in with their password."))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET":
            audit.record(
                by=request.user,
                action=AuditAction.VIEWED,
                subject="patient",
                patient=obj,
                detail="in the admin",
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    fieldsets = [
        (
            _("Patient"),
            {
                "fields": [
                    *ACCOUNT_FIELDS,
                    "language",
                    "phone",
                    "sign_in",
                    "clinic",
                    "clinician",
                    "enrolled_on",
                ]
            },
        ),
        (_("Walking plan"), {"fields": ["plan_summary"]}),
        (
            _("Baseline at enrolment"),
            {
                "description": _(
                    "Symptoms recorded here are known and never raise alarms by themselves; "
                    "changes from them do."
                ),
                "fields": [
                    "usual_pain",
                    "leg_symptoms",
                    "leg_symptoms_below_knee",
                    "known_nerve_symptoms",
                    "known_walking_pattern",
                    "known_joint_pain",
                ],
            },
        ),
        (
            _("Risk factors"),
            {
                "fields": [
                    "past_cancer",
                    "steroid_or_immunosuppressant",
                    "osteoporosis",
                    "iv_drug_use",
                ]
            },
        ),
        (_("Goal and clearance"), {"fields": ["cleared_to_exercise", "goal"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            return self.fieldsets
        reminders = (_("Reminders"), {"fields": list(ENROLMENT_ONLY)})
        return [*self.fieldsets, reminders]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user", "clinic", "clinician")
            .prefetch_related(
                Prefetch(
                    "assignments",
                    queryset=PlanAssignment.objects.current().prefetch_related("stages"),
                    to_attr="current_assignments",
                )
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = None if request.user.is_superuser else access.care_clinic_ids(request.user)
        if db_field.name == "clinic" and scope is not None:
            kwargs["queryset"] = Clinic.objects.filter(pk__in=scope)
        if db_field.name == "clinician":
            kwargs["queryset"] = (
                clinician_choices(scope)
                if scope is not None
                else clinician_choices(Clinic.objects.values("pk"))
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "clinician":
            field.label_from_instance = staff_name
        return field

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        clinics = access.care_clinic_ids(request.user)
        if len(clinics) == 1:
            initial.setdefault("clinic", clinics[0])
        if not request.user.is_superuser and clinics:
            initial.setdefault("clinician", request.user.pk)
        return initial

    def save_model(self, request, obj, form, change):
        account = {name: form.cleaned_data[name] for name in ACCOUNT_FIELDS}
        if change:
            obj.user.first_name, obj.user.last_name = account["first_name"], account["last_name"]
            obj.user.save(update_fields=["first_name", "last_name"])
            save_changed_fields(obj, form)
            summary_refresh(obj)  # the usual pain sets the light
            self.change_email(request, obj, account["email"])
            return
        baseline = {
            field: form.cleaned_data[field]
            for field in form.cleaned_data
            if field not in {*ACCOUNT_FIELDS, *ENROLMENT_ONLY, "clinic", "clinician"}
        }
        enrolled = patient_enrol(
            clinic=form.cleaned_data["clinic"],
            clinician=form.cleaned_data["clinician"],
            by=request.user,
            **account,
            **baseline,
        )
        # The admin carries on with `obj` (its message and redirect), so point it at the row.
        obj.pk, obj.user = enrolled.pk, enrolled.user
        obj._state.adding = False
        if form.cleaned_data.get("turn_on_reminders"):
            reminders_turn_on_usual(enrolled, request.user)
        self.invite(request, enrolled)

    def change_email(self, request, patient: Patient, email: str) -> None:
        """A new address takes effect at once before the first password, after it only when
        confirmed from the new address (the old one is told)."""
        if patient_email_change(patient=patient, email=email, by=request.user):
            self.message_user(request, _("The email address is changed."), messages.SUCCESS)
        elif patient.pending_email and patient.pending_email == email.lower():
            # This save asked for the new address: send its link (again, if resaved).
            email_change_send(patient=patient)
            self.message_user(
                request,
                _(
                    "The new address %(email)s must be confirmed by the patient: a link is on "
                    "its way to it, and the old address is told. Until then they sign in "
                    "with the old one."
                )
                % {"email": patient.pending_email},
                messages.WARNING,
            )

    def invite(self, request, patient: Patient) -> None:
        invitation, _token = invitation_create(patient=patient, by=request.user, now=timezone.now())
        invitation_send(invitation=invitation)
        self.message_user(
            request,
            _(
                "An invitation to set a password is on its way to %(email)s; it works for 7 "
                "days. Whether it got out shows under Sign-in."
            )
            % {"email": patient.user.email},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/invite/",
                self.admin_site.admin_view(self.invite_view),
                name="patients_patient_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request, object_id):
        patient = self.get_object(request, object_id)
        if patient is None:
            raise Http404
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request, patient):
            raise PermissionDenied
        if patient.user.has_usable_password():
            # An invitation sets a first password only: it must never replace one.
            self.message_user(
                request,
                _(
                    "%(patient)s has already set a password. If they have forgotten it, they "
                    "choose “Forgotten your password?” when signing in; the link goes to "
                    "their own email address."
                )
                % {"patient": patient},
                messages.ERROR,
            )
        else:
            self.invite(request, patient)
        return HttpResponseRedirect(reverse("admin:patients_patient_change", args=[patient.pk]))

    @admin.display(description=_("sign-in"))
    def sign_in(self, patient: Patient) -> str:
        if patient._state.adding:
            return _("An invitation is sent when you save.")
        if patient.user.has_usable_password():
            return _("Has set a password and can sign in.")
        latest = patient.invitations.first()
        if latest is None:
            return _("Not invited yet.")
        invited = _("Invited %(date)s: %(state)s.") % {
            "date": latest.created_at.strftime("%d %b %Y"),
            "state": InvitationState(latest.state(timezone.now())).label.lower(),
        }
        email = latest.emails.first()
        if email is None:  # invited before emails were recorded
            return invited
        if email.state == DeliveryState.FAILED:
            return _(
                "%(invited)s The invitation could not be sent (%(error)s). It is tried again "
                "every few minutes; to try now, choose “Send a new invitation”."
            ) % {"invited": invited, "error": email.last_error or _("no reason given")}
        if email.state == DeliveryState.PENDING:
            return _("%(invited)s The email is waiting to be sent.") % {"invited": invited}
        return _("%(invited)s The email was sent %(date)s.") % {
            "invited": invited,
            "date": patient.clinic.local_time(email.sent_at).strftime("%d %b %Y %H:%M"),
        }

    @admin.display(description=_("name"), ordering="user__last_name")
    def name(self, patient: Patient) -> str:
        return str(patient)

    @admin.display(description=_("current plan"))
    def current_plan(self, patient: Patient) -> str:
        current = patient.current_assignments[0] if patient.current_assignments else None
        return current.describe_current(patient.clinic.today()) if current else "—"

    @admin.display(description=_("plan"))
    def plan_summary(self, patient: Patient) -> str:
        if patient._state.adding:
            return _("Save the patient first, then assign a plan.")
        current = patient.current_assignments[0] if patient.current_assignments else None
        if current is None:
            url = reverse("admin:programs_planassignment_add") + f"?patient={patient.pk}"
            return format_html('<a href="{}">{}</a>', url, _("Assign a walking plan"))
        url = reverse("admin:programs_planassignment_change", args=[current.pk])
        return format_html(
            '<a href="{}">{}</a>: {}',
            url,
            current.name,
            current.describe_current(patient.clinic.today()),
        )
