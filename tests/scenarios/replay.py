"""Replays a patient's trajectory through the real patient pages, day by day.

Each step is sent the way the patient would send it: the walk form, the symptom form, the
next-morning question on the home page, with the clock frozen at that day and hour in the
clinic's time zone. After every step the patient's flags are read, so a failure can say
on which day a rule fired (or that it never did).
"""

import datetime
import uuid
import zoneinfo
from dataclasses import dataclass, field

import time_machine
from django.core.management import call_command
from django.urls import reverse

from patients.choices import SEVERITY_RANK, SeriousSymptom
from patients.models import Clinic, Flag
from programs.models import PlanTemplate
from tests import factories

# The first day of every trajectory: a Monday, far from any daylight-saving change.
FIRST_DAY = datetime.date(2026, 10, 5)

ADVICE_TITLES = {
    "urgent": "Get medical help now",
    "same_day": "Contact your GP or clinic today",
    "review": "Take it a little easier",
    "walk": "Your pain went up on this walk",
    "morning": "Your back has not settled since your walk",
    "joints": "New hip, knee or foot pain",
}


@dataclass(frozen=True)
class Step:
    """One thing the patient does on `day` (0 is the day the plan starts) at `hour`."""

    day: int
    kind: str  # "walk", "check_in", "morning" or "daily_check"
    answers: dict = field(default_factory=dict)
    hour: int = 18
    advice: str | None = None  # the advice the patient must see at once, if any
    note: str = ""


@dataclass(frozen=True)
class Expect:
    """A flag the trajectory must end with: its rule and severity."""

    rule: str
    severity: str


@dataclass(frozen=True)
class Scenario:
    name: str
    baseline: dict
    steps: list[Step]
    expect: list[Expect]  # exactly these flags, nothing else
    zone: str = "Europe/London"
    country: str = "GB"

    @property
    def band(self) -> str:
        """The most severe expected flag, or "none"."""
        if not self.expect:
            return "none"
        return max(self.expect, key=lambda e: SEVERITY_RANK[e.severity]).severity


class ScenarioFailed(AssertionError):
    pass


@dataclass
class Replay:
    scenario: Scenario
    client: object
    raised_on: dict = field(default_factory=dict)  # rule -> (day, severity) first seen

    def run(self) -> None:
        scenario = self.scenario
        zone = zoneinfo.ZoneInfo(scenario.zone)
        with time_machine.travel(self.moment(0, 8, zone), tick=False):
            self.patient = self.enrol()
        for step in scenario.steps:
            with time_machine.travel(self.moment(step.day, step.hour, zone), tick=False):
                factories.sign_in(self.client, self.patient.user)
                page = getattr(self, step.kind)(step)
                self.check_advice(step, page)
                self.note_flags(step.day)
        self.check_flags()

    @staticmethod
    def moment(day: int, hour: int, zone) -> datetime.datetime:
        date = FIRST_DAY + datetime.timedelta(days=day)
        return datetime.datetime.combine(date, datetime.time(hour), tzinfo=zone)

    def enrol(self):
        scenario = self.scenario
        clinic = Clinic.objects.create(
            name=f"Clinic for {scenario.name[:150]}",
            country=scenario.country,
            timezone=scenario.zone,
        )
        clinician = factories.make_staff(f"doc-{uuid.uuid4().hex[:8]}", clinic)
        patient = factories.make_patient(clinic, clinician, "Pat", **scenario.baseline)
        template = PlanTemplate.objects.get(clinic__isnull=True)
        factories.assign(patient, template, clinician)
        return patient

    def day(self, number: int) -> str:
        return (FIRST_DAY + datetime.timedelta(days=number)).isoformat()

    # ---- what the patient sends ---------------------------------------------------------

    def walk(self, step: Step) -> str:
        answers = dict(step.answers)
        walked = answers.pop("walked_day", step.day)
        pain_before, pain_after = answers.pop("pain", (3, 3))
        data = {
            "submission": str(uuid.uuid4()),
            "walked_on": self.day(walked),
            "minutes": "10",
            "terrain": "flat",
            "pain_before": str(pain_before),
            "pain_after": str(pain_after),
            "stopped_early": "no",
            **answers,
        }
        response = self.client.post(reverse("walk_new"), data, follow=True)
        self.require(response.status_code == 200, step, f"the walk page answered {response}")
        return response.content.decode()

    def check_in(self, step: Step) -> str:
        answers = dict(step.answers)
        yes = set(answers.pop("yes", ()))
        blank = answers.pop("blank", False)  # only the "yes" answers, everything else left empty
        data = {"submission": str(uuid.uuid4())}
        if not blank:
            data.update(pain_now=str(answers.pop("pain", 3)), hard_to_function="no")
            data.update({f"serious_{symptom.value}": "no" for symptom in SeriousSymptom})
        data.update({f"serious_{symptom}": "yes" for symptom in yes})
        data.update(answers)
        response = self.client.post(reverse("check_in_new"), data, follow=True)
        self.require(response.status_code == 200, step, f"the check-in answered {response}")
        return response.content.decode()

    def morning(self, step: Step) -> str:
        home = self.client.get(reverse("patient_week"))
        walk = home.context["morning_walk"]
        self.require(walk is not None, step, "the home page did not ask the morning question")
        feeling, pain = step.answers["feeling"], step.answers["pain"]
        response = self.client.post(
            reverse("morning_check", args=[walk.pk]),
            {"submission": str(uuid.uuid4()), "feeling": feeling, "pain_now": str(pain)},
            follow=True,
        )
        return response.content.decode()

    def daily_check(self, step: Step) -> str:
        call_command("check_activity", stdout=open("/dev/null", "w"))  # noqa: SIM115
        return ""

    # ---- what must follow ---------------------------------------------------------------

    def require(self, condition: bool, step: Step, problem: str) -> None:
        if not condition:
            raise ScenarioFailed(f"{self.scenario.name}: day {step.day} ({step.kind}): {problem}")

    def check_advice(self, step: Step, page: str) -> None:
        shown = {name for name, title in ADVICE_TITLES.items() if title in page}
        if step.advice is None:
            self.require(
                not shown & {"urgent", "same_day"}, step, f"unexpected advice shown: {shown}"
            )
        else:
            self.require(
                step.advice in shown, step, f"expected the {step.advice} advice, saw {shown}"
            )
            if step.advice in ("urgent", "same_day", "review"):
                start = page.index(ADVICE_TITLES[step.advice])
                self.require(start < page.index("<h1"), step, "the advice was not shown first")

    def note_flags(self, day: int) -> None:
        for rule, severity in Flag.objects.filter(patient=self.patient).values_list(
            "rule", "severity"
        ):
            first = self.raised_on.setdefault(rule, (day, severity))
            if SEVERITY_RANK[severity] > SEVERITY_RANK[first[1]]:
                self.raised_on[rule] = (day, severity)

    def check_flags(self) -> None:
        problems = []
        expected = {e.rule: e.severity for e in self.scenario.expect}
        final = dict(Flag.objects.filter(patient=self.patient).values_list("rule", "severity"))
        for rule, severity in expected.items():
            if rule not in final:
                problems.append(f"rule {rule} ({severity}) expected but never raised")
            elif final[rule] != severity:
                day = self.raised_on[rule][0]
                problems.append(
                    f"rule {rule} raised on day {day} as {final[rule]}, expected {severity}"
                )
        for rule, severity in final.items():
            if rule not in expected:
                day = self.raised_on[rule][0]
                problems.append(f"rule {rule} ({severity}) raised on day {day}, not expected")
        if problems:
            raise ScenarioFailed(f"{self.scenario.name}: " + "; ".join(problems))
