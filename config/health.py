"""The health URL for load balancers and the container's HEALTHCHECK."""

from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

HEALTH_PATH = "/health/"


def database_is_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


class HealthCheckMiddleware:
    """Answers /health/ before host validation and the HTTPS redirect.

    Probes come from inside the network by IP address over plain HTTP, so they would
    otherwise get a 400 (unknown host) or a redirect instead of an answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        if database_is_up():
            return JsonResponse({"status": "ok", "database": "ok"})
        # Drop the broken connection so the next probe reconnects.
        connection.close_if_unusable_or_obsolete()
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
