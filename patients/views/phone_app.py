"""The installable app: its manifest, its service worker and the page it shows offline.

None of these needs a signed-in user or a query: a phone asks for them before, between
and after sessions. The service worker is rendered from a template so it names the static
files by their hashed names, which also makes a new release install a new worker.
"""

import hashlib

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# --brand and --bg in static/css/stepwise.css: the bar and splash screen match the pages.
THEME_COLOR = "#205067"
BACKGROUND_COLOR = "#f7f8f6"
# The files the worker keeps at install, with the offline page.
PRECACHED = [
    "css/stepwise.css",
    "js/app.js",
    "js/offline.js",
    "js/sw-push.js",
    "favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
]


def precache_version() -> str:
    """A short fingerprint of the kept files' contents: when any of them changes, the worker
    changes too, so phones install it and fetch the new files."""
    digest = hashlib.sha256()
    for name in PRECACHED:
        path = finders.find(name)
        digest.update(name.encode())
        if path:
            with open(path, "rb") as kept:
                digest.update(kept.read())
    return digest.hexdigest()[:12]


def manifest_data() -> dict:
    return {
        "name": _("Stepwise"),
        "short_name": _("Stepwise"),
        "description": _("Your walking plan from your clinic."),
        "id": "/week/",
        "start_url": reverse("patient_week"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {
                "src": static("icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    return JsonResponse(manifest_data(), content_type="application/manifest+json")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker must be fetched fresh each time (no-cache), or a phone would keep an old
    one and its old list of files for a day."""
    response = render(
        request,
        "sw.js",
        {
            "login_url": reverse("login"),
            "logout_url": reverse("logout"),
            "offline_url": reverse("offline"),
            "version": precache_version(),
            "precache": [static(name) for name in PRECACHED],
        },
        content_type="text/javascript",
    )
    patch_cache_control(response, no_cache=True)
    return response


@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """What a phone shows for a page it has no copy of while there is no connection. It is
    the same for everyone (the worker keeps it for whoever uses the phone next), so it says
    nothing about the person."""
    return render(request, "offline.html")
