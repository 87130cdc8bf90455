"""A search's parameters, read strictly, and the page of resources it finds as a Bundle.

Supported: `_id` (comma-separated ids), `patient` (`Patient/<id>` or the id), `_lastUpdated`
with the prefixes ge, gt, le, lt and eq (a date or a date-time with its zone; a date
covers its whole day in UTC), `_count` (0 to `MAX_COUNT`) and `_offset` (the paging
links'). Other parameters are ignored, as FHIR asks of a server by default; the Bundle's
`self` link shows only those applied, which is how a client sees what was ignored.
"""

import contextlib
import datetime
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.utils.dateparse import parse_date, parse_datetime

from patients.fhir.sources import UTC, Source, instant

DEFAULT_COUNT = 50
MAX_COUNT = 500
PREFIX = re.compile(r"(ge|gt|le|lt|eq)?(.+)", re.DOTALL)


class SearchError(ValueError):
    """A parameter that cannot be read: answered 400 with these words."""


@dataclass
class Search:
    patient_id: uuid.UUID | None = None
    ids: list[str] | None = None
    since: datetime.datetime | None = None  # changed at or after
    until: datetime.datetime | None = None  # changed before
    count: int = DEFAULT_COUNT
    offset: int = 0
    applied: list[tuple[str, str]] = field(default_factory=list)

    def rows(self, source: Source, clinic_id: int):
        row_ids = None
        if self.ids is not None:
            row_ids = [row_id for row_id in map(source.row_id, self.ids) if row_id]
        return source.rows(
            clinic_id,
            patient_id=self.patient_id,
            ids=row_ids,
            since=self.since,
            until=self.until,
        )


def _span(value: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The span a FHIR date or date-time covers: from its start, up to but not its end."""
    # A "+" of a zone not encoded as %2B arrives as a space.
    value = value.replace(" ", "+")
    try:
        start, end = _span_or_overflow(value)
        # In UTC, as the database compares it: 0001-01-01T00:00+14:00 has no UTC moment.
        return start.astimezone(UTC), end.astimezone(UTC)
    except OverflowError:
        raise SearchError(f"'{value[:40]}' is outside the years 1 to 9999.") from None


def _span_or_overflow(value: str) -> tuple[datetime.datetime, datetime.datetime]:
    if "T" in value:
        moment = None
        with contextlib.suppress(ValueError):  # well formed but no such day or hour
            moment = parse_datetime(value)
        if moment is None:
            raise SearchError(f"'{value[:40]}' is not a date-time (2026-11-30T09:00:00Z).")
        if moment.tzinfo is None:
            raise SearchError(f"'{value[:40]}' needs a time zone, such as Z or +01:00.")
        return moment, moment + datetime.timedelta(microseconds=1)
    day = None
    with contextlib.suppress(ValueError):
        day = parse_date(value)
    if day is None:
        raise SearchError(f"'{value[:40]}' is not a date (2026-11-30) or a date-time.")
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=UTC)
    return start, start + datetime.timedelta(days=1)


def _last_updated(search: Search, value: str) -> None:
    matched = PREFIX.fullmatch(value)
    if matched is None:  # empty
        raise SearchError("_lastUpdated needs a date or a date-time, such as ge2026-11-30.")
    prefix, moment = matched.groups()
    start, end = _span(moment)
    lower = {"ge": start, "eq": start, "gt": end}.get(prefix or "eq")
    upper = {"le": end, "eq": end, "lt": start}.get(prefix or "eq")
    if lower is not None:
        search.since = max(filter(None, (search.since, lower)))
    if upper is not None:
        search.until = min(filter(None, (search.until, upper)))


def _whole_number(name: str, value: str, top: int) -> int:
    # ASCII digits only: str.isdigit() also passes superscripts, which int() refuses; and a
    # number longer than the top is the top, without int() of thousands of digits.
    if not (value.isascii() and value.isdigit()):
        raise SearchError(f"{name} must be a whole number from 0, not '{value[:40]}'.")
    return top if len(value) > len(str(top)) else min(int(value), top)


def _patient(value: str) -> uuid.UUID:
    reference = value.rsplit("Patient/", 1)[-1]
    try:
        return uuid.UUID(reference)
    except ValueError:
        raise SearchError(f"patient must be Patient/<id>, not '{value}'.") from None


def parse(params, *, allow_patient: bool = True) -> Search:
    """The search a query string asks for; SearchError for a value that cannot be read."""
    search = Search()
    for name, values in params.lists():
        for value in values:
            value = value.strip()
            if name == "_count":
                search.count = _whole_number(name, value, MAX_COUNT)
            elif name == "_offset":
                search.offset = _whole_number(name, value, 10**9)
                continue  # the paging links write their own
            elif name == "_id":
                search.ids = [part.strip() for part in value.split(",") if part.strip()]
            elif name == "patient":
                if not allow_patient:
                    # Ignored, it would answer a whole clinic to someone asking for one.
                    raise SearchError("patient does not narrow this search; use _id=<id>.")
                search.patient_id = _patient(value)
            elif name == "_lastUpdated":
                _last_updated(search, value)
            else:
                continue
            search.applied.append((name, value))
    return search


@dataclass
class Page:
    total: int
    resources: list[dict]
    patient_ids: list[uuid.UUID]  # whom the page's resources are about, for the audit


def page(search: Search, sources, clinic_id: int) -> Page:
    """One page of the resources the search finds across its sources, read in turn."""
    total, resources, patient_ids = 0, [], []
    for source in sources:
        rows = search.rows(source, clinic_id)
        found = rows.count()
        wanted = search.count - len(resources)
        start = max(0, search.offset - total)
        if wanted > 0 and start < found:
            for row in rows[start : start + wanted]:
                resources.append(source.resource(row))
                patient_ids.append(row.fhir_patient_id)
        total += found
    return Page(total, resources, patient_ids)


def _link(relation: str, url: str, search: Search, offset: int) -> dict:
    params = [(name, value) for name, value in search.applied if name != "_count"]
    params += [("_count", str(search.count)), ("_offset", str(offset))]
    return {"relation": relation, "url": f"{url}?{urlencode(params)}"}


def bundle(result: Page, search: Search, *, url: str, base: str) -> dict:
    """A searchset Bundle with self, first, previous and next links as apply."""
    links = [_link("self", url, search, search.offset), _link("first", url, search, 0)]
    if search.offset > 0:
        links.append(_link("previous", url, search, max(0, search.offset - search.count)))
    if search.count and search.offset + search.count < result.total:
        links.append(_link("next", url, search, search.offset + search.count))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": instant(datetime.datetime.now(UTC))},
        "total": result.total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in result.resources
        ],
    }
