"""Replays the red-flag rules over the stored reports and prints the alert burden.

    python manage.py alert_burden                       # every clinic, its own thresholds
    python manage.py alert_burden --clinic "North"      # one clinic
    python manage.py alert_burden --set flare_rise=3    # what a change of threshold would do

Reads only; nothing is flagged. See patients/safety/burden.py for what is counted.
"""

import argparse
import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patients.choices import Rule, Severity
from patients.models import Clinic, MorningCheck, MorningFeeling, Patient, SymptomCheckIn, WalkLog
from patients.safety.burden import Tally, Typed, replay_patient, thresholds_with
from patients.safety.inputs import check_in_report, walk_report
from patients.safety.rules import Baseline, Thresholds
from programs.models import PlanAssignment

CHUNK = 500
# The columns the rules read, so a million walks load no more than they need.
WALK_INPUTS = [
    "patient_id",
    "created_at",
    "walked_on",
    "pain_after",
    "pain_character",
    "pain_areas",
    "pain_side",
]
CHECK_IN_INPUTS = [
    "patient_id",
    "created_at",
    "reported_on",
    "pain_now",
    "pain_character",
    "pain_areas",
    "pain_side",
    "hard_to_function",
    "serious_symptoms",
    "says_flare",
    "from_walk_form",
]
TUNABLE = set(Thresholds.__dataclass_fields__)
# Where a threshold's name differs from the clinic setting that bounds it.
CLINIC_FIELDS = {"severe_pain": "severe_pain_threshold"}


def days_to_resolve(text: str) -> float:
    try:
        days = float(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError("a number of days, like 1 or 0.5") from error
    if not 0 < days <= 365:  # also refuses nan and inf
        raise argparse.ArgumentTypeError("more than 0 and at most 365 days")
    return days


class Command(BaseCommand):
    help = "Count the flags the rules raise per 100 patient-weeks, by rule and severity."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="Only this clinic (its name).")
        parser.add_argument(
            "--resolve-after-days",
            type=days_to_resolve,
            default=1,
            help="Take each flag as resolved this long after it was raised (default 1, up to 365).",
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help=f"Try a threshold instead of the clinic's: {', '.join(sorted(TUNABLE))}.",
        )

    def handle(self, *args, clinic=None, resolve_after_days=1, set=(), **options):
        overrides = self.overrides(set)
        clinics = Clinic.objects.all()
        if clinic:
            clinics = clinics.filter(name=clinic)
            if not clinics.exists():
                raise CommandError(f"No clinic is called {clinic!r}.")
        tally = Tally()
        started = timezone.now()
        for each in clinics:
            self.replay_clinic(each, overrides, datetime.timedelta(days=resolve_after_days), tally)
        self.report(tally, overrides, resolve_after_days)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(f"({tally.patients:,} patients replayed in {seconds:.0f} s)")

    def overrides(self, pairs) -> dict[str, int]:
        """Thresholds to try, each within the bounds a clinic may set it to."""
        overrides = {}
        for pair in pairs:
            name, _, value = pair.partition("=")
            if name not in TUNABLE or not (value.isascii() and value.isdigit()):
                raise CommandError(f"--set takes NAME=NUMBER, NAME one of {sorted(TUNABLE)}.")
            field = Clinic._meta.get_field(CLINIC_FIELDS.get(name, name))
            try:
                field.run_validators(int(value))
            except ValidationError as error:
                raise CommandError(f"--set {name}: {' '.join(error.messages)}") from error
            overrides[name] = int(value)
        return overrides

    def replay_clinic(self, clinic, overrides, resolve_after, tally: Tally) -> None:
        limits = thresholds_with(clinic, overrides)
        today = clinic.today()
        patient_ids = list(
            Patient.objects.filter(clinic=clinic).order_by("pk").values_list("pk", flat=True)
        )
        for start in range(0, len(patient_ids), CHUNK):
            chunk = patient_ids[start : start + CHUNK]
            patients = Patient.objects.filter(pk__in=chunk).select_related("clinic")
            reports, walk_days = self.reports(chunk)
            # The first plan's start: later ones arrive first, so the first is kept.
            starts = dict(
                PlanAssignment.objects.filter(patient_id__in=chunk)
                .order_by("patient_id", "-start_date")
                .values_list("patient_id", "start_date")
            )
            for patient in patients:
                baseline = Baseline.of(patient)
                baseline = Baseline(**{**baseline.__dict__, "limits": limits})
                tally.patients += 1
                tally.patient_weeks += max(1, (today - patient.enrolled_on).days) / 7
                replay_patient(
                    baseline,
                    reports[patient.pk],
                    resolve_after=resolve_after,
                    walk_days=walk_days[patient.pk],
                    plan_started=starts.get(patient.pk),
                    last_day=today,
                    zone=clinic.zone,
                    tally=tally,
                )

    def reports(self, chunk):
        """Every live walk, next-morning answer and check-in of these patients, as typed."""
        reports, walk_days = defaultdict(list), defaultdict(list)
        # Reports are made into rule inputs by the same code as on every save.
        walks = WalkLog.objects.live().filter(patient_id__in=chunk).only(*WALK_INPUTS)
        for log in walks.iterator(chunk_size=5000):
            reports[log.patient_id].append(Typed(at=log.created_at, report=walk_report(log)))
            walk_days[log.patient_id].append(log.walked_on)
        mornings = MorningCheck.objects.filter(
            walk_log__patient_id__in=chunk, walk_log__deleted_at__isnull=True
        )
        for patient, at, day, before, pain, feeling in mornings.values_list(
            "walk_log__patient_id",
            "created_at",
            "walk_log__walked_on",
            "walk_log__pain_before",
            "pain_now",
            "feeling",
        ).iterator(chunk_size=5000):
            reports[patient].append(
                Typed(
                    at=at,
                    morning_of=day,
                    pain_before_walk=before,
                    morning_pain=pain,
                    settled=feeling == MorningFeeling.USUAL,
                )
            )
        check_ins = SymptomCheckIn.objects.filter(patient_id__in=chunk).only(*CHECK_IN_INPUTS)
        for check_in in check_ins.iterator(chunk_size=5000):
            reports[check_in.patient_id].append(
                Typed(
                    at=check_in.created_at,
                    report=check_in_report(check_in),
                    from_walk_form=check_in.from_walk_form,
                )
            )
        return reports, walk_days

    def report(self, tally: Tally, overrides, resolve_after_days) -> None:
        write = self.stdout.write
        settings = ", ".join(f"{name}={value}" for name, value in overrides.items())
        write(
            f"Alert burden over {tally.patients:,} patients, {tally.patient_weeks:,.0f} "
            f"patient-weeks; flags taken as resolved after {resolve_after_days:g} day(s)"
            + (f"; trying {settings}" if settings else "")
        )
        write(f"{'rule':28} {'severity':9} {'flags':>8} {'per 100 patient-weeks':>22}")
        total = 0
        for rule in Rule:
            for severity in Severity:
                count = tally.flags.get((rule.value, severity.value), 0)
                if count:
                    total += count
                    per = tally.per_100_weeks(count)
                    write(f"{rule.label:28} {severity.label:9} {count:>8,} {per:>22.2f}")
        write(f"{'all flags':38} {total:>8,} {tally.per_100_weeks(total):>22.2f}")
        rows = tally.queue_rows
        write(f"{'queue rows (grouped)':38} {rows:>8,} {tally.per_100_weeks(rows):>22.2f}")
        for cause, count in tally.flare_causes.most_common():
            write(f"{'  flare: ' + cause:38} {count:>8,} {tally.per_100_weeks(count):>22.2f}")
