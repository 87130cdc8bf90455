"""Loads a small demo clinic so people can try Stepwise. Never in production."""

import datetime
import random

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from patients.choices import BodyArea, Effort, PainCharacter, Side, Terrain
from patients.management.commands import _demo_outcomes as demo_outcomes
from patients.models import (
    Clinic,
    Flag,
    LegSymptoms,
    Patient,
    ReminderSettings,
    StaffMembership,
    StaffRole,
    SymptomCheckIn,
    WalkLog,
    Weekday,
)
from patients.outcomes.follow_ups import queue_due_follow_ups
from patients.safety.engine import flag_acknowledge, flag_resolve
from patients.safety.notifications import escalate_overdue
from patients.security import two_factor
from patients.services.enrolment import patient_enrol
from patients.services.reports import symptom_check_in_save, walk_log_create
from patients.summaries import summary_refresh
from programs import services
from programs.models import PlanAssignment, PlanTemplate, StageChange

User = get_user_model()

DEMO_PASSWORD = "walk-tall-demo"  # noqa: S105  (printed for people to try the demo)
CLINIC_NAME = "Riverside Physiotherapy (demo)"
STANDARD_TEMPLATE = "Standard graded walking plan"

STAFF = [
    # role, username, first, last, membership role, superuser
    ("admin", "admin", "Alex", "Morgan", StaffRole.CLINIC_ADMIN, True),
    ("clinician", "clinician", "Sam", "Okafor", StaffRole.CLINICIAN, False),
    ("reviewer", "reviewer", "Priya", "Shah", StaffRole.REVIEWER, False),
]


def dated(plan, day: datetime.date) -> None:
    """The demo's history happened over past weeks: date the plan's latest change to `day`,
    9 am at the clinic, as if it had been made then."""
    latest = plan.changes.order_by("-changed_at", "-pk").first()
    when = datetime.datetime.combine(day, datetime.time(9), plan.patient.clinic.zone)
    StageChange.objects.filter(pk=latest.pk).update(changed_at=when)


def assigned(patient, template, by, *, days_ago: int, **options):
    """The patient's plan, assigned `days_ago` days ago (and dated so)."""
    start = patient.clinic.today() - datetime.timedelta(days=days_ago)
    plan = services.plan_assign(
        patient=patient, template=template, start_date=start, assigned_by=by, **options
    )
    dated(plan, start)
    return plan


class Command(BaseCommand):
    help = "Create a demo clinic with staff, patients and a few weeks of walks (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) when the database already has accounts.",
        )

    def handle(self, *args, if_empty: bool = False, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_data refuses to run with DEBUG off: it creates known passwords."
            )
        if if_empty and User.objects.exists():
            self.stdout.write("The database already has accounts; demo data not loaded again.")
            if Clinic.objects.filter(name=CLINIC_NAME).exists():
                self.print_logins()
            return
        if Clinic.objects.filter(name=CLINIC_NAME).exists():
            raise CommandError("The demo clinic already exists.")
        self.create()
        self.print_logins()

    @transaction.atomic
    def create(self) -> None:
        clinic = Clinic.objects.create(
            name=CLINIC_NAME,
            country="GB",
            timezone="Europe/London",
            alert_email="alerts@example.com",
            escalation_email="clinic-lead@example.com",
        )
        today = clinic.today()
        staff = {}
        for role, username, first, last, membership, superuser in STAFF:
            user = User.objects.create_user(
                username=username,
                email=f"{username}@example.com",
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=True,
                is_superuser=superuser,
            )
            StaffMembership.objects.create(user=user, clinic=clinic, role=membership)
            # Staff always need a second factor; the demo's is on file, and demo_code
            # prints the code an authenticator app would show.
            two_factor.app_confirm(two_factor.authenticator_for(user))
            staff[role] = user
        clinician = staff["clinician"]
        standard = PlanTemplate.objects.get(name=STANDARD_TEMPLATE, clinic=None)
        gentle = services.plan_template_duplicate(
            template=standard, clinic=clinic, created_by=clinician, name="Riverside gentle start"
        )
        first = gentle.stages.get(position=1)
        first.minutes_per_session, first.weeks = 5, 3
        first.save(update_fields=["minutes_per_session", "weeks"])

        self.patients = []
        rng = random.Random(20261123)  # noqa: S311  (the same demo every time; not security)
        maria = self.enrol(
            clinic,
            clinician,
            "Maria",
            "Lopez",
            usual_pain=3,
            goal="Walk to the market and back.",
            phone="07400 100001",
        )
        plan = assigned(maria, standard, clinician, days_ago=27, start_position=2)
        services.plan_advance(
            assignment=plan,
            by=clinician,
            reason="Stage complete on green.",
            today=today - datetime.timedelta(days=13),
        )
        dated(plan, today - datetime.timedelta(days=13))
        self.walks(
            maria,
            rng,
            days=28,
            minutes=(10, 15),
            pain=lambda day: (3, 3 + rng.choice([-1, 0, 0, 1])),
        )

        # Pain creeping up, then a new electric-shock pain in the thigh: raises review flags.
        david = self.enrol(
            clinic,
            clinician,
            "David",
            "Brown",
            usual_pain=3,
            goal="Play nine holes of golf again.",
            phone="07400 100002",
        )
        assigned(david, standard, clinician, days_ago=20)
        self.walks(
            david, rng, days=20, minutes=(8, 10), pain=lambda day: (3, 3 + max(0, (20 - day) // 6))
        )
        # Through the real service, so the rules raise their flags as they would live.
        for days_ago in (1, 0):
            walk_log_create(
                patient=david,
                submission_key=None,
                by=david.user,
                walked_on=today - datetime.timedelta(days=days_ago),
                minutes=8,
                terrain=Terrain.FLAT,
                pain_before=4,
                pain_after=6,
                pain_character=[PainCharacter.ACHING, PainCharacter.ELECTRIC_SHOCK],
                pain_areas=[BodyArea.LOWER_BACK, BodyArea.THIGH],
                pain_side=Side.LEFT,
                effort=Effort.HARD,
                note="A zapping pain down the back of my left thigh.",
            )

        # A known both-leg walking pattern and osteoporosis; paused for a flare.
        aisha = self.enrol(
            clinic,
            clinician,
            "Aisha",
            "Khan",
            usual_pain=4,
            leg_symptoms=LegSymptoms.BOTH,
            known_walking_pattern=True,
            osteoporosis=True,
            goal="Walk my grandchildren to school.",
            phone="07400 100003",
        )
        plan = assigned(aisha, gentle, clinician, days_ago=24)
        self.walks(
            aisha, rng, days=24, minutes=(5, 8), pain=lambda day: (4, 4 + (day < 10)), skip_recent=7
        )
        services.plan_pause(
            assignment=plan,
            by=clinician,
            reason="Flare after a cold; rest this week.",
            today=today - datetime.timedelta(days=6),
        )
        dated(plan, today - datetime.timedelta(days=6))
        # A fall with osteoporosis: an urgent flag, and an alert email for the worker to send.
        symptom_check_in_save(
            patient=aisha,
            submission_key=None,
            pain_now=6,
            serious_yes=["fall"],
            note="Slipped on the wet step outside, landed on my side.",
        )

        self.past_urgent_flag(clinic, clinician, standard, rng)
        self.discharged(clinic, clinician, standard, rng)

        # Newly enrolled, no plan yet; reminders on, so scripts/run can show one.
        tom = self.enrol(
            clinic, clinician, "Tom", "Evans", usual_pain=2, goal="Walk the dog every day."
        )
        ReminderSettings.objects.create(
            patient=tom,
            walk_days=[Weekday.MONDAY, Weekday.WEDNESDAY, Weekday.FRIDAY],
            walk_time=datetime.time(10, 0),
            nudge_after_days=3,
            morning_check_time=datetime.time(9, 0),
            by_email=True,
        )
        # Reads Spanish (docs/translation.md): her pages, emails and advice are in Spanish; the
        # clinic's pages about her stay in English.
        lucia = self.enrol(
            clinic,
            clinician,
            "Lucia",
            "Romero",
            usual_pain=3,
            goal="Caminar hasta el mercado.",
            language="es",
        )
        assigned(lucia, standard, clinician, days_ago=10)
        self.walks(lucia, rng, days=10, minutes=(8, 8), pain=lambda day: (3, 3))

        # A second clinic of discharged patients and their follow-up, for the outcomes page.
        demo_outcomes.generate(reviewer=staff["reviewer"], template=standard, today=today)

    def past_urgent_flag(self, clinic, clinician, template, rng) -> None:
        """Twelve days ago: numbness in the saddle area, the alert email sent, escalated
        when nobody acknowledged it within the clinic's hour, acknowledged after 95
        minutes and the patient referred. A safety event for the reviewer's report."""
        grace = self.enrol(
            clinic,
            clinician,
            "Grace",
            "Obi",
            usual_pain=3,
            goal="Walk to work again.",
            phone="07400 100004",
        )
        today = clinic.today()
        start = today - datetime.timedelta(days=28)
        dated(
            services.plan_assign(
                patient=grace, template=template, start_date=start, assigned_by=clinician
            ),
            start,
        )
        self.walks(grace, rng, days=28, minutes=(8, 10), pain=lambda day: (3, 3), skip_recent=12)
        raised = datetime.datetime.combine(
            today - datetime.timedelta(days=12), datetime.time(10, 5), clinic.zone
        )
        check_in, _new = symptom_check_in_save(
            patient=grace,
            submission_key=None,
            pain_now=5,
            serious_yes=["saddle"],
            serious_no=["bladder", "bowel", "sexual", "both_legs", "both_legs_numb", "weakness"],
            symptoms_started="recent",
            note="Numb when I sit on the toilet since yesterday.",
        )
        flag = Flag.objects.get(patient=grace, rule="cauda_equina")
        paused = StageChange.objects.filter(assignment__patient=grace).latest("changed_at", "pk")
        StageChange.objects.filter(pk=paused.pk).update(changed_at=raised)

        def at(minutes: float) -> datetime.datetime:
            return raised + datetime.timedelta(minutes=minutes)

        SymptomCheckIn.objects.filter(pk=check_in.pk).update(
            created_at=raised, reported_on=raised.date(), advice_shown_at=at(0.2)
        )
        Flag.objects.filter(pk=flag.pk).update(opened_at=raised, last_evidence_at=raised)
        flag.events.update(at=raised)
        flag.notifications.update(created_at=raised, state="sent", sent_at=at(1), attempts=1)
        escalate_overdue(at(61))
        Flag.objects.filter(pk=flag.pk).update(escalated_at=at(61))
        flag.notifications.filter(kind="escalation").update(
            created_at=at(61), state="sent", sent_at=at(62), attempts=1
        )
        flag.refresh_from_db()
        flag = flag_acknowledge(flag=flag, by=clinician)
        Flag.objects.filter(pk=flag.pk).update(acknowledged_at=at(95))
        flag.events.filter(kind="acknowledged").update(at=at(95))
        flag_resolve(
            flag=Flag.objects.get(pk=flag.pk),
            by=clinician,
            action="refer",
            note="Phoned her: sent to the emergency department. Scan clear; walking on hold.",
        )
        Flag.objects.filter(pk=flag.pk).update(resolved_at=at(140))
        flag.events.filter(kind="resolved").update(at=at(140))
        summary_refresh(grace)

    def discharged(self, clinic, clinician, template, rng) -> None:
        """Finished the program 35 days ago: month 1's follow-up question is open, so her
        week shows its card (and the worker emails it)."""
        today = clinic.today()
        ruth = self.enrol(clinic, clinician, "Ruth", "Bennett", usual_pain=3, enrolled_days_ago=120)
        plan = assigned(ruth, template, clinician, days_ago=110)
        self.walks(ruth, rng, days=100, minutes=(10, 25), pain=lambda day: (2, 2), skip_recent=36)
        services.plan_end(assignment=plan, by=clinician, reason="Finished the program.")
        discharged_on = today - datetime.timedelta(days=35)
        PlanAssignment.objects.filter(pk=plan.pk).update(ended_on=discharged_on)
        dated(plan, discharged_on)
        queue_due_follow_ups(timezone.now())

    def enrol(
        self, clinic, clinician, first, last, *, enrolled_days_ago: int = 30, **baseline
    ) -> Patient:
        patient = patient_enrol(
            clinic=clinic,
            clinician=clinician,
            by=clinician,
            first_name=first,
            last_name=last,
            email=f"{first.lower()}@example.com",
            cleared_to_exercise=True,
            enrolled_on=clinic.today() - datetime.timedelta(days=enrolled_days_ago),
            **baseline,
        )
        patient.user.set_password(DEMO_PASSWORD)
        patient.user.save(update_fields=["password"])
        self.patients.append(patient)
        return patient

    def walks(self, patient, rng, *, days, minutes, pain, skip_recent=0) -> None:
        """About three walks a week over the last `days` days, each with the plan it was
        walked on (as the walk form records it), so the outcomes page counts them."""
        today = patient.clinic.today()
        plan = patient.assignments.order_by("-start_date").first()
        logs = []
        for days_ago in range(days, skip_recent, -1):
            if days_ago % 7 not in (1, 3, 5):
                continue
            before, after = pain(days_ago)
            logs.append(
                WalkLog(
                    patient=patient,
                    assignment=_plan_on(plan, today - datetime.timedelta(days=days_ago)),
                    walked_on=today - datetime.timedelta(days=days_ago),
                    minutes=rng.randint(*minutes),
                    terrain=Terrain.FLAT,
                    pain_before=max(0, min(10, before)),
                    pain_after=max(0, min(10, after)),
                    pain_character=[PainCharacter.ACHING],
                    pain_areas=[BodyArea.LOWER_BACK],
                    effort=rng.choice([Effort.EASY, Effort.MODERATE]),
                    steps=rng.randint(800, 3000),
                )
            )
        WalkLog.objects.bulk_create(logs)
        # A month of history written at once, past the services: its summary worked out.
        summary_refresh(patient)

    def print_logins(self) -> None:
        for role, username, *_ in STAFF:
            self.stdout.write(f"{role}: {username} / {DEMO_PASSWORD}")
        patients = Patient.objects.filter(clinic__name=CLINIC_NAME).select_related("user")
        for patient in patients.order_by("user__date_joined"):
            self.stdout.write(f"patient: {patient.user.username} / {DEMO_PASSWORD}")
        self.stdout.write(
            "Staff also need a 6-digit code after the password. To get the current one:\n"
            "  .venv/bin/python manage.py demo_code USERNAME"
        )


def _plan_on(plan, day: datetime.date):
    """The plan a walk on `day` was walked on: from its start to its end, if it ended."""
    if plan is None or day < plan.start_date or (plan.ended_on and day > plan.ended_on):
        return None
    return plan
