"""The flag engine: one flag per rule while unresolved, worse evidence escalates, urgent pauses."""

import datetime

import pytest
from django.utils import timezone

from patients.choices import SEVERITY_RANK, Rule, Severity
from patients.models import AuditEvent, Flag, FlagStatus
from patients.safety.engine import (
    FlagMovedOn,
    flag_acknowledge,
    flag_resolve,
    latest_summary,
    record_findings,
)
from patients.safety.rules import Finding
from patients.services.reports import morning_check_create
from programs.models import PlanStatus
from tests.factories import assign, report_check_in, report_walk


@pytest.fixture
def alerting_patient(clinic, patient):
    clinic.alert_email = "alerts@north.example"
    clinic.save()
    return patient


ELECTRIC_THIGH = {
    "pain_before": 4,
    "pain_after": 6,
    "pain_character": ["aching", "electric_shock"],
    "pain_areas": ["lower_back", "thigh"],
    "pain_side": "left",
}


def test_the_design_story_two_days_of_new_electric_shock_pain_raise_one_review_flag(patient):
    report_walk(patient, **ELECTRIC_THIGH)
    report_walk(patient, **ELECTRIC_THIGH)

    flag = Flag.objects.get(patient=patient)
    assert (flag.rule, flag.severity, flag.status) == (Rule.NEW_NERVE, Severity.REVIEW, "open")
    assert flag.summary == "New nerve-type symptoms in the leg: like an electric shock."
    assert [event.kind for event in flag.events.all()] == ["raised", "evidence"]


def test_pain_after_a_walk_is_advice_only_until_the_next_morning(patient):
    log = report_walk(patient, pain_before=3, pain_after=7)
    assert not Flag.objects.exists()

    morning_check_create(log=log, feeling="bit_worse", pain_now=5)

    flag = Flag.objects.get()
    assert (flag.rule, flag.severity) == (Rule.WALK_PROVOKED, Severity.REVIEW)
    assert flag.events.get().evidence["next_morning"] == 5


def test_pain_settled_by_the_next_morning_raises_nothing(patient):
    log = report_walk(patient, pain_before=3, pain_after=7)

    morning_check_create(log=log, feeling="bit_worse", pain_now=4)

    assert not Flag.objects.exists()


def test_saddle_numbness_raises_an_urgent_flag_and_pauses_the_plan(
    patient, clinician, clinic_template
):
    plan = assign(patient, clinic_template, clinician)

    report_check_in(patient, "saddle")

    flag = Flag.objects.get()
    assert (flag.rule, flag.severity) == (Rule.CAUDA_EQUINA, Severity.URGENT)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PAUSED
    pause = plan.changes.last()
    assert (pause.kind, pause.changed_by, pause.reason) == (
        "pause",
        None,  # by the engine, not by a person
        "Paused automatically: an urgent or same-day flag was raised.",
    )


@pytest.mark.parametrize(
    ("symptom", "severity"), [("saddle", Severity.URGENT), ("fever", Severity.SAME_DAY)]
)
def test_an_alerting_flag_pauses_this_patients_plan_and_no_one_elses(
    patient, other_patient, clinician, clinic_template, symptom, severity
):
    """Every earlier test had one plan: pausing "the first active plan" passed them all."""
    mine = assign(patient, clinic_template, clinician)
    theirs = assign(other_patient, clinic_template, clinician)

    report_check_in(patient, symptom)

    assert Flag.objects.get().severity == severity
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == (PlanStatus.PAUSED, PlanStatus.ACTIVE)


def test_a_flag_is_acknowledged_once_even_when_no_page_state_is_given(patient, clinician):
    report_check_in(patient, "chest")
    flag = flag_acknowledge(flag=Flag.objects.get(), by=clinician)

    with pytest.raises(FlagMovedOn, match="already acknowledged"):
        flag_acknowledge(flag=flag, by=clinician)

    assert flag.events.filter(kind="acknowledged").count() == 1


def test_a_clinician_whose_page_is_out_of_date_is_told_what_the_flag_is_now(patient, clinician):
    report_check_in(patient, "chest")
    flag = Flag.objects.get()
    seen = flag.seen
    flag_acknowledge(flag=flag, by=clinician)

    with pytest.raises(FlagMovedOn) as moved:
        flag_resolve(flag=flag, by=clinician, action="hold", note="", expected_flag=seen)

    assert moved.value.messages == [
        "This flag changed after the page was opened (it is now acknowledged, urgent), so "
        "nothing was changed. Look at it again: there may be news."
    ]


def test_a_flag_resolved_already_says_by_whom_when_that_is_known(patient, clinician):
    report_check_in(patient, "chest")
    flag = flag_resolve(flag=Flag.objects.get(), by=clinician, action="hold", note="Seen")
    name = clinician.get_full_name()

    with pytest.raises(FlagMovedOn) as moved:
        flag_acknowledge(flag=flag, by=clinician)
    assert moved.value.messages == [
        f"This flag was already resolved by {name}, so nothing was changed."
    ]

    Flag.objects.filter(pk=flag.pk).update(resolved_by=None)  # an account since erased
    with pytest.raises(FlagMovedOn) as moved:
        flag_acknowledge(flag=flag, by=clinician)
    assert moved.value.messages == ["This flag was already resolved, so nothing was changed."]


def test_severities_are_ranked_urgent_same_day_review_info():
    order = sorted(Severity, key=SEVERITY_RANK.__getitem__, reverse=True)

    assert order == [Severity.URGENT, Severity.SAME_DAY, Severity.REVIEW, Severity.INFO]


def test_same_day_news_on_a_review_flag_is_an_escalation_that_alerts(
    alerting_patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_findings(
            patient=alerting_patient,
            findings=[Finding(Rule.SYSTEMIC, Severity.REVIEW, "Night pain")],
            source={},
        )
        record_findings(
            patient=alerting_patient,
            findings=[Finding(Rule.SYSTEMIC, Severity.SAME_DAY, "Fever")],
            source={},
        )

    flag = Flag.objects.get()
    assert flag.severity == Severity.SAME_DAY
    assert [event.kind for event in flag.events.all()] == ["raised", "escalated"]
    assert flag.notifications.count() == 2  # the clinician and the alert address


def test_more_same_day_news_on_a_same_day_flag_does_not_alert_again(
    alerting_patient, django_capture_on_commit_callbacks
):
    same_day = [Finding(Rule.SYSTEMIC, Severity.SAME_DAY, "Fever")]
    with django_capture_on_commit_callbacks(execute=True):
        record_findings(patient=alerting_patient, findings=same_day, source={})
        record_findings(patient=alerting_patient, findings=same_day, source={})

    assert Flag.objects.get().notifications.count() == 2  # the first alert only


def test_each_piece_of_evidence_is_kept_in_the_flags_history_and_the_audit_trail(patient):
    """What the flag page and a governance review read: every report, its severity and
    words, in order, and an audit row for each change to the flag."""
    for severity, summary in [
        (Severity.REVIEW, "Night pain"),
        (Severity.REVIEW, "Night pain again"),
        (Severity.SAME_DAY, "Fever"),
    ]:
        record_findings(
            patient=patient, findings=[Finding(Rule.SYSTEMIC, severity, summary)], source={}
        )

    flag = Flag.objects.get()
    assert [(event.kind, event.severity, event.summary) for event in flag.events.all()] == [
        ("raised", Severity.REVIEW, "Night pain"),
        ("evidence", Severity.REVIEW, "Night pain again"),
        ("escalated", Severity.SAME_DAY, "Fever"),
    ]
    trail = AuditEvent.objects.filter(subject="flag", object_id=str(flag.pk)).order_by("pk")
    assert list(trail.values_list("action", "patient_id", "detail")) == [
        ("created", patient.pk, "systemic (review)"),
        ("changed", patient.pk, "new evidence"),
        ("changed", patient.pk, "escalated"),
    ]


def test_a_summary_already_led_by_the_latest_evidence_is_kept():
    assert latest_summary("Fever (and earlier reports)", "Fever") == "Fever (and earlier reports)"
    assert latest_summary("Fever", "Fever") == "Fever"
    assert latest_summary("Night pain", "Fever") == "Fever (and earlier reports)"
    assert len(latest_summary("Night pain", "Fever " * 60)) == 300  # the column's length


def test_evidence_already_acted_on_for_the_same_report_is_kept_quietly(
    alerting_patient, clinician, django_capture_on_commit_callbacks
):
    """A report's second, complete save: the urgent news was told at the first save."""
    urgent = [Finding(Rule.CAUDA_EQUINA, Severity.URGENT, "Saddle numbness")]
    with django_capture_on_commit_callbacks(execute=True):
        record_findings(patient=alerting_patient, findings=urgent, source={})
        flag_acknowledge(flag=Flag.objects.get(), by=clinician)
        touched = record_findings(
            patient=alerting_patient,
            findings=urgent,
            source={},
            quiet_rules={Rule.CAUDA_EQUINA},
        )

    flag = Flag.objects.get()
    assert touched == [flag]
    assert flag.status == FlagStatus.ACKNOWLEDGED  # not reopened by news already told
    assert flag.notifications.count() == 2  # the first alert only
    assert flag.events.filter(kind="evidence").count() == 1


def test_severe_pain_is_a_high_priority_review_flag(patient):
    report_check_in(patient, pain_now=9)

    flag = Flag.objects.get()
    assert (flag.rule, flag.severity, flag.high_priority) == (
        Rule.SEVERE_PAIN,
        Severity.REVIEW,
        True,
    )


def test_worse_evidence_raises_the_severity_of_the_open_flag(patient):
    record_findings(
        patient=patient,
        findings=[Finding(Rule.WEAKNESS_OR_FALL, Severity.SAME_DAY, "Foot drop")],
        source={},
    )
    record_findings(
        patient=patient,
        findings=[Finding(Rule.WEAKNESS_OR_FALL, Severity.URGENT, "Fall, osteoporosis")],
        source={},
    )

    flag = Flag.objects.get()
    # The latest evidence leads the summary, which says there is more behind it.
    assert (flag.severity, flag.summary) == (
        Severity.URGENT,
        "Fall, osteoporosis (and earlier reports)",
    )
    assert [event.kind for event in flag.events.all()] == ["raised", "escalated"]


def test_new_urgent_evidence_reopens_an_acknowledged_flag(patient, clinician):
    report_check_in(patient, "chest")
    flag_acknowledge(flag=Flag.objects.get(), by=clinician)

    report_check_in(patient, "chest")

    flag = Flag.objects.get()
    assert flag.status == FlagStatus.OPEN
    assert flag.acknowledged_by == clinician


def test_milder_evidence_leaves_an_acknowledged_flag_acknowledged(patient, clinician):
    report_walk(patient, **ELECTRIC_THIGH)
    flag_acknowledge(flag=Flag.objects.get(), by=clinician)

    report_walk(patient, **ELECTRIC_THIGH)

    assert Flag.objects.get().status == FlagStatus.ACKNOWLEDGED


def test_after_a_flag_is_resolved_new_evidence_raises_a_new_one(patient, clinician):
    report_walk(patient, **ELECTRIC_THIGH)
    flag_resolve(flag=Flag.objects.get(), by=clinician, action="hold", note="Reviewed by phone")

    report_walk(patient, **ELECTRIC_THIGH)

    assert Flag.objects.filter(patient=patient).count() == 2
    assert Flag.objects.filter(status="open").count() == 1


def test_resolving_records_who_when_why_and_counts_as_acknowledged(patient, clinician):
    report_walk(patient, **ELECTRIC_THIGH)

    flag = flag_resolve(flag=Flag.objects.get(), by=clinician, action="hold", note="Called her")

    assert (flag.resolved_by, flag.resolution_action, flag.resolution_note) == (
        clinician,
        "hold",
        "Called her",
    )
    assert flag.acknowledged_at == flag.resolved_at
    assert [event.kind for event in flag.events.all()] == ["raised", "resolved"]


def test_known_symptoms_never_raise_a_flag(clinic, clinician):
    from tests.factories import make_patient

    known = make_patient(
        clinic, clinician, "Known", leg_symptoms="left", known_nerve_symptoms=["electric_shock"]
    )

    report_walk(known, **ELECTRIC_THIGH)

    assert not Flag.objects.exists()


@pytest.mark.parametrize("history", [0, 40])
def test_saving_a_walk_costs_the_same_queries_whatever_the_history(
    patient, history, django_assert_num_queries
):
    from patients.models import WalkLog

    WalkLog.objects.bulk_create(
        WalkLog(
            patient=patient,
            walked_on=timezone.localdate(),
            minutes=5,
            terrain="flat",
            pain_before=3,
            pain_after=3,
        )
        for _ in range(history)
    )
    patient = type(patient).objects.select_related("clinic", "user").get(pk=patient.pk)

    # Savepoints (3), the repeat-submission checks (walk, and symptoms already acted on from
    # the same form), the current plan, the insert, its revision, the look-back (recent
    # walks, check-ins, next-morning checks), the patient's lock for flagging, one look-up
    # of unresolved flags, the new flag and its event, and an audit row each for the walk
    # and the flag; then the patient's summary worked out again (the patient's lock, the
    # current plan, its stages, the stage's walks, the newest walks' pain, open flags) and
    # saved.
    with django_assert_num_queries(24):
        report_walk(patient, **ELECTRIC_THIGH)


def test_pain_up_two_days_running_raises_a_flare_flag(patient):
    today = patient.clinic.today()
    report_walk(patient, walked_on=today - datetime.timedelta(days=1), pain_after=6)

    report_walk(patient, walked_on=today, pain_after=6)

    flag = Flag.objects.get(rule=Rule.FLARE)
    assert flag.severity == Severity.REVIEW
    evidence = flag.events.get().evidence
    assert evidence["median_14_days"] == 6
    assert evidence["other_day"] == (today - datetime.timedelta(days=1)).isoformat()


def test_two_bad_days_logged_in_one_sitting_are_two_bad_days(patient):
    """Logged together, today's walk first and yesterday's after it: still a flare."""
    today = patient.clinic.today()
    report_walk(patient, walked_on=today, pain_after=6)

    report_walk(patient, walked_on=today - datetime.timedelta(days=1), pain_after=6)

    assert Flag.objects.filter(rule=Rule.FLARE).count() == 1


def test_two_bad_walks_on_the_same_day_are_one_bad_day(patient):
    today = patient.clinic.today()
    report_walk(patient, walked_on=today, pain_after=7)

    report_walk(patient, walked_on=today, pain_after=7)

    assert not Flag.objects.filter(rule=Rule.FLARE).exists()


def test_one_high_reading_is_not_a_flare(patient):
    report_walk(patient, pain_before=3, pain_after=6)

    assert not Flag.objects.filter(rule=Rule.FLARE).exists()
