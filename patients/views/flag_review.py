"""A flag's whole story, read only, for governance review; and the reviewer's mark on it.

Reviewers and clinic admins of the flag's clinic may mark it reviewed; those who look
after the patient may read it. Anyone else gets a 404. The page reads a fixed number of
queries, whatever the number of events, emails or reports behind the flag.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from patients.choices import BodyArea, PainCharacter
from patients.forms.clinic import FlagReviewForm
from patients.models import (
    AuditAction,
    Flag,
    RevisionAction,
    SymptomCheckIn,
    WalkLog,
    WalkLogRevision,
)
from patients.safety.advice import Advice, advice_for
from patients.safety.inputs import Lookback, check_in_findings, walk_findings
from patients.safety.response_times import Window, duration_words, window_outcome
from patients.security import access, audit
from patients.services.flag_reviews import flag_review_add
from patients.views.report_flags import person


@dataclass
class ReportShown:
    """One report behind a piece of evidence, as it stood when the evidence arrived."""

    kind: str  # "walk" or "check_in"
    report: WalkLog | SymptomCheckIn | None  # None: no longer held
    answers: list[tuple[str, str]] = field(default_factory=list)
    advice: Advice | None = None
    later: list[WalkLogRevision] = field(default_factory=list)  # corrections, deletion since
    other_day: bool = False  # the earlier day of a flare


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _yes_no(value: bool | None) -> str:
    return {True: _("Yes"), False: _("No"), None: _("Not answered")}[value]


def _labels(choices, codes) -> str:
    return ", ".join(str(choices(code).label) for code in codes)


def walk_answers(walk: WalkLog) -> list[tuple[str, str]]:
    rows = [
        (_label(WalkLog, "walked_on"), date_format(walk.walked_on, "D j M Y")),
        (_label(WalkLog, "minutes"), walk.minutes),
        (_label(WalkLog, "terrain"), walk.get_terrain_display()),
        (_label(WalkLog, "pain_before"), walk.pain_before),
        (_label(WalkLog, "pain_after"), walk.pain_after),
        (_label(WalkLog, "pain_character"), _labels(PainCharacter, walk.pain_character)),
        (_label(WalkLog, "pain_areas"), _labels(BodyArea, walk.pain_areas)),
        (_label(WalkLog, "pain_side"), walk.get_pain_side_display()),
        (_label(WalkLog, "stopped_early"), _yes_no(walk.stopped_early)),
        (_label(WalkLog, "stopped_reason"), walk.stopped_reason),
        (_label(WalkLog, "effort"), walk.get_effort_display()),
        (_label(WalkLog, "steps"), walk.steps),
        (_label(WalkLog, "note"), walk.note),
    ]
    return [(label, value) for label, value in rows if value not in ("", None)]


def morning_answers(walk: WalkLog) -> list[tuple[str, str]]:
    check = getattr(walk, "morning_check", None)
    if check is None:
        return []
    prefix = _("Next morning")
    return [
        (f"{prefix}: {check._meta.get_field('feeling').verbose_name}", check.get_feeling_display()),
        (
            f"{prefix}: {check._meta.get_field('pain_now').verbose_name}",
            _("Not answered") if check.pain_now is None else check.pain_now,
        ),
    ]


SERIOUS_ANSWERS = {
    "yes": gettext_lazy("Yes"),
    "no": gettext_lazy("No"),
    None: gettext_lazy("Not answered"),
}


def check_in_answers(check_in: SymptomCheckIn) -> list[tuple[str, str]]:
    later_no = capfirst(SymptomCheckIn._meta.get_field("serious_later_no").verbose_name)
    rows = [
        (_label(SymptomCheckIn, "reported_on"), date_format(check_in.reported_on, "D j M Y")),
        (
            _label(SymptomCheckIn, "pain_now"),
            _("Not answered") if check_in.pain_now is None else check_in.pain_now,
        ),
        (_label(SymptomCheckIn, "pain_character"), _labels(PainCharacter, check_in.pain_character)),
        (_label(SymptomCheckIn, "pain_areas"), _labels(BodyArea, check_in.pain_areas)),
        (_label(SymptomCheckIn, "pain_side"), check_in.get_pain_side_display()),
    ]
    # Symptoms typed on an unfinished walk log: the serious questions were not asked.
    if not check_in.from_walk_form:
        rows += [
            (str(question), later_no if answer == "yes, then no" else SERIOUS_ANSWERS[answer])
            for question, answer in check_in.answers()
        ]
        rows += [
            (_label(SymptomCheckIn, "hard_to_function"), _yes_no(check_in.hard_to_function)),
            (_label(SymptomCheckIn, "says_flare"), _yes_no(check_in.says_flare)),
        ]
    rows += [
        (_label(SymptomCheckIn, "symptoms_started"), check_in.get_symptoms_started_display()),
        (_label(SymptomCheckIn, "note"), check_in.note),
        (_label(SymptomCheckIn, "from_walk_form"), _yes_no(check_in.from_walk_form)),
    ]
    return [(label, value) for label, value in rows if value not in ("", None)]


def walk_as_at(walk: WalkLog, moment: datetime.datetime) -> WalkLog:
    """The walk as it stood at `moment`: from the last version saved by then."""
    versions = [rev for rev in walk.revisions.all() if rev.changed_at <= moment]
    if not versions:
        return walk
    values = dict(versions[-1].values)
    values["walked_on"] = datetime.date.fromisoformat(values["walked_on"])
    then = WalkLog(pk=walk.pk, patient=walk.patient, deleted_at=walk.deleted_at, **values)
    if hasattr(walk, "morning_check"):
        then.morning_check = walk.morning_check
    return then


def reports_behind(flag: Flag, events) -> list[tuple[object, list[ReportShown]]]:
    """Each event that names reports, with those reports, their answers and their advice.

    Reads every report in two queries and their history once, however many there are.
    """
    named = [event for event in events if event.evidence.get("source")]
    ids = {
        str(event.evidence[key])
        for event in named
        for key in ("source_id", "other_source_id")
        if event.evidence.get(key)
    }
    if not ids:
        return []
    patient = flag.patient
    walks = {
        str(walk.pk): walk
        for walk in WalkLog.objects.filter(patient=patient, pk__in=ids)
        .select_related("morning_check")
        .prefetch_related(Prefetch("revisions", queryset=WalkLogRevision.objects.order_by("pk")))
    }
    check_ins = {
        str(check.pk): check for check in SymptomCheckIn.objects.filter(patient=patient, pk__in=ids)
    }
    for report in [*walks.values(), *check_ins.values()]:
        report.patient = patient  # already loaded, with the clinic
    days = [walk.walked_on for walk in walks.values()]
    days += [check.reported_on for check in check_ins.values()]
    lookback = Lookback(patient, min(days), max(days)) if days else None
    story = []
    for event in named:
        shown = [_report(event, event.evidence.get("source_id"), walks, check_ins, lookback)]
        other = event.evidence.get("other_source_id")
        if other:
            shown.append(_report(event, other, walks, check_ins, lookback, other_day=True))
        story.append((event, shown))
    return story


def _report(event, report_id, walks, check_ins, lookback, *, other_day=False) -> ReportShown:
    clinic = event.flag.patient.clinic
    report_id = str(report_id)
    if report_id in walks:
        walk = walk_as_at(walks[report_id], event.at)
        return ReportShown(
            "walk",
            walk,
            walk_answers(walk) + morning_answers(walk),
            advice_for(walk_findings(walk, lookback), clinic),
            later=[
                rev
                for rev in walks[report_id].revisions.all()
                if rev.changed_at > event.at and rev.action != RevisionAction.CREATED
            ],
            other_day=other_day,
        )
    if report_id in check_ins:
        check_in = check_ins[report_id]
        return ReportShown(
            "check_in",
            check_in,
            check_in_answers(check_in),
            advice_for(check_in_findings(check_in, lookback), clinic),
            other_day=other_day,
        )
    return ReportShown(event.evidence.get("source", ""), None, other_day=other_day)


def acknowledgement(flag: Flag, now: datetime.datetime) -> dict:
    """Who acknowledged after how long, and, for urgent and same-day flags, against the
    clinic's window (the one the escalation sweep uses), in the list's words."""
    minutes = flag.patient.clinic.escalation_minutes
    outcome, late = window_outcome(
        flag.severity, flag.opened_at, flag.acknowledged_at, minutes, now
    )
    answer = {"watched": outcome is not None, "window_minutes": minutes}
    if flag.acknowledged_at is None:
        return {**answer, "overdue": duration_words(late) if outcome == Window.MISSED else ""}
    return {
        **answer,
        "after": duration_words(flag.acknowledged_at - flag.opened_at),
        "within": outcome == Window.WITHIN,
        "late_by": duration_words(late),
    }


def render_flag(request: HttpRequest, flag: Flag, form: FlagReviewForm | None = None):
    events = list(flag.events.select_related("by"))
    for event in events:
        event.flag = flag  # already loaded, with the patient and clinic
    can_mark = flag.patient.clinic_id in access.clinic_ids(request.user, access.REPORT_ROLES)
    story = reports_behind(flag, events)
    reviews = list(flag.reviews.select_related("reviewed_by"))
    for review in reviews:
        review.who = person(review.reviewed_by)
    context = {
        "flag": flag,
        "patient": flag.patient,
        "can_open_record": flag.patient.clinic_id in access.care_clinic_ids(request.user),
        "can_mark": can_mark,
        "acknowledgement": acknowledgement(flag, timezone.now()),
        "events": events,
        "story": story,
        "notifications": list(flag.notifications.order_by("created_at", "pk")),
        "reviews": reviews,
        # Names worked out here: someone since deleted is None, which the template
        # cannot look into.
        "acknowledged_by": person(flag.acknowledged_by),
        "resolved_by": person(flag.resolved_by),
        "form": form if form is not None else (FlagReviewForm() if can_mark else None),
    }
    return render(request, "patients/flag_detail.html", context)


@login_required
def flag_detail(request: HttpRequest, flag_id) -> HttpResponse:
    flag = access.readable_flag(request, flag_id)
    audit.record(
        by=request.user, action=AuditAction.VIEWED, subject="flag", patient=flag.patient, obj=flag
    )
    return render_flag(request, flag)


@login_required
@require_POST
def flag_review_mark(request: HttpRequest, flag_id) -> HttpResponse:
    flag = access.reviewable_flag(request, flag_id)
    form = FlagReviewForm(request.POST)
    if not form.is_valid():
        # The page again with the note as typed and what is wrong with it; nothing saved.
        return render_flag(request, flag, form)
    flag_review_add(flag=flag, by=request.user, note=form.cleaned_data["note"])
    messages.success(request, _("Marked as reviewed."))
    return redirect("flag_detail", flag_id=flag.pk)
