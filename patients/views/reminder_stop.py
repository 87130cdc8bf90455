"""Stopping reminder emails from the link in one, without signing in (RFC 8058).

GET only shows a button: mail scanners open every link in an email, and must not
unsubscribe anyone. POST stops the emails; it needs no CSRF cookie, because a mail
provider's one-click unsubscribe posts `List-Unsubscribe=One-Click` without cookies.
The signed token is what proves the link came from us, and it can only switch off that
one patient's reminder emails.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from patients.languages import link_language
from patients.models import ReminderSettings
from patients.reminders.links import patient_for_stop_token, stop_email_reminders


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def reminder_stop(request: HttpRequest, token: str) -> HttpResponse:
    patient = patient_for_stop_token(token)
    if patient is None:
        return render(request, "reminders/stop_problem.html", status=404)
    translation.activate(link_language(request, patient))
    if request.method == "POST":
        stop_email_reminders(patient)
        return render(request, "reminders/stopped.html")
    emails_on = ReminderSettings.objects.filter(patient=patient, by_email=True).exists()
    return render(request, "reminders/stop.html", {"token": token, "emails_on": emails_on})
