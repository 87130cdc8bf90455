"""Every CSV the app writes opens safely in a spreadsheet: no cell is read as a formula."""

import csv
import io

import pytest
from django.urls import reverse

from patients.models import AuditAction, Clinic
from patients.security import audit
from patients.spreadsheets import csv_lines, safe_cell
from tests import factories
from tests.factories import report_check_in


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_that_could_be_a_formula_is_kept_as_text(start):
    assert safe_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"


@pytest.mark.parametrize("value", ["Riverside", "", 12.5, -3, None])
def test_other_cells_are_written_as_they_are(value):
    assert safe_cell(value) == value


def read(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_flag_report_csv_escapes_a_clinic_named_like_a_formula(client, patient, reviewer):
    Clinic.objects.filter(pk=patient.clinic_id).update(name='=HYPERLINK("http://x","y")')
    report_check_in(patient, "fever")
    factories.sign_in(client, reviewer)

    rows = read(client.get(reverse("flag_report_csv")))

    assert rows[1][1] == """'=HYPERLINK("http://x","y")"""


def test_the_audit_csv_escapes_text_that_reads_as_a_formula(client, clinic_admin, clinic, reviewer):
    # Exports now record only the report's own, checked filters; an event written before
    # that (or by anything else) can still hold text someone typed.
    event = audit.record(
        by=reviewer,
        action=AuditAction.EXPORTED,
        subject="flag report CSV",
        detail="+cmd=x",
        clinic=clinic,
    )
    factories.sign_in(client, clinic_admin)
    changelist = reverse("admin:patients_auditevent_changelist")

    rows = read(client.post(changelist, {"action": "export_csv", "_selected_action": [event.pk]}))

    assert event.detail.startswith("+")
    assert any(cell == "'" + event.detail for cell in rows[1])


def test_csv_lines_streams_a_header_and_rows():
    assert list(csv_lines(["a", "b"], [["=1", 2]])) == ["a,b\r\n", "'=1,2\r\n"]
