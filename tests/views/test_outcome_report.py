"""The clinic's outcomes page and its CSV: who may see it, what it counts, its filters."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from patients.choices import Instrument, Limitation
from patients.models import AuditAction, AuditEvent, StaffRole
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
    """Three patients followed up in the reviewer's clinic (one recurrence), two in another."""
    ours = [
        discharged(clinic, clinician, name, ended_on=datetime.date(2026, 1, 1))
        for name in ("Ann", "Bea", "Cal")
    ]
    answer(ours[0], 1, limitation=Limitation.A_LOT, started_on=datetime.date(2026, 1, 20))
    answer(ours[1], 1)
    answer(ours[2], 1)
    answer(ours[2], 2)
    score(ours[1], Instrument.PSFS, "2", 90)
    score(ours[1], Instrument.PSFS, "7", 1)
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
    assert (figures.discharged, len(figures.observations), figures.curve.events) == (3, 3, 1)
    assert (19, True) in figures.observations  # 1 to 20 January
    page = response.content.decode()
    assert "3 of 3 discharged patients counted" in page
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
    assert client.get(REPORT).context["figures"].discharged == 3


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
    assert reviewer_client.get(REPORT).context["figures"].discharged == 4
    mine = reviewer_client.get(REPORT, {"clinician": clinician.pk})
    assert mine.context["figures"].discharged == 3
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
    assert "0 of 0 discharged patients counted" in page
    assert "No follow-up answers yet." in page
    assert "Not reached" in page


def test_the_csv_streams_the_figures_and_is_recorded(reviewer_client, reviewer, clinic, followed):
    response = reviewer_client.get(CSV)
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["figure", "day_or_week", "n"]
    by_figure = {}
    for row in rows[1:]:
        by_figure.setdefault(row[0], []).append(row)
    # The curve: at day 19, 3 followed, 1 recurrence, none censored; S = 2/3.
    first = by_figure["survival"][0]
    assert first[1:6] == ["19", "3", "1", "0", "0.667"]
    assert by_figure["median_recurrence_free_days"][0][2:6] == ["3", "1", "", "not reached"]
    assert len(by_figure["adherence"]) == 12
    assert by_figure["psfs_improved"][0][2:6] == ["1", "1", "1", "1.000"]
    event = AuditEvent.objects.get(subject="outcome report CSV")
    assert (event.action, event.clinic_id) == (AuditAction.EXPORTED, clinic.pk)
