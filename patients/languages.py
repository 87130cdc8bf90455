"""Which language a page, an email or a stored record is in (docs/translation.md).

A patient reads Stepwise in their own language: the one on their enrolment once signed in,
their browser's (or the language switch's) before. Everything else stays in the site's
language, LANGUAGE_CODE: staff pages, the FHIR API, and every text stored in the database
(flag summaries, audit rows), which clinicians read whatever language the patient who
caused them was reading.

Like the clinic's time zone, a signed-in person's language is looked up once at sign-in
and kept in the session, so pages pay no query for it.
"""

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from patients.models import Patient

SESSION_KEY = "stepwise_language"
# Pages whose language never follows the reader: the admin is staff's, and the API's
# records must read the same whoever asks (a record system must not get a mix).
SITE_LANGUAGE_PATHS = ("/admin/", "/fhir/")


def is_offered(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def records_language():
    """The language of anything stored or read by staff: `with records_language(): ...`."""
    return translation.override(settings.LANGUAGE_CODE)


def in_records_language(function: Callable) -> Callable:
    """Runs `function` in the site's language, whatever the page's (a patient's Spanish
    check-in still stores its flags' summaries in the clinic's language)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with records_language():
            return function(*args, **kwargs)

    return wrapper


def patient_language(patient: Patient) -> str:
    """The patient's language, or the site's if theirs is no longer offered."""
    return patient.language if is_offered(patient.language) else settings.LANGUAGE_CODE


def in_patient_language(patient: Patient):
    """For an email or reminder to one patient: `with in_patient_language(patient): ...`."""
    return translation.override(patient_language(patient))


def signed_in_language(user) -> str:
    """A patient's own language; "" for staff, whose pages are in the site's language."""
    patient = Patient.objects.filter(user=user).only("language").first()
    return patient.language if patient is not None else ""


@receiver(user_logged_in)
def remember_language(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = signed_in_language(user)


def remember_choice(request: HttpRequest, code: str) -> None:
    """A signed-in patient's new choice, for the rest of this sign-in."""
    request.session[SESSION_KEY] = code


def request_language(request: HttpRequest) -> tuple[str, bool]:
    """The page's language, and whether the reader may choose it (the switch is shown)."""
    if request.path_info.startswith(SITE_LANGUAGE_PATHS):
        return settings.LANGUAGE_CODE, False
    if not request.user.is_authenticated:
        return translation.get_language_from_request(request), True
    chosen = request.session.get(SESSION_KEY)
    if chosen is None:  # a sign-in from before languages were remembered
        chosen = request.session[SESSION_KEY] = signed_in_language(request.user)
    if not is_offered(chosen):  # staff, or a language since withdrawn
        return settings.LANGUAGE_CODE, chosen != ""
    return chosen, True


class LanguageMiddleware:
    """Activates the page's language; signed-out pages vary by the browser's preference."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language, choosable = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        request.language_choosable = choosable
        try:
            response = self.get_response(request)
            # A page reached by a patient's own link may have chosen theirs since.
            shown_in = translation.get_language()
        finally:
            translation.deactivate()
        if not request.user.is_authenticated:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", shown_in)
        return response


# Which page, signed out, the switch was last pressed on: a digest of its path (which may
# hold an invitation's token), in a cookie, so choosing writes nothing on the server.
CHOSEN_ON_COOKIE = "stepwise_language_chosen_on"


def _page_digest(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()[:32]


def remember_page_choice(response: HttpResponse, path: str) -> None:
    response.set_cookie(
        CHOSEN_ON_COOKIE,
        _page_digest(path),
        max_age=24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def link_language(request: HttpRequest, patient: Patient) -> str:
    """A page reached by a patient's own link, signed out (an invitation, a password reset,
    a follow-up question, a reminder's stop link): the switch's choice if it was pressed on
    this very page, or else their enrolment's. Not the language cookie on its own: on a
    shared phone it may be someone else's choice, and must not override the clinician's."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    chosen_here = request.COOKIES.get(CHOSEN_ON_COOKIE) == _page_digest(request.path)
    if chosen_here and is_offered(code):
        return code
    return patient_language(patient)


def set_cookie(response: HttpResponse, code: str) -> None:
    """The switch's choice for this browser's signed-out pages (Django's own cookie)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def language_switch(request: HttpRequest) -> dict:
    """The template context for the switch: the other languages, where the reader may choose."""
    if not getattr(request, "language_choosable", False):
        return {"other_languages": []}
    current = translation.get_language()
    return {"other_languages": [(c, name) for c, name in settings.LANGUAGES if c != current]}
