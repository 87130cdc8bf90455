"""A log record is one JSON line, whatever it holds."""

import json
import logging
import sys
from smtplib import SMTPRecipientsRefused

import pytest
from django.core.management import call_command
from django_tasks import task

from config.logs import JsonFormatter, RequestIdFilter, current_request_id


def record(message: str, *, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord("stepwise.test", logging.ERROR, __file__, 1, message, (), exc_info)
    made.__dict__.update(extra)
    return made


def test_a_record_is_a_json_object_with_time_level_logger_and_message():
    line = JsonFormatter().format(record("Alert email sent"))

    entry = json.loads(line)
    assert entry.keys() == {"time", "level", "logger", "message"}
    assert (entry["level"], entry["logger"], entry["message"]) == (
        "ERROR",
        "stepwise.test",
        "Alert email sent",
    )
    assert entry["time"].endswith("Z")


def test_an_exception_is_one_string_field_on_the_same_line():
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        line = JsonFormatter().format(record("Failed", exc_info=sys.exc_info()))

    assert "\n" not in line
    traceback = json.loads(line)["traceback"]
    assert traceback.startswith("Traceback (most recent call last):\n")
    assert traceback.endswith("ZeroDivisionError: division by zero")


def test_text_in_any_language_or_with_line_breaks_stays_on_one_ascii_line():
    message = "Zoë’s clinic: “fine”\u2028next\r\nline ✓"

    line = JsonFormatter().format(record(message))

    assert line.isascii()
    assert len(line.splitlines()) == 1
    assert json.loads(line)["message"] == message


def test_a_record_made_during_a_request_carries_its_id():
    token = current_request_id.set("4f1c9a7e0b2d4c6e8a1f3b5d7c9e0a2b")
    try:
        during = record("during")
        RequestIdFilter().filter(during)
    finally:
        current_request_id.reset(token)
    after = record("after")
    RequestIdFilter().filter(after)

    assert json.loads(JsonFormatter().format(during))["request_id"] == (
        "4f1c9a7e0b2d4c6e8a1f3b5d7c9e0a2b"
    )
    assert "request_id" not in json.loads(JsonFormatter().format(after))


def test_only_the_request_lines_fields_are_written_never_other_extras():
    line = JsonFormatter().format(
        record("GET home 302 4.1ms", route="home", status=302, request="<WSGIRequest: /x/>")
    )

    entry = json.loads(line)
    assert (entry["route"], entry["status"]) == ("home", 302)
    assert "request" not in entry


ADDRESS = "megan.price@example.org"


@task()
def refuse(address: str) -> None:
    """A task failing as a mail server's refusal does: its message names the recipient."""
    raise SMTPRecipientsRefused({address: (550, b"5.1.1 User unknown")})


@pytest.fixture
def worker_loggers():
    """db_worker sets its loggers' levels for good (verbosity 0 silences them)."""
    loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    yield
    for logger in loggers:
        logger.setLevel(logging.NOTSET)


# Transactional: the worker reads committed rows, as in production.
@pytest.mark.django_db(transaction=True)
def test_a_failed_task_is_logged_with_its_code_and_error_type_never_the_errors_message(
    settings, json_log, worker_loggers
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = refuse.enqueue(ADDRESS)

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=1)

    (line,) = [line for line in json_log.lines() if line["level"] == "ERROR"]
    assert line["logger"] == "django_tasks"
    assert f"Task id={result.id}" in line["message"]
    assert line["traceback"].endswith("smtplib.SMTPRecipientsRefused (message left out)")
    assert "in refuse" in line["traceback"]  # the code that failed is still there
    assert "megan.price" not in json_log.text


def test_the_apps_own_errors_keep_their_message(json_log):
    try:
        raise ValueError("a message the developer wrote")
    except ValueError:
        logging.getLogger("patients.safety").exception("Sweep failed")

    assert "ValueError: a message the developer wrote" in json_log.lines()[0]["traceback"]
