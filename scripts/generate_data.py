"""Fills an empty database with a large, realistic dataset for load tests and query plans.

Rows go in with PostgreSQL's COPY (a plain multi-row INSERT elsewhere), in chunks of
patients, so a million walk logs take a minute or two and memory stays flat. Everything
the pages read is made the way the app would have made it: accounts and memberships,
patients with baselines, plans copied from the standard template with their stage
history, walks with pain drifting over months, next-morning checks, check-ins, flags
open, acknowledged and resolved with their events, and alert emails (a few failed).

Every account shares one password (hashed once), so this refuses a database that
already has patients unless --force is given. Not for a production database.

Names the benchmark relies on: clinic 1 holds --focus-patients patients;
clinician-01-01 works there; reviewer-01 reviews clinic 1 only and reviewer-all every
clinic; patients are patient-00001@example.org onwards, clinic 1's first.
"""

import bisect
import datetime
import itertools
import json
import math
import random
import secrets
import time
import uuid
import zoneinfo

# isort: off
import scripts.django_setup  # noqa: F401  (before anything that needs Django)
# isort: on

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.choices import (
    BodyArea,
    Effort,
    PainCharacter,
    Rule,
    SeriousSymptom,
    Severity,
    Side,
    Terrain,
)
from patients.models import (
    WALK_LOG_FIELDS,
    Clinic,
    DeliveryState,
    Flag,
    FlagAction,
    FlagEvent,
    FlagEventKind,
    FlagStatus,
    LegSymptoms,
    MorningCheck,
    MorningFeeling,
    Notification,
    NotificationKind,
    Patient,
    StaffMembership,
    StaffRole,
    SymptomCheckIn,
    WalkLog,
)
from programs.models import (
    AssignedStage,
    PlanAssignment,
    PlanStatus,
    PlanTemplate,
    StageChange,
    StageChangeKind,
)

User = get_user_model()

DEFAULT_PASSWORD = "stepwise-load-test"
STANDARD_TEMPLATE = "Standard graded walking plan"
CHUNK_PATIENTS = 500
# Generated clinics keep the default time zone; a check-in is about the day it was made there.
CLINIC_ZONE = zoneinfo.ZoneInfo(Clinic._meta.get_field("timezone").default)

FULL = {
    "clinics": 20,
    "clinicians": 200,
    "patients": 20_000,
    "walks": 1_000_000,
    "check_ins": 100_000,
    "flags": 50_000,
    "focus_patients": 1_000,
}
SMALL = {
    "clinics": 3,
    "clinicians": 30,  # ten a clinic, as at full size: one per virtual clinician
    "patients": 300,
    "walks": 15_000,
    "check_ins": 1_500,
    "flags": 750,
    "focus_patients": 100,
}

FIRST_NAMES = [
    "Aisha",
    "Alex",
    "Amir",
    "Ana",
    "Ben",
    "Carla",
    "Chen",
    "David",
    "Elena",
    "Emma",
    "Femi",
    "Grace",
    "Hana",
    "Ivan",
    "Jack",
    "Jana",
    "Kofi",
    "Laila",
    "Leo",
    "Maria",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Ravi",
    "Rosa",
    "Sam",
    "Sara",
    "Tom",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Ahmed",
    "Brown",
    "Chen",
    "Clarke",
    "Davies",
    "Evans",
    "Garcia",
    "Green",
    "Hall",
    "Hughes",
    "Jones",
    "Khan",
    "Kowalski",
    "Lee",
    "Lopez",
    "Martin",
    "Murphy",
    "Nguyen",
    "Novak",
    "Okafor",
    "Patel",
    "Roberts",
    "Rossi",
    "Shah",
    "Silva",
    "Smith",
    "Taylor",
    "Thomas",
    "Walker",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wright",
    "Young",
]
GOALS = [
    "Walk to the shops and back.",
    "Walk the dog every day.",
    "Play nine holes of golf again.",
    "Walk my grandchildren to school.",
    "Get back to hill walking.",
    "",
]

# rule: (share of flags, severity, summary)
RULES = {
    Rule.NO_ACTIVITY: (0.24, Severity.INFO, "No walk logged for 7 days on an active plan."),
    Rule.FLARE: (0.15, Severity.REVIEW, "Pain 2 points above usual on two days, not settling."),
    Rule.SEVERE_PAIN: (0.10, Severity.REVIEW, "Pain 8 of 10, 3 points above usual."),
    Rule.WALK_PROVOKED: (0.10, Severity.REVIEW, "Pain after a walk still up the next morning."),
    Rule.NEW_NERVE: (0.10, Severity.REVIEW, "New pins and needles in the left thigh."),
    Rule.OVERUSE: (0.10, Severity.INFO, "New knee pain on walks."),
    Rule.SPREADING: (0.08, Severity.REVIEW, "Pain now spreading below the knee."),
    Rule.KNOWN_PATTERN: (0.03, Severity.REVIEW, "Known both-leg walking pattern is back."),
    Rule.WEAKNESS_OR_FALL: (0.04, Severity.SAME_DAY, "A fall on a walk."),
    Rule.SYSTEMIC: (0.02, Severity.SAME_DAY, "Feeling unwell with fever and back pain."),
    Rule.WEAKNESS: (0.01, Severity.URGENT, "Weakness getting worse in the right leg."),
    Rule.BOTH_LEGS: (0.015, Severity.URGENT, "New tingling in both legs."),
    Rule.CAUDA_EQUINA: (0.01, Severity.URGENT, "New numbness around the bottom."),
    Rule.CHEST: (0.005, Severity.URGENT, "Breathless and dizzy on a walk."),
}
ALERTED = {Severity.URGENT, Severity.SAME_DAY}


def clamp(value: float, low: int = 0, high: int = 10) -> int:
    return max(low, min(high, round(value)))


COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value in COPY's text format (much faster than adapting row by row)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def fast_uuid(rng: random.Random) -> uuid.UUID:
    """A version 4 UUID from the seeded generator: repeatable, and no system call each."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class Sink:
    """Writes rows of plain values into a model's table: COPY on PostgreSQL, INSERT elsewhere."""

    def __init__(self):
        self.counts: dict[str, int] = {}

    def write(self, model, attnames: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        fields = [model._meta.get_field(name) for name in attnames]
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                as_json = [isinstance(field, models.JSONField) for field in fields]
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    lines = []
                    for row in rows:
                        lines.append(
                            "\t".join(
                                copy_text(json.dumps(value) if is_json else value)
                                for value, is_json in zip(row, as_json, strict=True)
                            )
                        )
                        if len(lines) == 5000:
                            copy.write("\n".join(lines) + "\n")
                            lines = []
                    if lines:
                        copy.write("\n".join(lines) + "\n")
            else:
                marks = ", ".join(["%s"] * len(fields))
                prepared = [
                    [
                        field.get_db_prep_save(value, connection)
                        for field, value in zip(fields, row, strict=True)
                    ]
                    for row in rows
                ]
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", prepared)
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + len(rows)


class Command(BaseCommand):
    help = (
        "Fill an empty database with a large realistic dataset (bulk inserts; not for production)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--small", action="store_true", help="A quick small preset.")
        for name, default in FULL.items():
            parser.add_argument(
                f"--{name.replace('_', '-')}", type=int, default=None, help=f"Default {default}."
            )
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--totp-key",
            default=None,
            help="Hex key of every staff account's authenticator (default: random, printed), "
            "so a load generator can compute their two-step sign-in codes.",
        )
        parser.add_argument("--seed", type=int, default=None, help="Repeatable data.")
        parser.add_argument(
            "--force", action="store_true", help="Add to a database that already has patients."
        )

    def handle(self, *args, **options):
        sizes = dict(SMALL if options["small"] else FULL)
        for name in sizes:
            if options[name] is not None:
                sizes[name] = options[name]
        if sizes["clinics"] < 1 or sizes["clinicians"] < sizes["clinics"]:
            raise CommandError("Give at least one clinic and one clinician per clinic.")
        if sizes["patients"] < sizes["clinics"]:
            raise CommandError("Give at least one patient per clinic.")
        sizes["focus_patients"] = min(sizes["focus_patients"], sizes["patients"])
        if Patient.objects.exists() and not options["force"]:
            raise CommandError(
                "The database already has patients. This command gives every account it makes "
                "the same password, so it only fills an empty database (or use --force)."
            )
        self.rng = random.Random(options["seed"])
        self.sink = Sink()
        self.now = timezone.now()
        self.today = self.now.date()
        started = time.monotonic()
        with transaction.atomic():
            self.totp_key = options["totp_key"] or secrets.token_hex(20)
            self.generate(sizes, make_password(options["password"]))
            self.reset_sequences()
        if connection.vendor == "postgresql":
            # Fresh statistics and visibility maps, so plans are the ones a live system gets.
            # (VACUUM cannot run inside a transaction, as under a test; ANALYZE can.)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        elapsed = time.monotonic() - started
        for label, count in sorted(self.sink.counts.items()):
            self.stdout.write(f"{label}: {count:,} rows")
        self.stdout.write(f"Generated in {elapsed:.1f} s. Every account's password: ")
        self.stdout.write(options["password"])
        self.stdout.write(f"Every staff authenticator's key (hex): {self.totp_key}")

    # ---- accounts, clinics, patients -------------------------------------------------

    def next_id(self, model) -> int:
        return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1

    def generate(self, sizes: dict, password_hash: str) -> None:
        rng = self.rng
        self.template = PlanTemplate.objects.get(name=STANDARD_TEMPLATE, clinic=None)
        self.stages = list(self.template.stages.order_by("position"))
        if not self.stages:
            raise CommandError("The standard template has no stages; run migrate first.")

        clinics = [
            Clinic.objects.create(
                name=f"Clinic {number:02d} (generated)",
                alert_email=f"alerts-{number:02d}@example.org",
                escalation_email=f"lead-{number:02d}@example.org",
            ).pk
            for number in range(1, sizes["clinics"] + 1)
        ]
        user_id = self.next_id(User)
        users, memberships = [], []
        joined = self.now - datetime.timedelta(days=400)

        def account(username, first, last, *, staff):
            nonlocal user_id
            users.append(
                (
                    user_id,
                    password_hash,
                    False,
                    username,
                    first,
                    last,
                    username if "@" in username else f"{username}@example.org",
                    staff,
                    True,
                    joined,
                )
            )
            user_id += 1
            return user_id - 1

        # Staff: clinicians spread over the clinics, a reviewer per clinic, one for all.
        self.clinicians: dict[int, list[int]] = {pk: [] for pk in clinics}
        per_clinic = sizes["clinicians"] // len(clinics)
        extra = sizes["clinicians"] % len(clinics)
        for number, clinic in enumerate(clinics, start=1):
            for k in range(1, per_clinic + (number <= extra) + 1):
                pk = account(
                    f"clinician-{number:02d}-{k:02d}",
                    rng.choice(FIRST_NAMES),
                    rng.choice(LAST_NAMES),
                    staff=True,
                )
                self.clinicians[clinic].append(pk)
                memberships.append((pk, clinic, StaffRole.CLINICIAN, joined))
            pk = account(f"reviewer-{number:02d}", "Review", f"Lead {number:02d}", staff=True)
            memberships.append((pk, clinic, StaffRole.REVIEWER, joined))
        reviewer_all = account("reviewer-all", "Network", "Reviewer", staff=True)
        memberships += [(reviewer_all, clinic, StaffRole.REVIEWER, joined) for clinic in clinics]

        # Patients: clinic 1 holds the focus patients, the rest share the other clinics.
        counts = [sizes["focus_patients"]]
        rest = sizes["patients"] - counts[0]
        others = len(clinics) - 1
        if others:
            counts += [rest // others + (i < rest % others) for i in range(others)]
        else:
            counts[0] += rest
        self.patients = []  # (id, user id, clinic, clinician, enrolled_on, usual pain)
        patient_rows = []
        number = 0
        for clinic, count in zip(clinics, counts, strict=True):
            for _ in range(count):
                number += 1
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                user = account(f"patient-{number:05d}@example.org", first, last, staff=False)
                patient_rows.append(self.patient_row(user, clinic))
        self.sink.write(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            users,
        )
        self.sink.write(
            StaffMembership, ["user_id", "clinic_id", "role", "created_at"], memberships
        )
        # Staff always pass two-step sign-in; theirs share one known key (generated data
        # only: real staff each set up their own app).
        staff_ids = sorted({membership[0] for membership in memberships})
        TOTPDevice.objects.bulk_create(
            TOTPDevice(user_id=pk, name="Authenticator app", confirmed=True, key=self.totp_key)
            for pk in staff_ids
        )
        self.sink.write(Patient, self.PATIENT_FIELDS, patient_rows)
        self.stdout.write(f"{len(users):,} accounts and {len(patient_rows):,} patients")

        # Walks per patient follow their weeks enrolled and a personal rate, scaled to the total.
        weights = [max(1, (self.today - p[4]).days) * rng.uniform(1.5, 4.5) for p in self.patients]
        scale = sizes["walks"] / sum(weights)
        walk_counts = self.spread(weights, scale, sizes["walks"])
        check_in_counts = self.spread(
            [1 + 0.5 * (p[5] >= 5) for p in self.patients],
            sizes["check_ins"] / sum(1 + 0.5 * (p[5] >= 5) for p in self.patients),
            sizes["check_ins"],
        )
        self.plans: dict[uuid.UUID, tuple] = {}
        for start in range(0, len(self.patients), CHUNK_PATIENTS):
            chunk = range(start, min(start + CHUNK_PATIENTS, len(self.patients)))
            self.plans_and_walks(chunk, walk_counts, check_in_counts)
        self.stdout.write("plans, walks, next-morning checks and check-ins written")
        self.flags(sizes["flags"])

    PATIENT_FIELDS = [
        "id",
        "user_id",
        "clinic_id",
        "clinician_id",
        "enrolled_on",
        "usual_pain",
        "leg_symptoms",
        "leg_symptoms_below_knee",
        "known_nerve_symptoms",
        "known_walking_pattern",
        "known_joint_pain",
        "past_cancer",
        "steroid_or_immunosuppressant",
        "osteoporosis",
        "iv_drug_use",
        "cleared_to_exercise",
        "goal",
        "phone",
        "pending_email",
        "language",
        "created_at",
        "updated_at",
    ]

    def patient_row(self, user: int, clinic: int) -> tuple:
        rng = self.rng
        pk = fast_uuid(rng)
        clinician = rng.choice(self.clinicians[clinic])
        enrolled = self.today - datetime.timedelta(days=rng.randint(10, 365))
        usual = rng.choices(range(1, 8), weights=[4, 10, 16, 16, 10, 5, 2])[0]
        legs = rng.choices(list(LegSymptoms), weights=[60, 15, 15, 10])[0]
        nerve = (
            [rng.choice(["pins_and_needles", "numbness", "burning"])] if rng.random() < 0.15 else []
        )
        enrolled_at = datetime.datetime.combine(enrolled, datetime.time(10), datetime.UTC)
        self.patients.append((pk, user, clinic, clinician, enrolled, usual))
        return (
            pk,
            user,
            clinic,
            clinician,
            enrolled,
            usual,
            legs,
            legs != LegSymptoms.NONE and rng.random() < 0.3,
            nerve,
            legs == LegSymptoms.BOTH and rng.random() < 0.5,
            ["knee"] if rng.random() < 0.1 else [],
            rng.random() < 0.03,
            rng.random() < 0.05,
            rng.random() < 0.06,
            rng.random() < 0.01,
            rng.random() < 0.95,
            rng.choice(GOALS),
            f"+447400{rng.randrange(1_000_000):06d}",
            "",
            # One patient in ten reads Spanish; counted, not drawn, so the rest of the data
            # is what the same seed always made.
            "es" if len(self.patients) % 10 == 0 else "en-gb",
            enrolled_at,
            enrolled_at,
        )

    def spread(self, weights: list[float], scale: float, total: int) -> list[int]:
        counts = [math.floor(weight * scale) for weight in weights]
        short = total - sum(counts)
        for index in self.rng.sample(range(len(counts)), min(short, len(counts))):
            counts[index] += 1
        return counts

    # ---- plans, walks, next-morning checks, check-ins --------------------------------

    def plans_and_walks(self, chunk, walk_counts, check_in_counts) -> None:
        rng, today = self.rng, self.today
        plans, stages, changes, walks, mornings, check_ins = [], [], [], [], [], []
        for index in chunk:
            pk, _user, _clinic, clinician, enrolled, usual = self.patients[index]
            start = min(today, enrolled + datetime.timedelta(days=rng.randint(0, 7)))
            plan_id = fast_uuid(rng)
            # Advance through the stages on schedule, now and then holding a stage.
            moves = [(start, 1)]
            when, position = start, 1
            while position < len(self.stages):
                when += datetime.timedelta(
                    weeks=self.stages[position - 1].weeks + (rng.random() < 0.3)
                )
                if when > today:
                    break
                position += 1
                moves.append((when, position))
            status = rng.choices(
                [PlanStatus.ACTIVE, PlanStatus.PAUSED, PlanStatus.ENDED], weights=[86, 8, 6]
            )[0]
            paused_on = (
                today - datetime.timedelta(days=rng.randint(1, 20)) if status == "paused" else None
            )
            if paused_on is not None and paused_on < moves[-1][0]:
                paused_on = moves[-1][0]
            ended_on = (self.now - datetime.timedelta(days=3)).date() if status == "ended" else None
            created = datetime.datetime.combine(start, datetime.time(11), datetime.UTC)
            plans.append(
                (
                    plan_id,
                    pk,
                    self.template.pk,
                    self.template.name,
                    start,
                    status,
                    position,
                    moves[-1][0],
                    paused_on,
                    ended_on,
                    False,
                    clinician,
                    created,
                    created,
                )
            )
            stages += [
                (plan_id, *(getattr(stage, field) for field in self.STAGE_COPY))
                for stage in self.stages
            ]
            changes.append(
                (plan_id, StageChangeKind.START, None, 1, "Plan assigned.", clinician, created)
            )
            for (_was, before), (moved, after) in itertools.pairwise(moves):
                at = datetime.datetime.combine(moved, datetime.time(9), datetime.UTC)
                changes.append(
                    (
                        plan_id,
                        StageChangeKind.ADVANCE,
                        before,
                        after,
                        "Stage complete on green.",
                        clinician,
                        at,
                    )
                )
            if paused_on is not None:
                at = datetime.datetime.combine(paused_on, datetime.time(9), datetime.UTC)
                changes.append(
                    (
                        plan_id,
                        StageChangeKind.PAUSE,
                        position,
                        position,
                        "Flare; resting.",
                        clinician,
                        at,
                    )
                )
            if status == PlanStatus.ENDED:
                changes.append(
                    (
                        plan_id,
                        StageChangeKind.END,
                        position,
                        position,
                        "Discharged.",
                        clinician,
                        self.now - datetime.timedelta(days=3),
                    )
                )
            last_day = paused_on or (
                today - datetime.timedelta(days=4) if status == "ended" else today
            )
            self.plans[pk] = (plan_id, status)
            walks_i, mornings_i = self.walks_for(
                pk, plan_id, usual, start, last_day, moves, walk_counts[index]
            )
            walks += walks_i
            mornings += mornings_i
            check_ins += self.check_ins_for(pk, usual, enrolled, check_in_counts[index])
        self.sink.write(PlanAssignment, self.PLAN_FIELDS, plans)
        self.sink.write(AssignedStage, ["assignment_id", *self.STAGE_COPY], stages)
        # None of them was made against a red light.
        self.sink.write(
            StageChange,
            [*self.CHANGE_FIELDS, "against_warning"],
            [(*change, False) for change in changes],
        )
        self.sink.write(WalkLog, self.WALK_FIELDS, walks)
        self.sink.write(MorningCheck, self.MORNING_FIELDS, mornings)
        # Nobody took back a "yes" in the generated data.
        self.sink.write(
            SymptomCheckIn,
            [*self.CHECK_IN_FIELDS, "serious_later_no"],
            [(*check_in, []) for check_in in check_ins],
        )

    PLAN_FIELDS = [
        "id",
        "patient_id",
        "source_template_id",
        "name",
        "start_date",
        "status",
        "current_position",
        "stage_started_on",
        "paused_on",
        "ended_on",
        "automatic_progression",
        "created_by_id",
        "created_at",
        "updated_at",
    ]
    STAGE_COPY = [
        "position",
        "minutes_per_session",
        "sessions_per_week",
        "terrain",
        "weeks",
        "guidance",
        "min_sessions_to_progress",
    ]
    CHANGE_FIELDS = [
        "assignment_id",
        "kind",
        "from_position",
        "to_position",
        "reason",
        "changed_by_id",
        "changed_at",
    ]
    WALK_FIELDS = [
        "id",
        "patient_id",
        "assignment_id",
        "stage_position",
        *WALK_LOG_FIELDS,  # what the patient reported, in the order the rows are built
        "submission_key",
        "created_at",
        "updated_at",
        "deleted_at",
    ]
    MORNING_FIELDS = ["id", "walk_log_id", "feeling", "pain_now", "created_at"]
    CHECK_IN_FIELDS = [
        "id",
        "patient_id",
        "reported_on",
        "pain_now",
        "pain_character",
        "pain_areas",
        "pain_side",
        "hard_to_function",
        "serious_symptoms",
        "serious_denied",
        "note",
        "symptoms_started",
        "from_walk_form",
        "submission_key",
        "created_at",
        "updated_at",
    ]

    def walks_for(self, patient, plan_id, usual, first, last, moves, count):
        """A patient's walks between two dates, with pain drifting around their usual level."""
        rng = self.rng
        days = (last - first).days + 1
        if count <= 0 or days <= 0:
            return [], []
        offsets = sorted(
            rng.sample(range(days), count) if count <= days else rng.choices(range(days), k=count)
        )
        move_days = [moved for moved, _position in moves]
        # Some improve over the months, some slowly get worse, most hover.
        drift = rng.choice([-1.5, -1.0, -0.5, 0, 0, 0, 0.5, 1.0])
        level = float(usual)
        walks, mornings = [], []
        for offset in offsets:
            walked = first + datetime.timedelta(days=offset)
            position = moves[bisect.bisect_right(move_days, walked) - 1][1]
            stage = self.stages[position - 1]
            target = usual + drift * offset / days
            level += rng.gauss(0, 0.35) + 0.15 * (target - level)
            before = clamp(level + rng.gauss(0, 0.6))
            after = clamp(before + rng.choice([-1, 0, 0, 0, 1, 1, 2]))
            leg = rng.random() < 0.15
            pk = fast_uuid(rng)
            created = min(
                self.now,
                datetime.datetime.combine(
                    walked, datetime.time(rng.randint(7, 20), rng.randint(0, 59)), datetime.UTC
                ),
            )
            minutes = clamp(rng.gauss(stage.minutes_per_session, 3), 1, 300)
            walks.append(
                (
                    pk,
                    patient,
                    plan_id,
                    position,
                    walked,
                    minutes,
                    Terrain.MIXED if stage.terrain == "mixed" and rng.random() < 0.4 else "flat",
                    before,
                    after,
                    [PainCharacter.ACHING] if rng.random() < 0.8 else [PainCharacter.STIFF],
                    [BodyArea.LOWER_BACK, BodyArea.THIGH] if leg else [BodyArea.LOWER_BACK],
                    rng.choice([Side.LEFT, Side.RIGHT]) if leg else "",
                    (stopped := rng.random() < 0.04),
                    "Pain built up." if stopped else "",
                    rng.choice([Effort.EASY, Effort.MODERATE, Effort.MODERATE, Effort.HARD]),
                    minutes * rng.randint(90, 120) if rng.random() < 0.6 else None,
                    "",
                    fast_uuid(rng),
                    created,
                    created,
                    created if rng.random() < 0.005 else None,
                )
            )
            if rng.random() < 0.45 and walked < self.today:
                worse = after > usual + 2
                feeling = rng.choices(
                    list(MorningFeeling), weights=[40, 45, 15] if worse else [85, 13, 2]
                )[0]
                mornings.append(
                    (
                        fast_uuid(rng),
                        pk,
                        feeling,
                        clamp(before + (feeling != "usual") + rng.choice([-1, 0, 0, 1])),
                        datetime.datetime.combine(
                            walked + datetime.timedelta(days=1), datetime.time(8), datetime.UTC
                        ),
                    )
                )
        return walks, mornings

    def check_ins_for(self, patient, usual, enrolled, count) -> list[tuple]:
        rng = self.rng
        span = max(
            1,
            int(
                (
                    self.now - datetime.datetime.combine(enrolled, datetime.time(), datetime.UTC)
                ).total_seconds()
            ),
        )
        rows = []
        for _ in range(count):
            at = self.now - datetime.timedelta(seconds=rng.randrange(span))
            serious = ["fall"] if rng.random() < 0.01 else []
            rows.append(
                (
                    fast_uuid(rng),
                    patient,
                    at.astimezone(CLINIC_ZONE).date(),
                    clamp(usual + rng.gauss(0.5, 1.5)),
                    [PainCharacter.ACHING],
                    [BodyArea.LOWER_BACK],
                    "",
                    rng.random() < 0.03,
                    serious,
                    [symptom.value for symptom in SeriousSymptom if symptom not in serious],
                    "",
                    "",
                    False,
                    fast_uuid(rng),
                    at,
                    at,
                )
            )
        return rows

    # ---- flags, their events and notifications ---------------------------------------

    FLAG_FIELDS = [
        "id",
        "patient_id",
        "rule",
        "severity",
        "status",
        "summary",
        "high_priority",
        "opened_at",
        "last_evidence_at",
        "acknowledged_at",
        "acknowledged_by_id",
        "resolved_at",
        "resolved_by_id",
        "resolution_action",
        "resolution_note",
        "escalated_at",
    ]
    EVENT_FIELDS = ["flag_id", "kind", "severity", "summary", "evidence", "by_id", "at"]
    NOTIFICATION_FIELDS = [
        "flag_id",
        "kind",
        "recipient",
        "state",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    ]

    def flags(self, total: int) -> None:
        rng = self.rng
        rules = list(RULES)
        shares = [RULES[rule][0] for rule in rules]
        # Patients in more pain have more flags.
        weights = list(itertools.accumulate(1 + max(0, p[5] - 3) for p in self.patients))
        rule_weights = list(itertools.accumulate(shares))
        unresolved: set[tuple] = set()
        flags, events, notes = [], [], []
        for made in range(total):
            pk, _user, clinic, clinician, enrolled, _usual = rng.choices(
                self.patients, cum_weights=weights
            )[0]
            rule = rng.choices(rules, cum_weights=rule_weights)[0]
            _share, severity, summary = RULES[rule]
            span = self.now - datetime.datetime.combine(enrolled, datetime.time(), datetime.UTC)
            # Recent flags are more often still being worked on.
            opened = self.now - span * rng.random() ** 1.5
            age = self.now - opened
            if age < datetime.timedelta(days=7):
                status = rng.choices(list(FlagStatus), weights=[40, 30, 30])[0]
            else:
                status = rng.choices(list(FlagStatus), weights=[1, 2, 97])[0]
            if status != FlagStatus.RESOLVED:
                if (pk, rule) in unresolved:
                    status = FlagStatus.RESOLVED
                else:
                    unresolved.add((pk, rule))
            quick = severity in ALERTED
            ack = resolved = escalated = None
            action = note = ""
            if status != FlagStatus.OPEN:
                minutes = rng.lognormvariate(math.log(40 if quick else 600), 1.0)
                ack = min(self.now, opened + datetime.timedelta(minutes=minutes))
                if quick and minutes > 60:
                    escalated = opened + datetime.timedelta(minutes=60)
            if status == FlagStatus.RESOLVED:
                resolved = min(self.now, ack + datetime.timedelta(hours=rng.uniform(0.2, 72)))
                action = rng.choice(list(FlagAction))
                note = "Spoke to the patient; plan adjusted."
            flag_id = fast_uuid(rng)
            by = clinician if status != FlagStatus.OPEN else None
            flags.append(
                (
                    flag_id,
                    pk,
                    rule,
                    severity,
                    status,
                    summary,
                    rule == Rule.SEVERE_PAIN and rng.random() < 0.5,
                    opened,
                    opened,
                    ack,
                    by,
                    resolved,
                    by if resolved else None,
                    action,
                    note,
                    escalated,
                )
            )
            evidence = {"source": "walk", "new": 7, "previous": 4}
            events.append(
                (flag_id, FlagEventKind.RAISED, severity, summary, evidence, None, opened)
            )
            if ack is not None:
                events.append((flag_id, FlagEventKind.ACKNOWLEDGED, severity, "", {}, by, ack))
            if resolved is not None:
                events.append(
                    (
                        flag_id,
                        FlagEventKind.RESOLVED,
                        severity,
                        note,
                        {"action": action},
                        by,
                        resolved,
                    )
                )
            if quick:
                failed = rng.random() < 0.02
                notes.append(
                    (
                        flag_id,
                        NotificationKind.ALERT,
                        f"alerts-{clinic:02d}@example.org",
                        DeliveryState.FAILED if failed else DeliveryState.SENT,
                        1 if not failed else 5,
                        "Connection refused" if failed else "",
                        opened,
                        None if failed else opened,
                    )
                )
                if escalated is not None:
                    notes.append(
                        (
                            flag_id,
                            NotificationKind.ESCALATION,
                            f"lead-{clinic:02d}@example.org",
                            DeliveryState.SENT,
                            1,
                            "",
                            escalated,
                            escalated,
                        )
                    )
            if len(flags) >= 5000 or made == total - 1:
                self.sink.write(
                    Flag,
                    [*self.FLAG_FIELDS, "resolved_against_warning", "evidence_change"],
                    [(*flag, False, "") for flag in flags],
                )
                self.sink.write(FlagEvent, self.EVENT_FIELDS, events)
                self.sink.write(Notification, self.NOTIFICATION_FIELDS, notes)
                flags, events, notes = [], [], []

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), [User])
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


if __name__ == "__main__":
    import sys

    Command().run_from_argv(["python -m scripts", "generate_data", *sys.argv[1:]])
