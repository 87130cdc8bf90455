"""The patient's reminder settings: what to be reminded of, when, and how; or none."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from patients.forms.reminders import ReminderSettingsForm
from patients.models import ReminderSettings
from patients.security.access import current_patient
from patients.services.reminders import (
    reminder_settings_of,
    reminder_settings_save,
    reminders_stop,
)

FORM_FIELDS = (
    "walk_days",
    "walk_time",
    "nudge_after_days",
    "morning_check_time",
    "quiet_from",
    "quiet_until",
    "by_email",
)


def initial_of(settings: ReminderSettings) -> dict:
    initial = {name: getattr(settings, name) for name in FORM_FIELDS}
    initial["time_zone"] = settings.time_zone or settings.patient.clinic.timezone
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request: HttpRequest) -> HttpResponse:
    patient = current_patient(request)
    settings = reminder_settings_of(patient)
    if request.method == "POST" and request.POST.get("action") == "stop":
        reminders_stop(patient, request.user)
        messages.success(
            request, _("All your reminders are off. You can turn them on again here at any time.")
        )
        return redirect("reminder_settings")
    form = ReminderSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=initial_of(settings),
        clinic=patient.clinic,
        push_on=settings.by_push,
    )
    if request.method == "POST" and form.is_valid():
        saved = reminder_settings_save(patient, request.user, **form.values())
        if saved.is_on:
            done = _("Your reminders are saved. You can change or stop them here at any time.")
        else:
            done = _("Your settings are saved. No reminders are on.")
        messages.success(request, done)
        return redirect("reminder_settings")
    context = {"patient": patient, "form": form, "settings": settings}
    return render(request, "patients/reminders.html", context)
