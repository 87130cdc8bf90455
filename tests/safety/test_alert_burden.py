"""The alert-burden command replays the rules over stored reports and counts the flags."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from patients.models import Flag
from tests.factories import assign, report_check_in, report_walk


def burden(*args) -> str:
    out = io.StringIO()
    call_command("alert_burden", *args, stdout=out)
    return out.getvalue()


def line(output: str, label: str) -> list[str]:
    [found] = [row for row in output.splitlines() if row.startswith(label)]
    return found.split()


def test_it_counts_what_the_app_raised_and_writes_nothing(patient, clinician, clinic_template):
    assign(patient, clinic_template, clinician, days_ago=10)
    today = patient.clinic.today()
    patient.enrolled_on = today - datetime.timedelta(weeks=4)
    patient.save(update_fields=["enrolled_on"])
    report_walk(patient, walked_on=today - datetime.timedelta(days=2), pain_after=6)
    report_walk(patient, walked_on=today - datetime.timedelta(days=1), pain_after=6)
    report_check_in(patient, "fever")
    flags_before = Flag.objects.count()

    output = burden()

    assert Flag.objects.count() == flags_before
    assert "over 1 patients, 4 patient-weeks" in output
    assert line(output, "Flare not settling")[-2:] == ["1", "25.00"]  # 1 in 4 weeks
    assert line(output, "Systemic symptoms")[-2:] == ["1", "25.00"]


def test_a_threshold_can_be_tried_without_changing_the_clinic(patient, clinician):
    today = patient.clinic.today()
    report_walk(patient, walked_on=today - datetime.timedelta(days=2), pain_after=6)
    report_walk(patient, walked_on=today - datetime.timedelta(days=1), pain_after=6)

    stricter = burden("--set", "flare_rise=4")

    assert "Flare not settling" not in stricter
    assert "trying flare_rise=4" in stricter
    patient.clinic.refresh_from_db()
    assert patient.clinic.flare_rise == 2


def test_an_unknown_threshold_is_refused():
    with pytest.raises(CommandError, match="NAME=NUMBER"):
        call_command("alert_burden", "--set", "bravery=11")


@pytest.mark.parametrize(
    "args",
    [
        ["--resolve-after-days", "nan"],
        ["--resolve-after-days", "inf"],
        ["--resolve-after-days", "-1"],
        ["--set", "flare_rise=²"],
        ["--set", "flare_rise=0"],
        ["--set", "no_activity_days=0"],
        ["--set", "severe_pain=11"],
    ],
)
def test_nonsense_settings_are_refused_with_a_message(args):
    with pytest.raises((CommandError, SystemExit)):
        call_command("alert_burden", *args, stderr=io.StringIO())
