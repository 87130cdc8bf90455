"""CSV files that open safely in a spreadsheet. Every CSV the app writes goes through here.

A cell that starts with =, +, -, @, a tab or a carriage return is read by spreadsheet
programs as a formula, so a name or a filter typed by anyone could run in a reviewer's
spreadsheet. As OWASP recommends, such text cells are prefixed with a single quote, which
the spreadsheet shows as text. Numbers and dates are written as they are.
"""

import csv
from collections.abc import Iterable, Iterator

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object that hands each CSV line straight back, for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The header and each row as CSV text, one line at a time (constant memory)."""
    writer = csv.writer(_Echo())
    yield writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])
