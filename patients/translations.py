"""Where the translation catalogues are, and whether each is compiled (docs/translation.md)."""

from pathlib import Path

import polib
from django.conf import settings


def catalogues() -> list[Path]:
    return sorted(
        po for folder in settings.LOCALE_PATHS for po in Path(folder).glob("*/LC_MESSAGES/*.po")
    )


def compiled(po_path: Path) -> bytes:
    """The .mo file's bytes for this catalogue (fuzzy and empty entries left out)."""
    return polib.pofile(str(po_path)).to_binary()


def is_compiled(po_path: Path) -> bool:
    """Whether the .mo beside it holds exactly this catalogue: compared by content, not
    by date, which a copy or an install does not keep."""
    mo_path = po_path.with_suffix(".mo")
    return mo_path.exists() and mo_path.read_bytes() == compiled(po_path)


def entry_keys(po_path: Path) -> set[tuple[str, str, str]]:
    """Each string the catalogue holds: (context, singular, plural)."""
    return {
        (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")
        for entry in polib.pofile(str(po_path))
        if not entry.obsolete
    }


# Where the words a patient's safety depends on are: the questions about serious symptoms
# and pain, the advice and emergency instructions, and their offline copies. Every string
# used in one of these is in docs/translation.md's table, for a clinician to sign off.
SAFETY_SOURCES = (
    "patients/safety/advice.py",
    "patients/choices.py",
    "patients/forms/reports.py",
    "patients/forms/follow_ups.py",
    "templates/patients/check_in_form.html",
    "templates/patients/walk_form.html",
    "templates/patients/morning_check.html",
    "templates/patients/includes/advice.html",
    "templates/patients/includes/follow_up_safety.html",
    "templates/includes/offline_words.html",
    "templates/emails/follow_up.txt",
    "templates/offline.html",
    "templates/patients/check_in_detail.html",
    "templates/patients/includes/serious_questions.html",
    "templates/patients/includes/not_watched.html",
    "patients/models/reports.py",
)
TABLE_START = "<!-- safety strings: manage.py safety_translations --write -->"
TABLE_END = "<!-- end of safety strings -->"


def safety_entries(po_path: Path) -> list[polib.POEntry]:
    return [
        entry
        for entry in polib.pofile(str(po_path))
        if any(source in SAFETY_SOURCES for source, _line in entry.occurrences)
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def safety_table(po_path: Path) -> str:
    """The safety strings with their translation, as a Markdown table."""
    rows = ["| English | Translation | Used in |", "|---|---|---|"]
    for entry in safety_entries(po_path):
        english = entry.msgid + (f" / {entry.msgid_plural}" if entry.msgid_plural else "")
        if entry.msgid_plural:
            translated = " / ".join(dict.fromkeys(entry.msgstr_plural.values()))
        else:
            translated = entry.msgstr
        used_in = ", ".join(
            sorted({source.rsplit("/", 1)[-1] for source, _line in entry.occurrences})
        )
        rows.append(f"| {_cell(english)} | {_cell(translated)} | {used_in} |")
    return "\n".join(rows)
