"""FHIR's moments, written one way everywhere (the builders and the registry share it)."""

import datetime

UTC = datetime.UTC


def instant(moment: datetime.datetime) -> str:
    """A FHIR instant: UTC, to the second's fraction, with its zone."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
