"""Hostile input for the property-based tests: strategies and the checks every answer meets.

Each example runs in a savepoint that is rolled back, so examples cannot see each other's
walks or flags and a database error in one cannot poison the next.
"""

import contextlib
import uuid
from urllib.parse import quote

from django.db import transaction
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# pytest-django's fixtures live for the whole test; each example rolls back its own writes.
fuzz_settings = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

MARKUP = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "{{ request.user.password }}{% debug %}",
]
SQL = ["'; DROP TABLE patients_walklog; --", "1 OR 1=1", "' OR ''='", "%", "_", "\\"]
ODD = [
    "\x00",
    "a\x00b",
    "\u202eevil",
    "\ufeff",
    "\r\n\r\n",
    "\t",
    "💥" * 50,
    "x" * 5000,
    "%00",
    "../../etc/passwd",
]

payloads = st.sampled_from(MARKUP + SQL + ODD)

# Any text: st.text() covers control characters (NUL included) and unicode without surrogates.
texts = st.one_of(
    st.text(max_size=60),
    payloads,
    st.tuples(st.text(max_size=10), payloads, st.text(max_size=10)).map("".join),
)

numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**31 - 2, max_value=2**80).map(str),
    st.integers(max_value=-1).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "1e999", "-0", "0x10", "١٠", "１０", "9" * 5000, "1_000", "+5"]),
)

dates = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.sampled_from(
        [
            "0000-01-01",
            "0001-01-01",
            "9999-12-31",
            "99999-01-01",
            "2026-02-30",
            "2026-13-01",
            "-2026-01-01",
            "31/12/9999",
            "01/01/0001",
        ]
    ),
)

uuid_like = st.one_of(st.uuids().map(str), st.sampled_from(["", "0", "-1", "None", "null"]))

# Text carrying markup somewhere in it, for what gets stored and shown again.
marked_up = st.tuples(st.text(max_size=10), st.sampled_from(MARKUP), st.text(max_size=10)).map(
    "".join
)

# Any value a form field might be sent: text, a number or a date written as text.
values = st.one_of(texts, numbers, dates, uuid_like)


def choice_or_junk(choices):
    """A valid choice half the time, anything at all otherwise."""
    return st.one_of(st.sampled_from(list(choices)), values)


def list_of(choices):
    """A multi-select: valid codes, junk, and duplicates mixed."""
    return st.lists(choice_or_junk(choices), max_size=5)


@contextlib.contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def hostile_client(client):
    """The test client, answering with the 500 page instead of re-raising the exception."""
    client.raise_request_exception = False
    return client


def unless_nul(allowed: set[int], *sent) -> set[int]:
    """A NUL character in any address parameter is refused as a bad request (400)."""
    with_nul = any("\x00" in str(value) for value in sent)
    return allowed | {400} if with_nul else allowed


def unless_huge_name(allowed: set[int], data: dict) -> set[int]:
    """Django refuses a form part whose header passes 1,024 bytes, as a field name of about
    a thousand characters makes it: a bad request (400), as no browser sends one."""
    huge = any(len(key.encode()) > 900 for key in data)
    return allowed | {400} if huge else allowed


def answered(response, allowed: set[int]):
    """The response's status is one of `allowed`: never a server error."""
    assert response.status_code != 500, "server error"
    assert response.status_code in allowed, f"unexpected {response.status_code}"
    return response


def shows_form_errors(response) -> bool:
    """An invalid form says so: Django's error list or the page's error summary."""
    html = response.content.decode()
    markers = ('class="errorlist', 'class="error-summary"', 'class="error-message"', "errornote")
    return any(marker in html for marker in markers)


def never_raw(html: str, text: str) -> None:
    """No markup from `text` reaches the page as markup."""
    for payload in MARKUP:
        if payload in text and escape(payload) != payload:
            assert payload not in html, f"unescaped {payload!r}"


def shown_escaped(html: str, text: str) -> None:
    """Text the page displays is there, escaped, and none of its markup is live."""
    never_raw(html, text)
    for payload in MARKUP:
        if payload in text:
            assert escape(payload) in html, f"{payload!r} is not shown"


def url_with(route: str, *identifiers: str) -> str:
    """The route's URL with each of `identifiers`, percent-encoded, as its parameters."""
    blanks = [str(uuid.UUID(int=index)) for index in range(len(identifiers))]
    url = reverse(route, args=blanks)
    for blank, identifier in zip(blanks, identifiers, strict=True):
        url = url.replace(blank, quote(identifier, safe=""), 1)
    return url
