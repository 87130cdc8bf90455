"""Compiles the translations (config/locale/<language>/LC_MESSAGES/django.po) into the .mo
files Django reads. Pure Python (polib), so no server or image needs GNU gettext; run after
each install or upgrade, like collectstatic (README). Fuzzy and empty entries are left out,
so an unfinished translation shows the English, never a guess."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand

from patients.translations import catalogues, compiled, is_compiled


class Command(BaseCommand):
    help = "Compile the translations (.po) into the files Django reads (.mo)."
    # Not the start-up checks: one of them is that the translations are compiled.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Even those up to date.")

    def handle(self, *args, force=False, **options):
        for po_path in catalogues():
            if is_compiled(po_path) and not force:
                continue
            mo_path = po_path.with_suffix(".mo")
            # Written beside and renamed: a server reading it never sees half a file.
            handle, temporary = tempfile.mkstemp(dir=po_path.parent, suffix=".mo")
            os.close(handle)
            Path(temporary).write_bytes(compiled(po_path))
            Path(temporary).chmod(0o644)
            os.replace(temporary, mo_path)
            self.stdout.write(f"Compiled {mo_path}")
