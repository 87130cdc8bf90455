"""Gives the application's PostgreSQL role what running Stepwise needs, and no more.

The owner role runs `migrate` and then this command (docs/operations.md, "Database
roles"). The application's role may read and write rows, but not empty, alter or drop a
table: only a table's owner can do that, and TRUNCATE is a privilege of its own, which
no grant here includes. The audit trail gets SELECT and INSERT alone: its trigger
refuses UPDATE and DELETE already, and nothing in Stepwise changes an audit row, not
even an erasure.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from psycopg import sql

from patients.models import AuditEvent

ROWS = "SELECT, INSERT, UPDATE, DELETE"
SEQUENCES = "USAGE, SELECT"


def grant_statements(*, role: str, database: str, schema: str, quote) -> list[str]:
    """The statements, in order; `quote` quotes an identifier."""
    role, database, schema = quote(role), quote(database), quote(schema)
    audit = quote(AuditEvent._meta.db_table)
    return [
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {role}",
        # From nothing, so a TRUNCATE, TRIGGER or REFERENCES granted by hand goes too.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        f"GRANT {ROWS} ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"REVOKE UPDATE, DELETE ON {audit} FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
        f"GRANT {SEQUENCES} ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        # Tables a later migration creates (as the role running this) are covered at once;
        # rerunning after each migrate still matters for the audit table's narrower grant.
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {ROWS} ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {SEQUENCES} ON SEQUENCES TO {role}",
    ]


class Command(BaseCommand):
    help = (
        "Grant the application's PostgreSQL role row access to every table, and nothing "
        "that truncates, alters or drops one. Run as the tables' owner after each migrate."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The application's role, e.g. stepwise.")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="A database alias of the settings."
        )

    def handle(self, *args, role: str, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are PostgreSQL's; SQLite has none to grant.")
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, current_database(), current_schema(),"
                " EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)",
                [role],
            )
            owner, name, schema, exists = cursor.fetchone()
            if not exists:
                raise CommandError(f"There is no role called {role}. Create it first.")
            if role == owner:
                raise CommandError(
                    f"{role} is the role running this command. Run it as the tables' owner "
                    "and name the application's role, which must be another."
                )
            cursor.execute(
                "SELECT rolsuper OR rolbypassrls, pg_has_role(%s, current_user, 'MEMBER')"
                " FROM pg_roles WHERE rolname = %s",
                [role, role],
            )
            privileged, acts_as_owner = cursor.fetchone()
            if privileged or acts_as_owner:
                raise CommandError(
                    f"{role} is a superuser or a member of {owner}, so it can do whatever the "
                    f"owner can, audit trail included. As a superuser: REVOKE {owner} FROM "
                    f"{role}; ALTER ROLE {role} NOSUPERUSER NOBYPASSRLS; then run this again."
                )
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tableowner = %s",
                [schema, role],
            )
            (owned,) = cursor.fetchone()
            if owned:
                raise CommandError(
                    f"{role} owns {owned} tables, so it could still truncate or drop them. "
                    f"As a superuser: REASSIGN OWNED BY {role} TO {owner}; then run this again."
                )

            # psycopg's quoting: a role name with a quote in it stays one name.
            def quote(identifier: str) -> str:
                return sql.Identifier(identifier).as_string(cursor.connection)

            for statement in grant_statements(role=role, database=name, schema=schema, quote=quote):
                cursor.execute(statement)
        self.stdout.write(
            f"{role} may now read and write rows in {name}; it cannot truncate, alter or "
            "drop a table, or change the audit trail."
        )
