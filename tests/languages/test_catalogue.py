"""The Spanish catalogue: complete, faithful to its placeholders, matching the code, and
compiled as the pages read it (docs/translation.md)."""

import importlib
import io
import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from config.checks import check_translations_compiled
from patients.management.commands.safety_translations import with_tables
from patients.translations import catalogues, is_compiled
from programs.standard_plan import SHIPPED_GUIDANCE

PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sdif]|\{[a-z_0-9]*\}")
TAG = re.compile(r"</?[a-z]+[^>]*>")


def spanish() -> polib.POFile:
    return polib.pofile(str(next(po for po in catalogues() if "/es/" in str(po))))


def test_the_catalogue_is_spanish_with_its_plural_rule():
    catalogue = spanish()
    assert catalogue.metadata["Language"] == "es"
    assert catalogue.metadata["Plural-Forms"].startswith("nplurals=3;")


def test_every_string_is_translated_and_none_is_a_guess():
    catalogue = spanish()
    assert len(catalogue) > 1000
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def _translations(entry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_every_translation_keeps_its_placeholders_and_tags():
    """A lost %(number)s would drop the emergency number from the advice."""
    wrong = []
    for entry in spanish():
        wanted = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        tags = sorted(TAG.findall(entry.msgid))
        for text in _translations(entry):
            found = set(PLACEHOLDER.findall(text))
            # A plural's singular may say "one" in words instead of the count.
            if found != wanted and not (entry.msgid_plural and found < wanted):
                wrong.append((entry.msgid, text))
            if sorted(TAG.findall(text)) != tags and not entry.msgid_plural:
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_a_plural_has_all_three_spanish_forms():
    plurals = [entry for entry in spanish() if entry.msgid_plural]
    assert plurals
    assert [e.msgid for e in plurals if sorted(e.msgstr_plural) != [0, 1, 2]] == []


def test_the_emergency_number_is_never_written_into_a_translation():
    """Numbers come from the clinic's country (%(number)s), never the catalogue."""
    digits = re.compile(r"\b(999|911|112|000|111)\b")
    assert [
        e.msgstr for e in spanish() if digits.search(e.msgstr) and not digits.search(e.msgid)
    ] == []


@pytest.mark.skipif(
    shutil.which("xgettext") is None and os.environ.get("CI") != "true",
    reason="GNU gettext is not installed; scripts/test installs it (required under CI)",
)
def test_the_catalogue_has_every_string_the_code_marks_and_no_other(capsys):
    """A string added to a template or to the code without its translation fails here:
    `manage.py update_catalogue`, then translate it (docs/translation.md)."""
    before = {po: po.read_bytes() for po in catalogues()}
    call_command("update_catalogue", "--check")
    assert "matches the code" in capsys.readouterr().out
    assert {po: po.read_bytes() for po in catalogues()} == before  # put back as it was


def test_the_check_names_a_string_the_catalogue_lacks(settings, tmp_path):
    if shutil.which("xgettext") is None and os.environ.get("CI") != "true":
        pytest.skip("GNU gettext is not installed; scripts/test installs it")
    po_path = next(po for po in catalogues() if "/es/" in str(po))
    original = po_path.read_bytes()
    catalogue = polib.pofile(str(po_path))
    dropped = next(entry for entry in catalogue if entry.msgid == "Sign out")
    catalogue.remove(dropped)
    try:
        catalogue.save()
        with pytest.raises(CommandError, match=r"not in .*'Sign out'"):
            call_command("update_catalogue", "--check")
    finally:
        po_path.write_bytes(original)


def test_the_compiled_catalogue_is_the_catalogue():
    assert all(is_compiled(po) for po in catalogues())
    assert check_translations_compiled(None) == []


def test_start_up_fails_while_the_translations_are_not_compiled(settings, tmp_path):
    source = next(po for po in catalogues() if "/es/" in str(po))
    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(source, folder / "django.po")
    settings.LOCALE_PATHS = [tmp_path]
    [error] = check_translations_compiled(None)
    assert error.id == "stepwise.E003"
    call_command("compile_translations", stdout=io.StringIO())
    assert check_translations_compiled(None) == []
    # A catalogue changed since it was compiled is caught too, whatever the file dates.
    catalogue = polib.pofile(str(folder / "django.po"))
    catalogue[0].msgstr = catalogue[0].msgstr + " (changed)"
    catalogue.save()
    assert [e.id for e in check_translations_compiled(None)] == ["stepwise.E003"]


def test_the_shipped_plans_words_are_the_migrations_exactly():
    """Translated only while they match: a word changed in one place would leave the
    standard plan in English for a Spanish reader."""
    shipped = importlib.import_module("programs.migrations.0002_standard_template")
    assert [guidance for *_stage, guidance in shipped.LADDER] == SHIPPED_GUIDANCE
    with translation.override("es"):
        assert all(translation.gettext(text) != text for text in SHIPPED_GUIDANCE)


def test_the_safety_table_for_sign_off_is_the_catalogues():
    """docs/translation.md shows the clinical reviewer exactly what patients read."""
    document = (Path(settings.BASE_DIR) / "docs" / "translation.md").read_text()
    assert with_tables(document) == document
    assert "llame al %(number)s" in document
    assert "Vaya ahora a la sala de urgencias de un hospital, o llame al %(number)s." in document
