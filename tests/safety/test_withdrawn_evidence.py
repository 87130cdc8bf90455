"""A walk deleted or corrected after it raised a flag: the flag stays, marked for the clinician."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.choices import Rule
from patients.models import EvidenceChange, Flag, FlagEventKind
from patients.services.reports import walk_log_correct, walk_log_delete
from tests import factories
from tests.factories import report_walk

ELECTRIC_THIGH = {
    "pain_after": 5,
    "pain_character": ["electric_shock"],
    "pain_areas": ["thigh"],
    "pain_side": "left",
}


def test_deleting_a_walk_marks_its_flags_as_evidence_withdrawn(patient):
    walk = report_walk(patient, **ELECTRIC_THIGH)

    walk_log_delete(log=walk, by=patient.user, now=timezone.now())

    flag = Flag.objects.get(rule=Rule.NEW_NERVE)
    assert flag.evidence_change == EvidenceChange.WITHDRAWN
    assert flag.status == "open"  # never deleted, never closed by the patient
    withdrawn = flag.events.last()
    # The flag's history says who did what to which report, at the flag's severity.
    assert (withdrawn.kind, withdrawn.by, withdrawn.severity, withdrawn.evidence) == (
        FlagEventKind.WITHDRAWN,
        patient.user,
        flag.severity,
        {"source_id": str(walk.pk)},
    )
    assert withdrawn.summary == f"The patient deleted the walk of {walk.walked_on.isoformat()}."


def test_correcting_a_walk_marks_its_flags_as_evidence_corrected(patient):
    walk = report_walk(patient, **ELECTRIC_THIGH)

    walk_log_correct(log=walk, by=patient.user, now=timezone.now(), pain_character=["aching"])

    flag = Flag.objects.get(rule=Rule.NEW_NERVE)
    assert flag.evidence_change == EvidenceChange.CORRECTED
    assert [event.kind for event in flag.events.all()] == [
        FlagEventKind.RAISED,
        FlagEventKind.CORRECTED,
    ]


def test_the_other_day_of_a_flare_counts_as_its_evidence_too(patient):
    today = patient.clinic.today()
    yesterday = report_walk(patient, walked_on=today - datetime.timedelta(days=1), pain_after=6)
    report_walk(patient, walked_on=today, pain_after=6)

    walk_log_delete(log=yesterday, by=patient.user, now=timezone.now())

    assert Flag.objects.get(rule=Rule.FLARE).evidence_change == EvidenceChange.WITHDRAWN


def test_flags_fed_by_other_walks_are_left_alone(patient):
    report_walk(patient, **ELECTRIC_THIGH)
    unrelated = report_walk(patient)

    walk_log_delete(log=unrelated, by=patient.user, now=timezone.now())

    assert Flag.objects.get().evidence_change == ""


@pytest.mark.parametrize("page", ["staff_home", "patient_record"])
def test_the_clinician_sees_that_the_evidence_was_withdrawn(client, clinician, patient, page):
    walk = report_walk(patient, **ELECTRIC_THIGH)
    walk_log_delete(log=walk, by=patient.user, now=timezone.now())
    factories.sign_in(client, clinician)

    url = reverse(page, args=[patient.pk]) if page == "patient_record" else reverse(page)

    assert "Evidence withdrawn: the patient deleted a walk" in client.get(url).content.decode()


def test_a_flag_with_other_evidence_standing_is_not_marked_withdrawn(patient):
    """An urgent check-in raised it, a walk added to it; deleting the walk leaves the check-in."""
    factories.report_check_in(patient, "both_legs_numb")
    walk = report_walk(patient, pain_areas=["thigh"], pain_side="both")

    walk_log_delete(log=walk, by=patient.user, now=timezone.now())

    flag = Flag.objects.get(rule=Rule.BOTH_LEGS)
    assert flag.evidence_change == ""
    assert flag.events.filter(kind=FlagEventKind.WITHDRAWN).count() == 1  # still in its history


def test_deleting_every_walk_behind_a_flag_marks_it_withdrawn_only_after_the_last(patient):
    """The first deletion leaves the second walk standing; the second leaves nothing, so
    the first one's earlier withdrawal must still count (a mutation test found no test
    of this)."""
    first = report_walk(patient, **ELECTRIC_THIGH)
    second = report_walk(patient, **ELECTRIC_THIGH)
    flag = Flag.objects.get(rule=Rule.NEW_NERVE)

    walk_log_delete(log=first, by=patient.user, now=timezone.now())
    flag.refresh_from_db()
    after_first = flag.evidence_change
    walk_log_delete(log=second, by=patient.user, now=timezone.now())
    flag.refresh_from_db()

    assert (after_first, flag.evidence_change) == ("", EvidenceChange.WITHDRAWN)
    assert flag.events.filter(kind=FlagEventKind.WITHDRAWN).count() == 2


def test_new_evidence_clears_the_mark(patient):
    walk = report_walk(patient, **ELECTRIC_THIGH)
    walk_log_delete(log=walk, by=patient.user, now=timezone.now())

    report_walk(patient, **ELECTRIC_THIGH)

    assert Flag.objects.get(rule=Rule.NEW_NERVE).evidence_change == ""
