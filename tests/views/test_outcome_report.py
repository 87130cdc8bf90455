"""The clinic's outcomes page and its CSV: who may see it, what it counts, its filters."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from patients.choices import Instrument, Limitation
from patients.models import AuditAction, AuditEvent, StaffMembership, StaffRole
from tests import factories
from tests.outcomes.builders import answer, discharged, score

REPORT = reverse("outcome_report")
CSV = reverse("outcome_report_csv")
pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_client(client, reviewer):
    factories.sign_in(client, reviewer)
    return client


@pytest.fixture
def followed(clinic, clinician, other_clinic, other_clinician):
    """Six patients followed up in the reviewer's clinic (one recurrence, five PSFS pairs,
    four improved), two in another."""
    ours = [
        discharged(clinic, clinician, name, ended_on=datetime.date(2026, 1, 1))
        for name in ("Ann", "Bea", "Cal", "Dee", "Eli", "Fin")
    ]
    answer(ours[0], 1, limitation=Limitation.A_LOT, started_on=datetime.date(2026, 1, 20))
    for patient in ours[1:]:
        answer(patient, 1)
    answer(ours[2], 2)
    for index, patient in enumerate(ours[1:]):
        score(patient, Instrument.PSFS, "2", 90)
        score(patient, Instrument.PSFS, "7" if index else "3", 1)
    theirs = [
        discharged(other_clinic, other_clinician, name, ended_on=datetime.date(2026, 1, 1))
        for name in ("Dot", "Eve")
    ]
    for patient in theirs:
        answer(patient, 1, limitation=Limitation.A_LOT)
    return ours


def test_the_page_counts_only_the_reviewers_clinics(reviewer_client, followed):
    response = reviewer_client.get(REPORT)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.discharged, len(figures.observations), figures.curve.events) == (6, 6, 1)
    assert (19, True) in figures.observations  # 1 to 20 January
    page = response.content.decode()
    assert "6 of 6 discharged patients counted" in page
    assert ">walking 208</text>" in page and ">usual care 112</text>" in page
    assert "WalkBack trial median: walking 208 days, usual care 112 days" in page
    assert "indicative" in page
    assert 'class="survival-line"' in page and "The curve as a table" in page
    # Too few to read into, said plainly; no patient is named.
    assert "too few to read anything into" in page
    assert "Ann" not in page


def test_the_visit_is_recorded_without_naming_anyone(reviewer_client, reviewer, clinic, followed):
    reviewer_client.get(REPORT)
    event = AuditEvent.objects.get(subject="outcome report")
    assert (event.action, event.actor_id, event.clinic_id) == (
        AuditAction.VIEWED,
        reviewer.pk,
        clinic.pk,
    )
    assert event.patient_id is None and not event.patients_shown


@pytest.mark.parametrize("who", ["clinician", "patient", "other_clinician"])
def test_anyone_but_a_reviewer_or_admin_gets_a_404(client, request, who, followed):
    person = request.getfixturevalue(who)
    factories.sign_in(client, getattr(person, "user", person))
    assert client.get(REPORT).status_code == 404
    assert client.get(CSV).status_code == 404


def test_the_clinic_admin_sees_it(client, clinic_admin, followed):
    factories.sign_in(client, clinic_admin)
    assert client.get(REPORT).context["figures"].discharged == 6


def test_another_clinics_id_is_a_form_error_not_its_data(reviewer_client, other_clinic, followed):
    response = reviewer_client.get(REPORT, {"clinic": other_clinic.pk})
    assert response.status_code == 200
    assert "clinic" in response.context["form"].errors
    assert "figures" not in response.context
    # The CSV sends back to the page, which says what is wrong; nothing is exported.
    download = reviewer_client.get(CSV, {"clinic": other_clinic.pk})
    assert download.status_code == 302
    assert not AuditEvent.objects.filter(subject="outcome report CSV").exists()


def test_another_clinics_clinician_is_a_form_error(reviewer_client, other_clinician, followed):
    response = reviewer_client.get(REPORT, {"clinician": other_clinician.pk})
    assert "clinician" in response.context["form"].errors
    assert "figures" not in response.context


def test_another_clinics_reviewer_sees_only_their_own(client, other_clinic, clinic, followed):
    theirs = factories.make_staff("olga", other_clinic, StaffRole.REVIEWER)
    factories.sign_in(client, theirs)
    assert client.get(REPORT).context["figures"].discharged == 2
    assert "clinic" in client.get(REPORT, {"clinic": clinic.pk}).context["form"].errors


def test_filters_by_clinician_and_discharge_dates(reviewer_client, clinic, clinician, followed):
    other = factories.make_staff("cleo", clinic)
    late = discharged(clinic, other, "Fay", ended_on=datetime.date(2026, 3, 1))
    answer(late, 1)
    assert reviewer_client.get(REPORT).context["figures"].discharged == 7
    mine = reviewer_client.get(REPORT, {"clinician": clinician.pk})
    assert mine.context["figures"].discharged == 6
    march = reviewer_client.get(REPORT, {"date_from": "2026-02-01", "date_to": "2026-03-31"})
    assert march.context["figures"].discharged == 1


@pytest.mark.parametrize(
    "dates, message",
    [
        ({"date_from": "2026-13-45"}, "Enter a valid date"),
        ({"date_from": "2026-03-01", "date_to": "2026-02-01"}, "on or after the start date"),
    ],
)
def test_bad_dates_get_a_clear_message(reviewer_client, followed, dates, message):
    response = reviewer_client.get(REPORT, dates)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "There is a problem" in page
    assert "Correct the filters above" in page


def test_no_data_says_so(reviewer_client):
    page = reviewer_client.get(REPORT).content.decode()
    assert "No discharged patients yet." in page
    assert "discharged patients counted" not in page
    assert "Median days free" not in page and "indicative" not in page
    assert "Share improved" not in page and "Walks planned" not in page


def test_dates_with_no_discharges_say_so(reviewer_client, followed):
    page = reviewer_client.get(
        REPORT, {"date_from": "2020-01-01", "date_to": "2020-12-31"}
    ).content.decode()
    assert "No patients were discharged between these dates." in page
    assert "Median days free" not in page and "WalkBack" not in page
    assert "<table" not in page


def test_one_patient_picked_out_by_the_filters_is_not_shown(
    reviewer_client, clinic, clinician, followed
):
    """Narrowed to one clinician with one patient, nothing describes that person."""
    other = factories.make_staff("cleo", clinic)
    alone = discharged(clinic, other, "Gil", ended_on=datetime.date(2026, 3, 1))
    answer(alone, 1, limitation=Limitation.A_LOT, started_on=datetime.date(2026, 3, 9))
    score(alone, Instrument.PSFS, "2", 90)
    score(alone, Instrument.PSFS, "9", 1)
    filters = {"clinician": other.pk}
    page = reviewer_client.get(REPORT, filters).content.decode()
    not_shown = "Fewer than 5 patients: not shown, so that no one can be picked out."
    assert page.count(not_shown) >= 2  # the curve, the improved shares
    assert "Median days free" not in page and "survival-line" not in page
    assert "100%" not in page.split("improved-title")[1]  # PSFS: not 1 of 1 improved
    rows = csv_rows(reviewer_client.get(CSV, filters))
    values = {(row[0], row[1], row[2]): row[3] for row in rows[1:]}
    assert values["recurrence-free curve", "", "not shown"] == not_shown
    assert values["median days free of a recurrence", "", "not shown"] == not_shown
    assert values["improved beyond the MCID", "Function (PSFS)", "not shown"] == not_shown
    assert not any(row[0] == "recurrence-free curve" and row[1] for row in rows)
    assert ("improved beyond the MCID", "Function (PSFS)", "improved") not in values
    adherence = [row for row in rows if row[0] == "adherence"]
    assert len(adherence) == 12 and {row[2] for row in adherence} == {"not shown"}
    # Nor whether that one person answered at all.
    assert not any(row[0] == "discharged patients" for row in rows)


def test_a_clinic_or_clinician_not_theirs_gets_a_plain_message(reviewer_client, followed):
    page = reviewer_client.get(REPORT, {"clinic": 999, "clinician": 999}).content.decode()
    assert "Choose one of your clinics." in page
    assert "Choose one of the clinicians in your clinics." in page
    assert "Select a valid choice" not in page


def test_the_filters_say_how_dates_choose(reviewer_client, followed):
    page = reviewer_client.get(REPORT).content.decode()
    assert "Dates choose patients by the day their plan ended" in page
    assert "Adherence counts the plans" not in page


def test_over_several_clinics_each_clinician_carries_their_clinic(
    client, clinic, other_clinic, clinician, followed
):
    both = factories.make_staff("rita", clinic, StaffRole.REVIEWER)
    StaffMembership.objects.create(user=both, clinic=other_clinic, role=StaffRole.REVIEWER)
    factories.sign_in(client, both)
    page = client.get(REPORT).content.decode()
    name = clinician.get_full_name() or clinician.username
    assert f"{name} ({clinic.name})" in page


def csv_rows(response):
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_reads_without_a_code_book_and_is_recorded(
    reviewer_client, reviewer, clinic, followed
):
    rows = csv_rows(reviewer_client.get(CSV))
    assert rows[0] == ["figure", "day_or_week", "measure", "value", "patients"]
    # First the filters chosen and how to read the figures.
    assert rows[1:5] == [
        ["filter", "", "clinic", "all", ""],
        ["filter", "", "clinician", "all", ""],
        ["filter", "", "discharged from", "all", ""],
        ["filter", "", "discharged up to", "all", ""],
    ]
    notes = [row[3] for row in rows if row[0] == "note"]
    assert notes[0].startswith("Indicative only: the WalkBack trial counted from enrolment")
    assert notes[1] == "Figures on fewer than 5 patients are left out."
    values = {(row[0], row[1], row[2]): row[3:] for row in rows[5:]}
    # The curve: at day 19, 6 followed, 1 recurrence, none censored; S = 5/6.
    curve = "recurrence-free curve"
    assert values[curve, "19", "still followed"] == ["6", "6"]
    assert values[curve, "19", "recurrences that day"] == ["1", "6"]
    assert values[curve, "19", "share free of a recurrence"] == ["0.833", "6"]
    assert values["median days free of a recurrence", "", "days"] == ["not reached", "6"]
    assert values["adherence", "week 1", "share of planned walks done"] == ["0.000", "6"]
    psfs = ("improved beyond the MCID", "Function (PSFS)")
    assert values[(*psfs, "improved")] == ["4", "5"]
    assert values[(*psfs, "no real change")] == ["1", "5"]
    assert values[(*psfs, "share improved")] == ["0.800", "5"]
    event = AuditEvent.objects.get(subject="outcome report CSV")
    assert (event.action, event.clinic_id) == (AuditAction.EXPORTED, clinic.pk)


def test_the_csv_names_the_filters_chosen(reviewer_client, clinic, clinician, followed):
    filters = {"clinic": clinic.pk, "clinician": clinician.pk, "date_from": "2026-01-01"}
    rows = csv_rows(reviewer_client.get(CSV, filters))
    name = clinician.get_full_name() or clinician.username
    assert [row[3] for row in rows[1:5]] == [clinic.name, name, "2026-01-01", "all"]
