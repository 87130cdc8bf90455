"""Settings come from the environment alone; production is safe and bad values fail loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3P9vQ2xL7mN4rT8wZ1yB6cF0hJ5sD3gA9eR2uI7oP4lK8jH1nM6bV",
    "ALLOWED_HOSTS": "stepwise.example.org",
    "DATABASE_URL": "postgres://stepwise:secret@db.example.org:5432/stepwise",
}
SETTINGS_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "DATABASE_URL_FILE",
    "EMAIL_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "BEHIND_TLS_PROXY",
    "SESSION_IDLE_MINUTES",
    "DATABASE_CONN_MAX_AGE",
    "DATABASE_POOL_SIZE",
    "CSRF_TRUSTED_ORIGINS",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "GUNICORN_ACCESS_LOG",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "BIND_ADDRESS",
    "PORT",
    "VAPID_PUBLIC_KEY",
    "VAPID_PRIVATE_KEY",
    "VAPID_PRIVATE_KEY_FILE",
    "VAPID_CONTACT",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_setting(expression: str, env: dict[str, str]) -> str:
    result = run_manage(
        "shell", "-v", "0", "-c", f"from django.conf import settings; print({expression})", env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_settings_pass_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_no_environment_means_local_development_on_sqlite():
    assert read_setting("settings.DEBUG", {}) == "True"
    assert (
        read_setting("settings.DATABASES['default']['ENGINE']", {}) == "django.db.backends.sqlite3"
    )


def test_production_without_a_database_url_stops_instead_of_creating_sqlite(tmp_path):
    """A cron job run without its environment once worked on an empty SQLite file of its own."""
    env = {**PRODUCTION, "DATABASE_URL": ""}
    checkout_had_one = (ROOT / "db.sqlite3").exists()

    result = subprocess.run(
        [sys.executable, ROOT / "manage.py", "check_activity"],
        cwd=tmp_path,
        env={**{k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "DATABASE_URL is required when DEBUG=false" in result.stderr
    assert (ROOT / "db.sqlite3").exists() == checkout_had_one
    assert list(tmp_path.iterdir()) == []


def test_database_url_switches_to_postgresql():
    engine = read_setting("settings.DATABASES['default']['ENGINE']", PRODUCTION)

    assert engine == "django.db.backends.postgresql"


def test_a_connection_pool_replaces_persistent_connections_on_postgresql():
    pool = read_setting(
        "(settings.DATABASES['default']['OPTIONS']['pool']['max_size'],"
        " settings.DATABASES['default']['CONN_MAX_AGE'])",
        {**PRODUCTION, "DATABASE_POOL_SIZE": "4"},
    )
    refused = run_manage("check", env={"DATABASE_POOL_SIZE": "4"})

    assert pool == "(4, 0)"
    assert refused.returncode != 0
    assert "DATABASE_POOL_SIZE needs a PostgreSQL" in refused.stderr


def test_sqlite_writers_queue_for_the_lock_and_postgresql_is_left_alone():
    """tests/test_first_run.py shows the web process and the worker taking turns with it."""
    options = "settings.DATABASES['default'].get('OPTIONS', {})"

    assert read_setting(options, {}) == (
        "{'init_command': 'PRAGMA journal_mode=WAL', 'transaction_mode': 'IMMEDIATE', "
        "'timeout': 20}"
    )
    assert read_setting(options, PRODUCTION) == "{}"


def test_production_turns_on_https_only_cookies_hsts_and_compressed_static_files():
    values = read_setting(
        "(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS,"
        " settings.STORAGES['staticfiles']['BACKEND'])",
        PRODUCTION,
    )

    assert values == (
        "(True, True, True, 31536000, 'whitenoise.storage.CompressedManifestStaticFilesStorage')"
    )


def test_logs_are_json_lines_in_production_and_plain_in_development_unless_chosen():
    formatter = "settings.LOGGING['handlers']['stdout']['formatter']"

    assert read_setting(formatter, PRODUCTION) == "json"
    assert read_setting(formatter, {}) == "plain"
    assert read_setting(formatter, {**PRODUCTION, "LOG_FORMAT": "plain"}) == "plain"


def test_gunicorns_access_log_with_raw_paths_is_off_unless_asked_for():
    level = "settings.LOGGING['loggers']['gunicorn.access']['level']"

    assert read_setting(level, PRODUCTION) == "CRITICAL"
    assert read_setting(level, {**PRODUCTION, "GUNICORN_ACCESS_LOG": "true"}) == "INFO"


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "x" * 50 + "\n")
    env = {**PRODUCTION, "SECRET_KEY": "", "SECRET_KEY_FILE": str(secret)}

    assert read_setting("settings.SECRET_KEY", env) == "from-a-file-" + "x" * 50


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**PRODUCTION, "SECRET_KEY": ""}, "SECRET_KEY"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({**PRODUCTION, "DATABASE_URL": ""}, "DATABASE_URL is required when DEBUG=false"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql-ish://nowhere"}, "DATABASE_URL"),
        ({"SESSION_IDLE_MINUTES": "soon"}, "SESSION_IDLE_MINUTES"),
        ({"SECRET_KEY_FILE": "/no/such/secret"}, "SECRET_KEY_FILE"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"VAPID_PUBLIC_KEY": "BPublicKeyAlone"}, "VAPID_PRIVATE_KEY"),
        ({"VAPID_CONTACT": "clinic@example.org"}, "VAPID_CONTACT"),
    ],
)
def test_a_missing_or_malformed_value_stops_start_up_and_names_it(env, named):
    result = run_manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.splitlines()[-1]


def test_web_push_is_off_without_keys_and_its_contact_is_the_senders_address():
    env = {"DEFAULT_FROM_EMAIL": "Stepwise clinic <stepwise@example.org>"}

    assert read_setting("repr(settings.VAPID_PUBLIC_KEY)", env) == "''"
    assert read_setting("settings.VAPID_CONTACT", env) == "mailto:stepwise@example.org"


def test_time_zone_check_rejects_anything_but_utc(settings):
    from config.checks import check_time_zone

    settings.TIME_ZONE = "Europe/London"

    assert [error.id for error in check_time_zone(None)] == ["stepwise.E001"]


def gunicorn_bind(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    result = subprocess.run(
        [sys.executable, "-c", "from config import gunicorn; print(gunicorn.bind)"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_gunicorn_listens_on_the_loopback_unless_told_otherwise():
    assert gunicorn_bind(PRODUCTION) == "127.0.0.1:8000"
    assert gunicorn_bind({**PRODUCTION, "BIND_ADDRESS": "192.0.2.10", "PORT": "9000"}) == (
        "192.0.2.10:9000"
    )
    assert gunicorn_bind({**PRODUCTION, "BIND_ADDRESS": "::1"}) == "[::1]:8000"
