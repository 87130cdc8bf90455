"""A log record is one JSON line, whatever it holds."""

import json
import logging
import sys

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
