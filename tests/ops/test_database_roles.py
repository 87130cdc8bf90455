"""The application's role reads and writes rows, and cannot empty, alter or drop a table.

docs/operations.md, "Database roles": the owner role migrates and runs grant_app_role;
Stepwise runs as another role. Here the test database's role is the owner, and a role
made for the test (by PostgreSQL's superuser, as an administrator would) is the app's.
"""

import contextlib
import io
import os
import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors, sql

from patients.models import AuditEvent, Flag, WalkLog
from patients.services.erasure import patient_erase
from tests.factories import assign, make_patient, report_check_in, report_walk

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Database roles are PostgreSQL's. CI runs this test on PostgreSQL.",
)
PASSWORD = "app-role-password"


def connect(user: str, password: str = "") -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=user,
        password=password,
        dbname=db["NAME"],
        autocommit=True,
    )


@pytest.fixture
def app_role():
    """A login role with no privileges of its own, dropped with its grants afterwards."""
    role = f"stepwise_app_{uuid.uuid4().hex[:8]}"
    superuser = os.environ.get("POSTGRES_SUPERUSER", "postgres")
    try:
        admin = connect(superuser)
    except psycopg.OperationalError as error:
        message = f"Creating a role needs PostgreSQL's superuser ({superuser}): {error}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = sql.Identifier(role)
    with admin:
        password = sql.Literal(PASSWORD)
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(name, password))
        yield role
        admin.execute(sql.SQL("DROP OWNED BY {}").format(name))
        admin.execute(sql.SQL("DROP ROLE {}").format(name))


@contextlib.contextmanager
def running_as(role: str):
    """Django's own connection as the application's role, as Stepwise runs in production."""
    settings = connection.settings_dict
    owner = settings["USER"], settings["PASSWORD"]
    connection.close()
    settings["USER"], settings["PASSWORD"] = role, PASSWORD
    try:
        yield
    finally:
        connection.close()
        settings["USER"], settings["PASSWORD"] = owner


def refused(db: psycopg.Connection, statement: str) -> bool:
    try:
        db.execute(statement)
    except errors.InsufficientPrivilege:
        return True
    return False


@pytest.mark.django_db(transaction=True)
def test_the_app_role_cannot_truncate_alter_or_drop_a_table_or_change_the_audit(
    app_role, clinic, clinician, clinic_template
):
    patient = make_patient(clinic, clinician, "Alice")
    report_walk(patient)

    call_command("grant_app_role", app_role)

    with connect(app_role, PASSWORD) as db:
        assert refused(db, "TRUNCATE patients_auditevent CASCADE")
        assert refused(db, "TRUNCATE patients_walklog")
        assert refused(db, "DROP TABLE patients_walklog")
        assert refused(db, "ALTER TABLE patients_walklog ADD COLUMN note text")
        assert refused(db, "ALTER TABLE patients_auditevent DISABLE TRIGGER ALL")
        assert refused(db, "UPDATE patients_auditevent SET actor = 'someone else'")
        assert refused(db, "DELETE FROM patients_auditevent")
        assert refused(db, "CREATE TABLE patients_extra (id int)")
        (walks,) = db.execute("SELECT count(*) FROM patients_walklog").fetchone()
    assert walks == 1
    assert AuditEvent.objects.count() > 0  # nothing was lost to an attempt


@pytest.mark.django_db(transaction=True)
def test_stepwise_does_its_work_as_the_app_role(app_role, clinic, clinician, clinic_template):
    call_command("grant_app_role", app_role)

    with running_as(app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (app_role,)
        patient = make_patient(clinic, clinician, "Alice")
        assign(patient, clinic_template, clinician)
        report_walk(patient)
        report_check_in(patient, "saddle")  # an urgent flag, an alert email, a paused plan
        walks, flags = WalkLog.objects.count(), Flag.objects.count()
        patient_erase(patient=patient, by=clinician, reason="erasure request ref 2026-114")
        erasures = AuditEvent.objects.filter(action="erased").count()

    assert (walks, flags, erasures) == (1, 1, 1)
    assert not WalkLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_tables_a_later_migration_creates_are_granted_at_once(app_role):
    call_command("grant_app_role", app_role)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE patients_later (id bigserial PRIMARY KEY, note text)")
    try:
        with connect(app_role, PASSWORD) as db:
            db.execute("INSERT INTO patients_later (note) VALUES ('new')")
            assert refused(db, "TRUNCATE patients_later")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE patients_later")


@pytest.mark.django_db(transaction=True)
def test_granting_to_the_owner_itself_or_to_no_such_role_is_refused():
    with pytest.raises(CommandError, match="running this command"):
        call_command("grant_app_role", connection.settings_dict["USER"])
    with pytest.raises(CommandError, match="no role called"):
        call_command("grant_app_role", "nobody_here")


@pytest.mark.django_db(transaction=True)
def test_a_role_that_can_act_as_the_owner_is_refused(app_role):
    """A member of the owner role can SET ROLE to it: no grant would hold it back."""
    owner = sql.Identifier(connection.settings_dict["USER"])
    with connect(os.environ.get("POSTGRES_SUPERUSER", "postgres")) as admin:
        admin.execute(sql.SQL("GRANT {} TO {}").format(owner, sql.Identifier(app_role)))

    with pytest.raises(CommandError, match="member of"):
        call_command("grant_app_role", app_role, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_role_name_with_a_quote_stays_one_name(app_role):
    """Quoted by psycopg: a name cannot smuggle in a second statement."""
    crafted = f'x";GRANT TRUNCATE ON patients_auditevent TO {app_role}--'
    with connect(os.environ.get("POSTGRES_SUPERUSER", "postgres")) as admin:
        admin.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(crafted)))
    try:
        call_command("grant_app_role", crafted, stdout=io.StringIO())
        with connect(app_role) as db:
            assert refused(db, "TRUNCATE patients_auditevent")
    finally:
        with connect(os.environ.get("POSTGRES_SUPERUSER", "postgres")) as admin:
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(crafted)))
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(crafted)))
