"""Notifications on or off for this browser: the script of the reminder settings page
(static/js/push.js) posts the browser's subscription here as JSON and shows the answer."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients.forms.push import (
    UNREADABLE,
    PushSubscriptionForm,
    PushUnsubscribeForm,
    read_json,
    subscription_fields,
)
from patients.reminders.push import is_configured, subscribe_browser, unsubscribe_browser
from patients.security.access import current_patient


def bad_request(message) -> JsonResponse:
    return JsonResponse({"error": str(message)}, status=400)


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Store this browser's subscription for the signed-in patient (again if it changed)."""
    patient = current_patient(request)
    if not is_configured():
        # Nothing could ever be sent: storing it would tell the patient push is on.
        return bad_request(_("Notifications are not available from this clinic's Stepwise."))
    data = read_json(request.body)
    if data is None:
        return bad_request(UNREADABLE)
    form = PushSubscriptionForm(subscription_fields(data))
    if not form.is_valid():
        return bad_request(form.first_error())
    subscribe_browser(patient, **form.cleaned_data)
    return JsonResponse({"message": _("Notifications are on for this phone.")}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    """Forget this browser's subscription, if it is the patient's own."""
    patient = current_patient(request)
    data = read_json(request.body)
    form = PushUnsubscribeForm(data or {})
    if data is None or not form.is_valid():
        return bad_request(UNREADABLE)
    unsubscribe_browser(patient, endpoint=form.cleaned_data["endpoint"])
    return JsonResponse({"message": _("Notifications are off for this phone.")})
