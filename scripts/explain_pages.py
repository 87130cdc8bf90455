"""Runs the busy pages once in-process and EXPLAINs every SELECT they send (PostgreSQL).

Made for the dataset from generate_data: the clinician dashboard of clinic 1, a patient's
record there, the reviewer's report and its CSV export, and a patient saving a walk (rolled
back). Each SELECT is run again under EXPLAIN ANALYZE; a sequential scan of a big table
fails the check, except where the page reads (nearly) the whole table on purpose: the
network-wide export of every flag.
"""

import json
import uuid

# isort: off
import scripts.django_setup  # noqa: F401  (before anything that needs Django)
# isort: on

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse

from patients.models import Flag, Patient
from patients.security import access
from patients.views.report_flags import csv_queryset
from tests.factories import sign_in

User = get_user_model()


# A sequential scan of these, or of any table over BIG_ROWS rows, fails the check. Smaller
# tables (accounts, plans: one row per patient) are reported: at 1,000 of 20,000 rows the
# planner rightly prefers one pass and a hash join to a thousand index probes.
CORE_TABLES = {"patients_walklog", "patients_flag", "patients_patient", "patients_symptomcheckin"}
BIG_ROWS = 100_000
# (page, table): reading every row is the point, so a sequential scan is the right plan.
WHOLE_TABLE_READS = {
    # Adherence over every clinic reads every plan's stages and first twelve weeks of walks:
    # most of both tables, which a sequential scan reads fastest (docs/performance.md).
    ("outcomes CSV, every clinic", "patients_walklog"),
    ("outcomes CSV, every clinic", "programs_assignedstage"),
    ("outcomes, every clinic", "patients_walklog"),
    ("outcomes, every clinic", "programs_assignedstage"),
    ("report CSV, every clinic", "patients_flag"),
    ("report CSV, every clinic", "patients_patient"),
    ("report, every clinic", "patients_flag"),
    ("report, every clinic", "patients_patient"),
}


def seq_scans(plan: dict) -> set[str]:
    found = set()
    if plan.get("Node Type") == "Seq Scan":
        found.add(plan.get("Relation Name", "?"))
    for child in plan.get("Plans", []):
        found |= seq_scans(child)
    return found


class Command(BaseCommand):
    help = (
        "EXPLAIN ANALYZE the queries of the busy pages; fail on a sequential scan of a big table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--verbose-plans", action="store_true", help="Print every plan.")

    def handle(self, *args, verbose_plans: bool = False, **options):
        if connection.vendor != "postgresql":
            raise CommandError("explain_pages needs PostgreSQL.")
        setup_test_environment()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > %s",
                [BIG_ROWS],
            )
            self.big_tables = {name for (name,) in cursor.fetchall()} | CORE_TABLES
            cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > 1000")
            self.watched = {name for (name,) in cursor.fetchall()}
        clinician = User.objects.get(username="clinician-01-01")
        clinic_id = clinician.memberships.get().clinic_id
        patient = (
            Patient.objects.filter(clinic_id=clinic_id)
            .annotate(n=Count("walk_logs"))
            .order_by("-n")
            .select_related("user")
            .first()
        )
        pages = [
            ("dashboard", clinician, "get", reverse("staff_home"), None),
            (
                "patient record",
                clinician,
                "get",
                reverse("patient_record", args=[patient.pk]),
                None,
            ),
            ("report, one clinic", "reviewer-01", "get", reverse("flag_report"), None),
            ("report CSV, one clinic", "reviewer-01", "get", reverse("flag_report_csv"), None),
            ("report, every clinic", "reviewer-all", "get", reverse("flag_report"), None),
            ("report CSV, every clinic", "reviewer-all", "get", reverse("flag_report_csv"), None),
            ("outcomes, one clinic", "reviewer-01", "get", reverse("outcome_report"), None),
            ("outcomes, every clinic", "reviewer-all", "get", reverse("outcome_report"), None),
            (
                "outcomes CSV, every clinic",
                "reviewer-all",
                "get",
                reverse("outcome_report_csv"),
                None,
            ),
            ("patient week", patient.user, "get", reverse("patient_week"), None),
            ("patient history", patient.user, "get", reverse("history"), None),
            ("walk save", patient.user, "post", reverse("walk_new"), self.walk_form(patient)),
        ]
        failures = []
        self.stdout.write(f"{'page':28} {'queries':>7} {'ms in SQL':>9}  sequential scans")
        for name, user, method, url, data in pages:
            if isinstance(user, str):
                user = User.objects.get(username=user)
            queries, total, scans = self.explain(user, method, url, data, verbose_plans)
            allowed = {table for table in scans if (name, table) in WHOLE_TABLE_READS}
            bad = sorted(table for table in scans - allowed if table in self.big_tables)
            small = sorted(scans - allowed - set(bad))
            note = ", ".join(
                [f"{table} (BAD)" for table in bad]
                + [f"{table} (whole table)" for table in sorted(allowed)]
                + [f"{table} (small table)" for table in small]
            )
            self.stdout.write(f"{name:28} {queries:>7} {total:>9.1f}  {note or 'none'}")
            failures += [f"{name}: {table}" for table in bad]
        if failures:
            raise CommandError("Sequential scans of big tables: " + "; ".join(failures))
        self.stdout.write("EXPLAIN check passed: index scans on every big table.")

    def walk_form(self, patient) -> dict:
        return {
            "submission": str(uuid.uuid4()),
            "walked_on": patient.clinic.today().isoformat(),
            "minutes": "12",
            "terrain": "flat",
            "pain_before": "3",
            "pain_after": "4",
            "pain_areas": ["lower_back"],
            "stopped_early": "no",
        }

    def explain(self, user, method, url, data, verbose_plans) -> tuple[int, float, set[str]]:
        client = Client()
        # As a browser is after the sign-in pages: staff past their second factor.
        sign_in(client, user)
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                response = getattr(client, method)(url, data) if data else client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
            # A page read answers 200: a redirect (to the second factor, say) is not the page.
            if response.status_code != (200 if method == "get" else 302):
                raise CommandError(f"{url} answered {response.status_code}")
            total, scans, count = 0.0, set(), 0
            sqls = [query["sql"] for query in captured.captured_queries]
            if url == reverse("flag_report_csv"):
                # The export streams through a server-side cursor, which the capture misses.
                scope = access.clinic_ids(user, access.REPORT_ROLES)
                rows = csv_queryset(Flag.objects.in_clinics(scope))
                with connection.cursor() as cursor:
                    sqls.append(cursor.mogrify(*rows.query.sql_with_params()))
            for sql in sqls:
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                count += 1
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
                    (result,) = cursor.fetchone()
                plan = (json.loads(result) if isinstance(result, str) else result)[0]
                total += plan["Execution Time"]
                found = seq_scans(plan["Plan"]) & self.watched
                scans |= found
                if verbose_plans or found & self.big_tables:
                    self.stdout.write(f"  {plan['Execution Time']:.1f} ms: {sql[:300]}")
                    if verbose_plans:
                        self.stdout.write(json.dumps(plan["Plan"], indent=1)[:3000])
            transaction.set_rollback(True)
        return count, total, scans


if __name__ == "__main__":
    import sys

    Command().run_from_argv(["python -m scripts", "explain_pages", *sys.argv[1:]])
