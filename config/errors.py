"""The 500 page: calm, and with the reference support needs to find what happened.

It is drawn without the request's context: no database, no session, no user, since any of
them may be what failed.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader


def server_error(request: HttpRequest) -> HttpResponse:
    # Set by config.request_log, which every request but the health check passes.
    reference = getattr(request, "request_id", "")
    return HttpResponseServerError(loader.get_template("500.html").render({"reference": reference}))
