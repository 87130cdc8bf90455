"""Prints, or writes into docs/translation.md, the table of every safety string and its
translation: what a clinical reviewer signs off (docs/translation.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from patients.translations import TABLE_END, TABLE_START, catalogues, safety_table

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "translation.md"


def with_tables(document: str) -> str:
    """The document with its table for each language put back from the catalogues."""
    for po in catalogues():
        language = po.parent.parent.name
        start, end = f"{TABLE_START} {language}", f"{TABLE_END} {language}"
        before, rest = document.split(start, 1)
        _old, after = rest.split(end, 1)
        document = f"{before}{start}\n{safety_table(po)}\n{end}{after}"
    return document


class Command(BaseCommand):
    help = "The safety strings and their translations, for clinical sign-off."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"Update {DOCUMENT}.")

    def handle(self, *args, write=False, **options):
        if write:
            DOCUMENT.write_text(with_tables(DOCUMENT.read_text()))
            self.stdout.write(f"Updated {DOCUMENT}")
            return
        for po in catalogues():
            self.stdout.write(f"{po.parent.parent.name}\n{safety_table(po)}\n")
