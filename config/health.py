"""The health URLs: /health/ for load balancers and the container's HEALTHCHECK (cheap,
the database only), /health/processes/ for monitoring (are the worker and the scheduled
jobs that keep patients safe running?)."""

from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from patients.safety import watch

HEALTH_PATH = "/health/"
PROCESSES_PATH = "/health/processes/"


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
        if request.path not in (HEALTH_PATH, PROCESSES_PATH):
            return self.get_response(request)
        if not database_is_up():
            # Drop the broken connection so the next probe reconnects.
            connection.close_if_unusable_or_obsolete()
            return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
        if request.path == PROCESSES_PATH:
            return processes_report()
        return JsonResponse({"status": "ok", "database": "ok"})


def processes_report() -> JsonResponse:
    """503 while any safety process is late, so any HTTP monitor can raise the alarm.

    Times only: it answers anyone who can reach it, so what each run did (how many flags it
    escalated) stays in the database. "late" is null when it cannot be told: the worker's
    heartbeat comes from the sweep, so it says nothing while the sweep is late.
    """
    now = timezone.now()
    try:
        states = watch.process_states(now)
    except DatabaseError:  # up, but without Stepwise's tables: not migrated yet
        return JsonResponse({"status": "error", "database": "not ready"}, status=503)
    late = [state for state in states if state.late]
    response = JsonResponse(
        {
            "status": "late" if late else "ok",
            "checked_at": now.isoformat(),
            "problems": [f"{state.problem} {state.consequence} {state.fix}" for state in late],
            "processes": {
                state.process: {
                    "last_run_at": state.last_run_at.isoformat() if state.last_run_at else None,
                    "late": state.late,
                    "late_after_seconds": int(state.schedule.late_after.total_seconds()),
                }
                for state in states
            },
        },
        status=503 if late else 200,
    )
    # A monitor polls every minute: the answer is the alarm, not a server error to log.
    response._has_been_logged = True
    return response
