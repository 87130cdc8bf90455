"""Logs a clinic's IT can read with their tools: one JSON object a line.

Every record made while a request is served carries the request's id (set by
config.request_log), so one reference finds the request's line and any error it raised.
gunicorn's own messages, the web app's and the background worker's all go through the
configuration `logging_config` returns (settings.LOGGING; config/gunicorn.py).

Standard library only: gunicorn's master process loads this before Django is set up.
"""

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)

# The fields of the one line per request (config.request_log), in the order they print.
REQUEST_FIELDS = ("method", "route", "status", "duration_ms", "user_id", "client")

FORMATS = ("json", "plain")


class RequestIdFilter(logging.Filter):
    """Tags each record with the id of the request being served, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id.get()
        if request_id is not None:
            record.request_id = request_id
        return True


class WorkerErrorsWithoutValuesFilter(logging.Filter):
    """The background worker's failed tasks: the traceback's code lines and the error's
    type, not its message, which can quote what the task was given (a mail server that
    refuses a message names the recipients in its error). The task's id, in the line's
    message, leads to the rest in the database."""

    LOGGERS = ("django_tasks", "django_tasks_db")

    def filter(self, record: logging.LogRecord) -> bool:
        from_worker = record.name.split(".")[0] in self.LOGGERS
        if from_worker and record.exc_info and record.exc_info[0] is not None:
            kind, _error, trace = record.exc_info
            record.exc_text = (
                "Traceback (most recent call last):\n"
                + "".join(traceback.format_tb(trace))
                + f"{kind.__module__}.{kind.__qualname__} (message left out)"
            )
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """time, level, logger, message, request_id, the request line's fields, traceback.

    ASCII only (json escapes the rest), so a record is one line whatever reads it and
    whatever the stream's encoding: a traceback's newlines become \\n inside one string.
    Only the fields named here are written, never whatever else a record carries (Django
    attaches the request itself, whose text holds the path).
    """

    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, UTC)
        entry = {
            "time": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["traceback"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:  # already written as text (WorkerErrorsWithoutValuesFilter)
            entry["traceback"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


def logging_config(*, log_format: str, level: str, gunicorn_access_log: bool) -> dict:
    """The LOGGING setting: everything to standard output, in `log_format`."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": log_format,
        "stream": "ext://sys.stdout",
        "filters": ["request_id", "hide_paths", "worker_errors"],
    }

    def to_stdout(lowest: str) -> dict:
        return {"handlers": ["stdout"], "level": lowest, "propagate": False}

    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            # By name: this module stays free of Django, the filter needs it.
            "hide_paths": {"()": "config.request_log.HidePathsFilter"},
            "worker_errors": {"()": WorkerErrorsWithoutValuesFilter},
        },
        "formatters": {
            "json": {"()": JsonFormatter},
            "plain": {
                "()": logging.Formatter,
                "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
                "defaults": {"request_id": "-"},
            },
        },
        "handlers": {"stdout": handler},
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's own handlers would print each message a second time.
            "django": to_stdout("INFO"),
            # runserver (development only) names the path in its lines; ours does not.
            "django.server": to_stdout("ERROR"),
            # 403s and 404s are expected answers, not faults; server errors log in full.
            "django.request": to_stdout("ERROR"),
            # Every sign-in would log four lines; lockouts are warnings and still show.
            "axes": to_stdout("WARNING"),
            # The OAuth libraries behind the FHIR token endpoint write, at DEBUG, each token
            # they issue ("Issuing token to client id ..., {'access_token': ...}"): never
            # below WARNING, whatever LOG_LEVEL, so a token never reaches the log.
            "oauthlib": to_stdout("WARNING"),
            "oauth2_provider": to_stdout("WARNING"),
            "gunicorn.error": to_stdout(level),
            # gunicorn's access log prints the raw path and query string: off unless asked.
            "gunicorn.access": to_stdout("INFO" if gunicorn_access_log else "CRITICAL"),
        },
    }
