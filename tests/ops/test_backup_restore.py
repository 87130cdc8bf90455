"""A nightly dump restores into a fresh database with every walk, flag and audit event.

The test runs the commands docs/operations.md gives, in its order: `pg_dump` in custom
format, `createdb`, `pg_restore`, then `manage.py migrate` and `manage.py rebuild_summaries`
against the restored database. Change one and change the other.

pg_dump is another process, so it sees only committed rows: the data is written through
the app's services in a transactional test, each service committing as it does live.
"""

import datetime
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection
from psycopg import sql
from psycopg.rows import dict_row

from patients.models import AuditEvent, Flag, FlagEvent, Notification, WalkLog
from patients.safety.engine import flag_acknowledge, flag_resolve
from patients.services.erasure import patient_erase
from programs import services
from tests.factories import answer_morning, assign, make_patient, report_check_in, report_walk

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("pg_dump", "createdb", "pg_restore")

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump and pg_restore work on PostgreSQL only; SQLite is for trying Stepwise "
    "out. CI runs this test on PostgreSQL.",
)


def postgres_tool(name: str) -> str | None:
    """As scripts/lib.sh's postgres_bin: the newest installed server's tools, else the PATH."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in Path(path).parent.name.split(".") if part.isdigit())

    for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        if os.access(Path(directory) / name, os.X_OK):
            return str(Path(directory) / name)
    return shutil.which(name)


@pytest.fixture
def tools() -> dict[str, str]:
    found = {name: postgres_tool(name) for name in TOOLS}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        message = (
            f"{', '.join(missing)} not found: PostgreSQL's client programs, in "
            "/usr/lib/postgresql/*/bin or on the PATH."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def server() -> dict[str, str]:
    """The test database's server and role, as libpq's environment variables."""
    db = connection.settings_dict
    return {
        "PGHOST": db["HOST"],
        "PGPORT": str(db["PORT"]),
        "PGUSER": db["USER"],
        "PGPASSWORD": db["PASSWORD"],
    }


def connect(server: dict[str, str], dbname: str) -> psycopg.Connection:
    return psycopg.connect(
        host=server["PGHOST"],
        port=server["PGPORT"],
        user=server["PGUSER"],
        password=server["PGPASSWORD"],
        dbname=dbname,
        autocommit=True,
        row_factory=dict_row,
    )


@pytest.fixture
def fresh(request, server):
    """The name of the database to restore into, dropped again afterwards."""
    if request.config.getoption("nomigrations"):
        pytest.skip("Restoring checks the migration records, which --nomigrations leaves out.")
    name = f"{connection.settings_dict['NAME']}_restored"
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with connect(server, connection.settings_dict["NAME"]) as admin:
        admin.execute(drop)  # left over from an interrupted run
    yield name
    with connect(server, connection.settings_dict["NAME"]) as admin:
        admin.execute(drop)


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def manage(*arguments: str, server: dict[str, str], dbname: str) -> str:
    user, password = quote(server["PGUSER"], safe=""), quote(server["PGPASSWORD"], safe="")
    url = f"postgres://{user}:{password}@{server['PGHOST']}:{server['PGPORT']}/{dbname}"
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": url}
    return run([sys.executable, "manage.py", *arguments], env)


def every_row(server: dict[str, str], dbname: str) -> dict[str, list[dict]]:
    """Every row of every table, each table's rows in a fixed order."""
    with connect(server, dbname) as db:
        tables = db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ).fetchall()
        return {
            table["tablename"]: sorted(
                db.execute(
                    sql.SQL("SELECT * FROM {}").format(sql.Identifier(table["tablename"]))
                ).fetchall(),
                key=repr,
            )
            for table in tables
        }


def populate(clinic, clinician, template) -> None:
    """A clinic's day, through the services: walks, flags raised, acted on and left open,
    alert emails, plan changes, and an erasure."""
    today = clinic.today()
    alice = make_patient(clinic, clinician, "Alice")
    plan = assign(alice, template, clinician, days_ago=10)
    walk = report_walk(alice, walked_on=today - datetime.timedelta(days=2), minutes=10)
    answer_morning(walk, "usual", pain_now=3)
    report_check_in(alice, "saddle")  # urgent: pauses the plan and emails the clinic
    urgent = Flag.objects.get(patient=alice)
    flag_acknowledge(flag=urgent, by=clinician)
    flag_resolve(flag=urgent, by=clinician, action="refer", note="Seen in clinic, referred")
    services.plan_resume(assignment=plan, by=clinician, reason="Cleared", today=today)
    nerve = {"pain_character": ["electric_shock"], "pain_areas": ["thigh"], "pain_side": "left"}
    report_walk(alice, walked_on=today - datetime.timedelta(days=1), **nerve)
    report_walk(alice, walked_on=today, **nerve)  # a review flag, left open

    bob = make_patient(clinic, clinician, "Bob")
    report_walk(bob)
    patient_erase(patient=bob, by=clinician, reason="erasure request ref 2026-114")


def dump_and_restore(tools: dict, server: dict, *, original: str, fresh: str, dump: Path) -> str:
    """docs/operations.md's backup, then its restore; returns what `migrate` said."""
    run([tools["pg_dump"], "--format=custom", "--no-owner", f"--file={dump}", original], server)
    run([tools["createdb"], f"--owner={server['PGUSER']}", fresh], server)
    restore = [
        tools["pg_restore"],
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--dbname={fresh}",
    ]
    run([*restore, str(dump)], server)
    return manage("migrate", server=server, dbname=fresh)


def pairs(rows: list[dict], *columns: str) -> set[tuple]:
    return {tuple(row[column] for column in columns) for row in rows}


@pytest.mark.django_db(transaction=True)
def test_a_dump_restored_into_a_fresh_database_holds_every_walk_flag_and_audit_event(
    tools, server, fresh, tmp_path, clinic, clinician, clinic_template
):
    clinic.alert_email = "alerts@north.example"
    clinic.save(update_fields=["alert_email"])
    populate(clinic, clinician, clinic_template)
    original = connection.settings_dict["NAME"]

    migrated = dump_and_restore(
        tools, server, original=original, fresh=fresh, dump=tmp_path / "stepwise.dump"
    )

    assert "No migrations to apply." in migrated
    restored = every_row(server, fresh)
    assert restored == every_row(server, original)
    # Not an empty match: what the clinic did is all there, by id and state.
    walks, flags = restored["patients_walklog"], restored["patients_flag"]
    events, emails = restored["patients_flagevent"], restored["patients_notification"]
    audit = restored["patients_auditevent"]
    assert pairs(walks, "id") == set(WalkLog.objects.values_list("pk"))
    assert pairs(flags, "id", "status") == set(Flag.objects.values_list("pk", "status"))
    assert pairs(flags, "status") == {("resolved",), ("open",)}
    assert pairs(events, "id", "kind") == set(FlagEvent.objects.values_list("pk", "kind"))
    assert pairs(emails, "id", "state") == set(Notification.objects.values_list("pk", "state"))
    assert pairs(emails, "state") == {("sent",)}
    assert pairs(audit, "id", "action") == set(AuditEvent.objects.values_list("pk", "action"))
    assert {("created",), ("changed",), ("erased",)} <= pairs(audit, "action")

    # The restored trail is append-only too: pg_restore brought its trigger back.
    with connect(server, fresh) as db, pytest.raises(psycopg.errors.RaiseException):
        db.execute("UPDATE patients_auditevent SET detail = 'rewritten'")

    # The summaries worked out again from the restored records are the ones kept live.
    manage("rebuild_summaries", server=server, dbname=fresh)
    rebuilt = every_row(server, fresh)["patients_patientsummary"]
    kept = restored["patients_patientsummary"]
    assert len(kept) == 1  # Alice's: Bob was erased
    assert [{**row, "updated_at": None} for row in rebuilt] == [
        {**row, "updated_at": None} for row in kept
    ]
