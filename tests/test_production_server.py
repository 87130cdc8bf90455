"""The production configuration, served for real: gunicorn, whitenoise, DEBUG off."""

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON_BIN = Path(sys.executable).parent
# The server's logs must be as production writes them, whatever this shell has set.
NOT_INHERITED = {"DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_FORMAT", "LOG_LEVEL", "GUNICORN_ACCESS_LOG"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def fetch(url: str, *, https: bool = True, session: str = "") -> tuple[int, dict[str, str], str]:
    """A request as the TLS-terminating proxy in front of gunicorn would pass it on."""
    headers = {"Host": "stepwise.example.org"}
    if https:
        headers["X-Forwarded-Proto"] = "https"
    if session:
        headers["Cookie"] = f"sessionid={session}"
    request = urllib.request.Request(url, headers=headers)
    try:
        with OPENER.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@dataclass
class Production:
    base: str
    env: dict[str, str]
    database: Path
    log: Path

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return result.stdout

    def log_lines(self) -> list[dict]:
        """Everything gunicorn and the app wrote to stdout and stderr; all of it JSON."""
        return [json.loads(line) for line in self.log.read_text().splitlines()]


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    work = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
        "DEBUG": "false",
        "SECRET_KEY": "production-like-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "stepwise.example.org",
        "BEHIND_TLS_PROXY": "true",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "STATIC_ROOT": str(work / "static"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    served = Production(f"http://127.0.0.1:{port}", env, work / "db.sqlite3", work / "out.log")
    served.manage("migrate", "--noinput")
    served.manage("collectstatic", "--noinput")
    with served.log.open("ab") as log:
        server = subprocess.Popen(
            [PYTHON_BIN / "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            fetch(f"{served.base}/health/")
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)
    yield served
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def production_server(production):
    return production.base


def test_gunicorn_serves_health_with_the_database(production_server):
    status, _headers, body = fetch(f"{production_server}/health/")

    assert (status, body) == (200, '{"status": "ok", "database": "ok"}')


def test_pages_come_with_hashed_static_files_cached_for_good(production_server):
    status, _headers, page = fetch(f"{production_server}/accounts/login/")
    stylesheet = re.search(r'href="(/static/css/stepwise\.[0-9a-f]{12}\.css)"', page)

    assert status == 200
    assert stylesheet, "the login page should link the hashed stylesheet"
    css_status, css_headers, _css = fetch(production_server + stylesheet.group(1))
    assert css_status == 200
    assert "immutable" in css_headers["Cache-Control"]


def test_production_responses_carry_the_security_headers(production_server):
    _status, headers, _page = fetch(f"{production_server}/accounts/login/")

    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "camera=()" in headers["Permissions-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Secure" in headers["Set-Cookie"]


def test_plain_http_is_redirected_to_https(production_server):
    status, headers, _page = fetch(f"{production_server}/accounts/login/", https=False)

    assert status == 301
    assert headers["Location"] == "https://stepwise.example.org/accounts/login/"


def test_an_unknown_host_is_refused(production_server):
    request = urllib.request.Request(
        f"{production_server}/accounts/login/",
        headers={"Host": "evil.example", "X-Forwarded-Proto": "https"},
    )

    with pytest.raises(urllib.error.HTTPError) as refused:
        OPENER.open(request, timeout=5)

    assert refused.value.code == 400


# --- Logs: one JSON object a line, with the request's id, never a token or a search. ---

SIGN_IN_A_CLINICIAN = """
import json
from django.test import Client
from tests import factories
clinic = factories.make_clinic("North Clinic")
clinician = factories.make_staff("carol", clinic)
invited = factories.not_yet_signed_in(factories.make_patient(clinic, clinician, "Bea"))
client = Client()
factories.sign_in(client, clinician)
print(json.dumps({
    "session": client.session.session_key,
    "user_id": clinician.pk,
    "invitation": factories.invite(invited, clinician),
}))
"""
RESET_LINK = "/accounts/reset/MQ/c9x2kq-5f0e8d1c2b3a49687f6e5d4c3b2a1908/"


@pytest.fixture(scope="module")
def clinician(production) -> dict:
    """A signed-in clinician's session and account id, and an invitation's token."""
    return json.loads(
        production.manage("shell", "-v", "0", "-c", SIGN_IN_A_CLINICIAN).splitlines()[-1]
    )


def lines_of(production: Production, headers: dict[str, str]) -> list[dict]:
    return [
        line for line in production.log_lines() if line.get("request_id") == headers["X-Request-ID"]
    ]


def test_a_request_is_one_json_line_with_its_id_route_status_duration_and_account(
    production, clinician
):
    status, headers, _page = fetch(f"{production.base}/clinic/", session=clinician["session"])

    [line] = lines_of(production, headers)
    assert status == 200
    assert (line["logger"], line["level"]) == ("stepwise.requests", "INFO")
    assert (line["method"], line["route"], line["status"]) == ("GET", "staff_home", 200)
    assert line["user_id"] == clinician["user_id"]
    assert line["duration_ms"] > 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_tokens_in_links_and_searches_for_names_never_reach_the_logs(production, clinician):
    answers = [
        fetch(f"{production.base}/invitations/{clinician['invitation']}/"),
        fetch(production.base + RESET_LINK),
        fetch(f"{production.base}/clinic/?q=Smith", session=clinician["session"]),
        fetch(f"{production.base}/admin/patients/patient/?q=Smith"),
    ]

    routes = [
        line["route"] for _s, headers, _p in answers for line in lines_of(production, headers)
    ]
    assert routes == [
        "invitation_accept",
        "password_reset_confirm",
        "staff_home",
        "admin:patients_patient_changelist",
    ]
    logged = production.log.read_text()
    for secret in (clinician["invitation"], "c9x2kq", "Smith", "/invitations/", "?q="):
        assert secret not in logged


def test_a_server_error_shows_the_reference_of_its_json_lines_and_traceback(production, clinician):
    # A fault the app cannot help: the sessions table disappears from under it.
    database = sqlite3.connect(production.database, isolation_level=None)
    database.execute("ALTER TABLE django_session RENAME TO django_session_away")
    try:
        status, headers, page = fetch(
            f"{production.base}/accounts/login/", session=clinician["session"]
        )
    finally:
        database.execute("ALTER TABLE django_session_away RENAME TO django_session")
        database.close()

    reference = headers["X-Request-ID"]
    lines = lines_of(production, headers)
    errors = [line for line in lines if line["logger"] == "django.request"]
    [request_line] = [line for line in lines if line["logger"] == "stepwise.requests"]
    assert status == 500
    assert "Something went wrong on our side" in page
    assert f"<code>{reference}</code>" in page
    assert errors[0]["message"] == "Internal Server Error: login"
    assert "no such table: django_session" in errors[0]["traceback"]
    assert (request_line["route"], request_line["status"], request_line["user_id"]) == (
        "login",
        500,
        None,
    )


def test_every_line_gunicorn_and_the_app_write_is_a_json_object(production):
    fetch(f"{production.base}/accounts/login/")

    lines = production.log_lines()

    assert {"gunicorn.error", "stepwise.requests"} <= {line["logger"] for line in lines}
    assert all(line.keys() >= {"time", "level", "logger", "message"} for line in lines)


def test_the_background_worker_logs_json_lines_too(production):
    output = production.manage("db_worker", "--batch", "--no-startup-delay")

    lines = [json.loads(line) for line in output.splitlines()]
    assert "django_tasks_db" in {line["logger"] for line in lines}
