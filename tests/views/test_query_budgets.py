"""Every page costs a fixed number of queries, whatever the size of the data behind it.

Each page is visited twice: in a small clinic, and in a large one with more patients and
months of walks, check-ins, next-morning answers, flags, alerts and plan changes, for the
patient being looked at and for everyone else. Both visits must cost the number pinned in
BUDGETS. A page whose count grows with the data runs a query per row: an N+1.
"""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.choices import Rule, SeriousSymptom, Severity
from patients.models import (
    DeliveryState,
    Flag,
    FlagEvent,
    FlagEventKind,
    MorningCheck,
    Notification,
    NotificationKind,
    Patient,
    StaffRole,
    SymptomCheckIn,
    WalkLog,
)
from patients.summaries import summaries_rebuild
from programs.models import PlanAssignment, StageChange, StageChangeKind
from tests.factories import (
    assign,
    make_patient,
    make_staff,
    report_check_in,
    report_walk,
    seen_flag,
    seen_plan_of,
    sign_in,
)

# Queries per page, the same in the small and the large clinic: a change is a one-line diff.
# Every request pays two: the session and the user. Saving the session (a savepoint, an
# update, a release) is paid only when it changed, as when a save leaves a message, or
# to renew the idle timeout, at most once a minute. Staff pages load the second-factor device
# and write audit rows (one insert for however many patients a page shows); patient pages
# load the patient once, with their clinic and summary. Saves also pay
# for the red-flag rules' bounded look-back and Django's validation of check constraints,
# and every change works the patient's summary out again (patients/summaries.py: the
# patient's lock, the plan and its stages, the stage's walks, the newest walks' pain, open
# flags, the upsert), which is what lets the dashboard, the record and the week read one
# row instead.
BUDGETS = {
    # With the outcome questionnaire due, if any (the plan is already read: one query).
    "patient week": 9,
    "walk form": 3,
    "walk detail": 10,
    "check-in form": 3,
    "check-in detail": 10,
    "morning check form": 5,
    # With the outcome questionnaires' scores, in one query.
    "history": 9,
    # The plan, the questionnaires answered on it, the activities named at the start.
    "outcome questionnaire": 6,
    "reminder settings": 4,
    # Both with whether the worker and the scheduled jobs run: their heartbeats, and the
    # alert emails waiting too long (a count and the oldest, in one query).
    "dashboard": 13,
    "dashboard (clinic admin)": 13,
    # With the reminder settings and the last reminder sent, in one query; and the
    # follow-up questions asked after a discharge, in one.
    "patient record": 15,
    "flag resolve form": 10,
    # The report reads its flags once as plain rows, and the plans in scope, the safety
    # events it lists and the staff's names once each, however many there are; then the
    # flags behind the figures: a count, a page of 25, the audit row of the patients shown.
    "flag report": 13,
    "flag report csv": 7,
    "rules csv": 7,
    # The outcomes page reads its figures in six queries (patients/outcomes/figures.py),
    # with the filters' choices and one audit insert; the CSV the same six, no choices.
    "outcome report": 13,
    "outcome report csv": 11,
    "flag page": 9,
    "walk save": 27,
    "check-in save": 13,
    # The form's key looked up first, what is due, then the patient's lock, the two checks
    # that it is not saved already, the row (in a savepoint), its scores, the audit row.
    "outcome save": 20,
    "morning check save": 28,
    "plan change": 34,
    "flag acknowledge": 14,
    "flag resolve": 26,
    "flag review mark": 13,
}

OTHER_PATIENTS = 25  # in the large clinic, besides the one being looked at
HISTORY_DAYS = 120  # months of history behind the patient being looked at


@dataclass
class World:
    patient: Patient  # the patient whose pages are visited
    plan: PlanAssignment
    today_walk: WalkLog
    yesterday_walk: WalkLog  # still waiting for its next-morning answer
    check_in: SymptomCheckIn
    flag: Flag  # open, for the dashboard's actions
    people: dict


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


def open_flag(patient: Patient, rule: str, severity: str = Severity.REVIEW) -> Flag:
    flag = Flag.objects.create(
        patient=patient,
        rule=rule,
        severity=severity,
        summary="Pain higher than usual",
        last_evidence_at=timezone.now(),
    )
    FlagEvent.objects.create(flag=flag, kind=FlagEventKind.RAISED, severity=severity)
    return flag


class History:
    """Rows for months of history, saved with a few bulk inserts, each dated when it happened.

    bulk_create stamps auto_now_add fields with now, so the real dates are written back
    afterwards: one UPDATE per distinct moment, shared by every patient's rows.
    """

    def __init__(self) -> None:
        self.rows: dict[type, list] = defaultdict(list)
        self.dates: dict[tuple[type, str, datetime.datetime], list] = defaultdict(list)

    def add(self, row, stamp: str | None = None, when: datetime.datetime | None = None):
        self.rows[type(row)].append(row)
        if stamp:
            self.dates[type(row), stamp, when].append(row)
        return row

    def save(self) -> None:
        for model, rows in self.rows.items():  # in the order added: parents first
            model.objects.bulk_create(rows, batch_size=500)
        for (model, stamp, when), rows in self.dates.items():
            model.objects.filter(pk__in=[row.pk for row in rows]).update(**{stamp: when})


def grow_history(history: History, patient: Patient, plan, clinician, days: int) -> None:
    """Months of ordinary walks and check-ins, and flags raised and resolved along the way.

    Every value is within the patient's usual range, so nothing here sets off a rule when
    the next report is saved. It starts two days back: today's and yesterday's walks are
    the test's own, and nothing is dated in the future.
    """
    today = patient.clinic.today()
    walk_days = [today - datetime.timedelta(days=back) for back in range(2, days)]
    for index, day in enumerate(walk_days):
        walk = history.add(
            WalkLog(
                patient=patient,
                assignment=plan,
                stage_position=1 if plan else None,
                walked_on=day,
                minutes=10 + day.day % 10,
                terrain="flat" if day.day % 3 else "mixed",
                pain_before=3,
                pain_after=2 + day.day % 2,
                pain_character=["aching"],
                pain_areas=["lower_back"],
                effort="easy",
                note="Around the park" if day.day % 4 == 0 else "",
            ),
            "created_at",
            at(day),
        )
        if index % 2:
            morning = at(day + datetime.timedelta(days=1), 8)
            history.add(
                MorningCheck(walk_log=walk, feeling="usual", pain_now=3), "created_at", morning
            )
        if index % 3 == 0:
            history.add(
                SymptomCheckIn(
                    patient=patient, reported_on=day, pain_now=3, pain_areas=["lower_back"]
                ),
                "created_at",
                at(day, 19),
            )
        if index % 6 == 0:
            add_resolved_flag(history, patient, clinician, day)
        if plan and index % 14 == 0:
            history.add(
                StageChange(
                    assignment=plan,
                    kind=StageChangeKind.HOLD,
                    from_position=1,
                    to_position=1,
                    reason="Repeating the stage after a busy week.",
                    changed_by=clinician,
                ),
                "changed_at",
                at(day, 9),
            )


def add_resolved_flag(history: History, patient: Patient, clinician, day: datetime.date) -> None:
    flag = history.add(
        Flag(
            patient=patient,
            rule=Rule.SEVERE_PAIN,
            severity=Severity.SAME_DAY,
            status="resolved",
            summary="Pain much higher than usual",
            last_evidence_at=at(day, 11),
            acknowledged_at=at(day, 12),
            acknowledged_by=clinician,
            resolved_at=at(day, 13),
            resolved_by=clinician,
            resolution_action="continue",
            resolution_note="Settled by the next day.",
        ),
        "opened_at",
        at(day, 11),
    )
    for kind in (FlagEventKind.RAISED, FlagEventKind.ACKNOWLEDGED, FlagEventKind.RESOLVED):
        history.add(FlagEvent(flag=flag, kind=kind, severity=flag.severity, by=clinician))
    failed = day.day % 5 == 0
    history.add(
        Notification(
            flag=flag,
            kind=NotificationKind.ALERT,
            recipient=clinician.email,
            state=DeliveryState.FAILED if failed else DeliveryState.SENT,
            attempts=1,
            last_error="Connection refused" if failed else "",
        )
    )


def build_world(size, *, clinic, clinician, reviewer, patient, template, other_patient) -> World:
    """The same kinds of thing in both sizes, so every page takes the same path through."""
    today = patient.clinic.today()
    plan = assign(patient, template, clinician, days_ago=20)
    yesterday_walk = report_walk(patient, walked_on=today - datetime.timedelta(days=1))
    today_walk = report_walk(patient)
    check_in = report_check_in(patient)
    flag = open_flag(patient, Rule.SEVERE_PAIN)
    Notification.objects.create(
        flag=flag, kind=NotificationKind.ALERT, recipient="lead@example.com", state="failed"
    )
    neighbour = make_patient(clinic, clinician, "Nina")
    assign(neighbour, template, clinician, days_ago=10)
    report_walk(neighbour)
    open_flag(neighbour, Rule.NEW_NERVE)
    report_walk(other_patient)  # another clinic: never on these pages

    if size == "large":
        history = History()
        grow_history(history, patient, plan, clinician, HISTORY_DAYS)
        for index in range(OTHER_PATIENTS):
            other = make_patient(clinic, clinician, f"Other{index}")
            other_plan = assign(other, template, clinician, days_ago=index)
            grow_history(history, other, other_plan, clinician, 60)
            if index % 3 == 0:
                open_flag(other, Rule.FLARE, Severity.SAME_DAY)
        grow_history(history, other_patient, None, other_patient.clinician, 60)
        history.save()

    # History written straight to the tables, as a bulk load would be: summaries rebuilt.
    summaries_rebuild(Patient.objects.select_related("clinic"))
    people = {
        "patient": patient.user,
        "clinician": clinician,
        "reviewer": reviewer,
        "clinic admin": make_staff("adam", clinic, StaffRole.CLINIC_ADMIN),
    }
    return World(patient, plan, today_walk, yesterday_walk, check_in, flag, people)


@pytest.fixture(params=["small", "large"])
def world(request, clinic, clinician, reviewer, patient, clinic_template, other_patient):
    return build_world(
        request.param,
        clinic=clinic,
        clinician=clinician,
        reviewer=reviewer,
        patient=patient,
        template=clinic_template,
        other_patient=other_patient,
    )


def walk_data(world: World) -> dict:
    return {
        "submission": str(uuid.uuid4()),
        "walked_on": world.patient.clinic.today().isoformat(),
        "minutes": "12",
        "terrain": "flat",
        "pain_before": "3",
        "pain_after": "3",
        "pain_character": ["aching"],
        "pain_areas": ["lower_back"],
        "pain_side": "",
        "stopped_early": "no",
        "effort": "easy",
        "steps": "",
        "note": "",
    }


def check_in_data(world: World) -> dict:
    data = {"submission": str(uuid.uuid4()), "pain_now": "3", "hard_to_function": "no"}
    data.update({f"serious_{symptom.value}": "no" for symptom in SeriousSymptom})
    return data


@dataclass(frozen=True)
class Visit:
    who: str
    url: Callable[[World], str]
    data: Callable[[World], dict] | None = None  # a POST when set
    status: int = 200


# Visited in this order, one after another on the same data: every page that only reads
# comes first, then the ones that change something (acknowledge before resolve).
VISITS = {
    "patient week": Visit("patient", lambda w: reverse("patient_week")),
    "walk form": Visit("patient", lambda w: reverse("walk_new")),
    "walk detail": Visit("patient", lambda w: reverse("walk_detail", args=[w.today_walk.pk])),
    "check-in form": Visit("patient", lambda w: reverse("check_in_new")),
    "check-in detail": Visit("patient", lambda w: reverse("check_in_detail", args=[w.check_in.pk])),
    "morning check form": Visit(
        "patient", lambda w: reverse("morning_check", args=[w.yesterday_walk.pk])
    ),
    "history": Visit("patient", lambda w: reverse("history")),
    "outcome questionnaire": Visit("patient", lambda w: reverse("outcome_questionnaire")),
    "reminder settings": Visit("patient", lambda w: reverse("reminder_settings")),
    "dashboard": Visit("clinician", lambda w: reverse("staff_home")),
    "dashboard (clinic admin)": Visit("clinic admin", lambda w: reverse("staff_home")),
    "patient record": Visit("clinician", lambda w: reverse("patient_record", args=[w.patient.pk])),
    "flag resolve form": Visit("clinician", lambda w: reverse("flag_resolve", args=[w.flag.pk])),
    "flag report": Visit("reviewer", lambda w: reverse("flag_report")),
    "flag report csv": Visit("reviewer", lambda w: reverse("flag_report_csv")),
    "rules csv": Visit("reviewer", lambda w: reverse("rule_report_csv")),
    "outcome report": Visit("reviewer", lambda w: reverse("outcome_report")),
    "outcome report csv": Visit("reviewer", lambda w: reverse("outcome_report_csv")),
    "flag page": Visit("reviewer", lambda w: reverse("flag_detail", args=[w.flag.pk])),
    "walk save": Visit("patient", lambda w: reverse("walk_new"), walk_data, 302),
    "check-in save": Visit("patient", lambda w: reverse("check_in_new"), check_in_data, 302),
    "outcome save": Visit(
        "patient",
        lambda w: reverse("outcome_questionnaire"),
        lambda w: {
            "submission": str(uuid.uuid4()),
            "activity_1": "Gardening",
            "rating_1": "4",
            "pain": "5",
        },
        302,
    ),
    "morning check save": Visit(
        "patient",
        lambda w: reverse("morning_check", args=[w.yesterday_walk.pk]),
        lambda w: {"feeling": "usual", "pain_now": "3"},
        302,
    ),
    "plan change": Visit(
        "clinician",
        lambda w: reverse("patient_plan_change", args=[w.patient.pk]),
        lambda w: {
            **seen_plan_of(w.patient),
            "kind": "hold",
            "reason": "Repeat the stage after a sore week.",
        },
        302,
    ),
    "flag acknowledge": Visit(
        "clinician",
        lambda w: reverse("flag_acknowledge", args=[w.flag.pk]),
        lambda w: seen_flag(w.flag),
        302,
    ),
    "flag resolve": Visit(
        "clinician",
        lambda w: reverse("flag_resolve", args=[w.flag.pk]),
        lambda w: {**seen_flag(w.flag), "action": "continue", "note": "Spoke to her; settling."},
        302,
    ),
    "flag review mark": Visit(
        "reviewer",
        lambda w: reverse("flag_review_mark", args=[w.flag.pk]),
        lambda w: {"note": "Reviewed at the governance meeting."},
        302,
    ),
}


def visit(client, spec: Visit, world: World, data: dict | None):
    """Request the page and read all of it: a streamed CSV runs its query while read."""
    url = spec.url(world)
    response = client.get(url) if data is None else client.post(url, data)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def test_every_page_has_a_budget_and_a_visit():
    assert list(BUDGETS) == list(VISITS)


def test_each_page_costs_its_pinned_queries_however_much_data(world, client):
    flags_before = Flag.objects.count()
    counts, statuses, queries = {}, {}, {}

    for page, spec in VISITS.items():
        sign_in(client, world.people[spec.who])
        data = spec.data(world) if spec.data else None  # what the page's form carried
        with CaptureQueriesContext(connection) as captured:
            statuses[page] = visit(client, spec, world, data).status_code
        counts[page] = len(captured)
        queries[page] = [query["sql"] for query in captured.captured_queries]

    assert statuses == {page: spec.status for page, spec in VISITS.items()}
    # The same work at either size: no visit took a path that raised a flag.
    assert Flag.objects.count() == flags_before
    off_budget = {page: queries[page] for page in BUDGETS if counts[page] != BUDGETS[page]}
    assert counts == BUDGETS, f"{counts}\n\n" + "\n\n".join(
        f"{page}:\n" + "\n".join(sql) for page, sql in off_budget.items()
    )
