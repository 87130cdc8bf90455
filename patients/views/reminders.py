"""The patient's reminder settings: what to be reminded of, when, and how; or none."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from patients.forms.reminders import ReminderSettingsForm, is_place
from patients.models import Patient, ReminderSettings
from patients.reminders.sending import queue_test_reminder, test_reminder_too_soon
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
    # A zone stored that is no longer a place offered (the database changed) shows as the
    # clinic's, never as whichever comes first in the list.
    stored = settings.time_zone
    initial["time_zone"] = stored if is_place(stored) else settings.patient.clinic.timezone
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


@login_required
@require_POST
def reminder_test(request: HttpRequest) -> HttpResponse:
    """Send a test reminder now, by each way that is on, so the patient sees one arrive."""
    patient = current_patient(request)
    now = timezone.now()
    with transaction.atomic():
        # One at a time per patient, so a double tap sends one test.
        Patient.objects.lock(patient.pk)
        if test_reminder_too_soon(patient, now):
            messages.info(
                request, _("A test reminder was sent a moment ago. Please wait a minute.")
            )
        elif queue_test_reminder(patient, now):
            messages.success(
                request, _("A test reminder is on its way. It can take a minute to arrive.")
            )
        else:
            nowhere = _("There is no way to reach you yet: tick email, or turn on notifications.")
            messages.info(request, nowhere)
    return redirect("reminder_settings")
