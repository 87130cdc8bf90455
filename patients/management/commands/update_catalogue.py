"""Brings the translation catalogues (config/locale) up to date with the code: every string
marked for translation in the app's Python files and templates, nothing else (not the
tests or scripts), each with the files it is in. New strings arrive untranslated; the
catalogue test fails until they are translated (docs/translation.md).

`--check` changes nothing: it lists the strings the code has and the catalogue lacks, and
those the catalogue keeps that the code no longer has, and fails if there are any.
Needs GNU gettext (xgettext, msgmerge), as Django's makemessages does.
"""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from patients.translations import catalogues, entry_keys

NOT_THE_APP = [
    "tests/*",
    "scripts/*",
    "docs/*",
    "deploy/*",
    "build/*",
    "mutants/*",
    "staticfiles/*",
]


class Command(BaseCommand):
    help = "Update the translation catalogues from the code (--check: only compare)."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Compare, change nothing.")

    def handle(self, *args, check=False, **options):
        if not check:
            self._make_messages()
            return
        # makemessages writes where each file's nearest locale folder is (config/locale
        # for every file here): so it runs in place, and the catalogues are put back.
        before = {po: po.read_bytes() for po in catalogues()}
        try:
            self._make_messages()
            updated = {po: entry_keys(po) for po in catalogues()}
        finally:
            for po, content in before.items():
                po.write_bytes(content)
        differences = []
        for po in before:
            now, new = entry_keys(po), updated[po]
            differences += [f"not in {po} yet: {key!r}" for key in sorted(new - now)]
            differences += [f"no longer in the code: {key!r}" for key in sorted(now - new)]
        if differences:
            raise CommandError(
                "The catalogue does not match the code; run `manage.py update_catalogue`, "
                "then translate:\n" + "\n".join(differences)
            )
        self.stdout.write("The catalogue matches the code.")

    def _make_messages(self) -> None:
        languages = sorted(po.parent.parent.name for po in catalogues())
        here = os.getcwd()
        os.chdir(settings.BASE_DIR)
        try:
            call_command(
                "makemessages",
                locale=languages,
                extensions=["html", "txt", "py"],
                ignore_patterns=NOT_THE_APP,
                no_obsolete=True,
                add_location="file",
                verbosity=0,
            )
        finally:
            os.chdir(here)
