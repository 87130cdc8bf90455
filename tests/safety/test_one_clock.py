"""One clock per clinic: "today" and "this week" are the clinic's, on every page.

Frozen at day and week boundaries for clinics far from UTC (Auckland, Honolulu) and across
daylight-saving changes.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from patients.choices import Rule
from patients.models import Clinic, Flag, Notification
from patients.safety.notifications import deliver_notification
from tests import factories
from tests.factories import assign, make_patient, report_check_in, report_walk

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def auckland(db):
    return Clinic.objects.create(name="Harbour Clinic", country="NZ", timezone="Pacific/Auckland")


@pytest.fixture
def honolulu(db):
    return Clinic.objects.create(name="Island Clinic", country="US", timezone="Pacific/Honolulu")


def clinic_patient(clinic):
    clinician = factories.make_staff(f"doc-{clinic.pk}", clinic)
    patient = make_patient(clinic, clinician, f"Walker{clinic.pk}")
    template = factories.make_template(f"Ladder {clinic.pk}", clinic)
    return patient, clinician, template


@pytest.mark.parametrize(
    ("moment", "clinic_day"),
    [
        # Sunday 29 November, noon in London, is already Monday 30 in Auckland (UTC+13).
        ("2026-11-29T12:00:00", datetime.date(2026, 11, 30)),
        # Monday 30 November, 08:00 UTC, is still Sunday 29 in Honolulu (UTC-10).
        ("2026-11-30T08:00:00", datetime.date(2026, 11, 29)),
    ],
)
def test_the_clinics_today_is_its_own(auckland, honolulu, moment, clinic_day):
    clinic = auckland if clinic_day.day == 30 else honolulu
    with time_machine.travel(at(moment), tick=False):
        assert clinic.today() == clinic_day


def test_a_patient_in_auckland_sees_the_same_this_week_as_their_clinician(client, auckland):
    patient, clinician, template = clinic_patient(auckland)
    # Monday morning in Auckland, still Sunday in UTC.
    with time_machine.travel(at("2026-11-29T20:00:00"), tick=False):
        assign(patient, template, clinician)
        report_walk(patient, walked_on=auckland.today(), minutes=10)

        factories.sign_in(client, patient.user)
        week = client.get(reverse("patient_week")).context["progress"]
        factories.sign_in(client, clinician)
        row = client.get(reverse("staff_home")).context["rows"][0]

    assert week.walks == 1
    assert (row["week_walks"], row["week_minutes"]) == (1, 10)


def test_a_patient_in_honolulu_on_sunday_night_still_counts_sundays_walk(client, honolulu):
    patient, clinician, template = clinic_patient(honolulu)
    # 22:00 Sunday in Honolulu is Monday 08:00 UTC: a new week in London, not in Honolulu.
    with time_machine.travel(at("2026-11-30T08:00:00"), tick=False):
        assign(patient, template, clinician, days_ago=6)
        report_walk(patient, walked_on=honolulu.today(), minutes=12)
        factories.sign_in(client, clinician)
        row = client.get(reverse("staff_home")).context["rows"][0]

    assert row["week_walks"] == 1


def test_a_check_in_is_about_the_clinics_day_it_was_made(auckland):
    patient, _clinician, _template = clinic_patient(auckland)

    with time_machine.travel(at("2026-11-29T12:30:00"), tick=False):
        check_in = report_check_in(patient, pain_now=3)

    assert check_in.reported_on == datetime.date(2026, 11, 30)


def test_two_check_ins_an_hour_apart_on_two_clinic_days_are_two_days(honolulu):
    """23:30 and 00:30 in Honolulu: two days there, though the same UTC day."""
    patient, _clinician, _template = clinic_patient(honolulu)

    with time_machine.travel(at("2026-11-30T09:30:00"), tick=False):
        report_check_in(patient, pain_now=7)
    with time_machine.travel(at("2026-11-30T10:30:00"), tick=False):
        report_check_in(patient, pain_now=7)

    flags = Flag.objects.filter(patient=patient).values_list("rule", flat=True)
    assert Rule.FLARE in flags


def test_two_check_ins_on_one_clinic_day_are_one_day(auckland):
    """Two bad readings on the same Auckland day (different UTC days) are one bad day."""
    patient, _clinician, _template = clinic_patient(auckland)

    with time_machine.travel(at("2026-11-29T10:30:00"), tick=False):  # 23:30 Sunday there
        report_check_in(patient, pain_now=6)
    with time_machine.travel(at("2026-11-29T10:50:00"), tick=False):
        report_check_in(patient, pain_now=6)

    assert not Flag.objects.filter(patient=patient, rule=Rule.FLARE).exists()


@pytest.mark.parametrize(
    ("zone", "moment", "clinic_day"),
    [
        # London springs forward at 01:00 UTC on 29 March 2026.
        ("Europe/London", "2026-03-29T00:30:00", datetime.date(2026, 3, 29)),
        ("Europe/London", "2026-03-28T23:30:00", datetime.date(2026, 3, 28)),
        # Auckland falls back at 14:00 UTC on 4 April 2026 (03:00 NZDT becomes 02:00 NZST).
        ("Pacific/Auckland", "2026-04-04T10:30:00", datetime.date(2026, 4, 4)),
        ("Pacific/Auckland", "2026-04-04T11:30:00", datetime.date(2026, 4, 5)),
        ("Pacific/Auckland", "2026-04-04T12:30:00", datetime.date(2026, 4, 5)),
    ],
)
def test_the_clinics_day_is_right_across_a_daylight_saving_change(zone, moment, clinic_day):
    clinic = Clinic(name="Anywhere", timezone=zone)

    with time_machine.travel(at(moment), tick=False):
        assert clinic.today() == clinic_day


def test_the_plan_admin_describes_the_week_on_the_clinics_day(client, auckland):
    patient, clinician, template = clinic_patient(auckland)
    with time_machine.travel(at("2026-11-29T20:00:00"), tick=False):
        plan = assign(patient, template, clinician, days_ago=7)  # a week ago, Auckland time
        factories.sign_in(client, clinician)
        page = client.get(reverse("admin:programs_planassignment_changelist"))

    assert plan.describe_current(datetime.date(2026, 11, 30)) in page.content.decode()
    assert "week 2 of 2" in page.content.decode()


def test_the_report_filters_by_the_clinics_own_days(client, auckland):
    patient, _clinician, _template = clinic_patient(auckland)
    reviewer = factories.make_staff("rev-nz", auckland, "reviewer")
    # 00:30 on Monday 30 November in Auckland: 29 November in UTC.
    with time_machine.travel(at("2026-11-29T11:30:00"), tick=False):
        report_check_in(patient, "fever")
    factories.sign_in(client, reviewer)

    on_the_30th = client.get(
        reverse("flag_report"), {"date_from": "2026-11-30", "date_to": "2026-11-30"}
    )
    on_the_29th = client.get(
        reverse("flag_report"), {"date_from": "2026-11-29", "date_to": "2026-11-29"}
    )

    assert on_the_30th.context["total"] == 1
    assert on_the_29th.context["total"] == 0


def test_the_alert_email_gives_the_time_in_the_clinics_zone(auckland):
    patient, _clinician, _template = clinic_patient(auckland)
    with time_machine.travel(at("2026-11-29T11:30:00"), tick=False):
        report_check_in(patient, "bladder")

    deliver_notification.call(Notification.objects.first().pk)

    body = mail.outbox[0].body
    assert "30 Nov 2026 00:30 NZDT" in body


def test_the_admin_shows_times_in_the_clinics_zone(client, auckland):
    patient, clinician, _template = clinic_patient(auckland)
    with time_machine.travel(at("2026-11-29T11:30:00"), tick=False):  # 00:30 on the 30th there
        check_in = report_check_in(patient, pain_now=3)
    factories.sign_in(client, clinician)

    page = client.get(reverse("admin:patients_symptomcheckin_change", args=[check_in.pk]))

    page = page.content.decode()
    assert "30 Nov 2026, 12:30 a.m." in page
    assert "checked in on 2026-11-30" in page


@pytest.mark.parametrize("url", ["flag_report", "flag_report_csv"])
def test_the_first_day_there_is_is_a_fine_filter_east_of_utc(client, auckland, url):
    """1 January of year 1 begins before the earliest time Python can hold in UTC."""
    reviewer = factories.make_staff("rev-first", auckland, "reviewer")
    factories.sign_in(client, reviewer)

    response = client.get(reverse(url), {"date_from": "0001-01-01"})

    assert response.status_code == 200
    if url == "flag_report_csv":
        assert b"".join(response.streaming_content).startswith("\ufeffRaised,Clinic".encode())
