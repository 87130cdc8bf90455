"""scripts/run, the first thing anyone runs: one quiet screen ending with the demo logins,
a web server and a worker that share one SQLite file without "database is locked", and
Ctrl+C stopping every process it started.

The real script runs once for the module, on a temporary database and a free port, as a
developer would start it in a terminal; the tests run in order and the last one stops it.
"""

import concurrent.futures
import contextlib
import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connections

from patients.models import WalkLog

# The script runs on its own SQLite file whatever the suite's database: once is enough.
pytestmark = pytest.mark.skipif(
    connections["default"].vendor != "sqlite", reason="runs once, in scripts/test's SQLite pass"
)

ROOT = Path(__file__).resolve().parent.parent
LOGIN_LINE = re.compile(r"^(admin|clinician|reviewer|patient): (\S+) / (\S+)$")
SAVES = 50
START_TIMEOUT = 180  # seconds; a bound on a hang, not a speed test
# Settings the developer's environment may hold that would change what the script does.
UNSET = {"DEBUG", "EMAIL_URL", "TASK_BACKEND", "SITE_URL", "DATABASE_URL_FILE"}
URGENT_ALERT = "Subject: Stepwise: an urgent flag"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Run:
    process: subprocess.Popen
    port: int
    work: Path  # named in the environment of every process the script starts

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def screen(self) -> str:
        return (self.work / "screen.txt").read_text()

    @property
    def log(self) -> str:
        return (self.work / "run.log").read_text()

    def started(self) -> dict[int, str]:
        """The live processes the script started, by id, with their command lines."""
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self.process.pid:
                continue
            try:
                environment = (entry / "environ").read_bytes()
                command = (entry / "cmdline").read_bytes()
            except OSError:  # gone meanwhile
                continue
            if str(self.work).encode() in environment:
                found[int(entry.name)] = command.replace(b"\0", b" ").decode()
        return found

    def stop(self) -> None:
        """Ctrl+C; and whatever outlives it is killed, so no test leaves it behind."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for pid in self.started():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    # A test should not install packages into the environment it runs in.
    lib = ROOT / "scripts" / "lib.sh"
    if subprocess.run(["bash", "-c", f"source '{lib}' && venv_outdated"], cwd=ROOT).returncode == 0:
        message = "scripts/run would install packages first: run scripts/test once"
        if os.environ.get("CI") == "true":  # scripts/test installed them: this is a fault
            pytest.fail(message)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("first-run")
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if name not in UNSET},
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "RUN_LOG": str(work / "run.log"),
    }
    with (work / "screen.txt").open("w") as screen:
        # A session of its own, as in a terminal: Ctrl+C goes to the script's group only.
        process = subprocess.Popen(
            [ROOT / "scripts" / "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=screen,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    run = Run(process, port, work)
    # The logins come last, once the server answers.
    deadline = time.monotonic() + START_TIMEOUT
    while not LOGIN_LINE.match((run.screen.splitlines() or [""])[-1]):
        if process.poll() is not None or time.monotonic() > deadline:
            run.stop()
            pytest.fail(f"scripts/run did not start:\n{run.screen}")
        time.sleep(0.2)
    yield run
    run.stop()


class Browser:
    """Cookies and forms as a browser sends them; each answer is returned, not followed."""

    # The development server queues only 10 connections it has not accepted yet; a burst of
    # 50 overflows that queue and some are reset. So connections open one at a time, and
    # the requests on them go at once.
    opening = threading.Lock()

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})

    def connect(self) -> http.client.HTTPConnection:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        with self.opening:
            connection.connect()
        return connection

    def open(self, path: str, form: dict | None = None, connection=None) -> tuple[int, str, str]:
        """The status, the Location header and the page."""
        connection = connection or self.connect()
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        with contextlib.closing(connection):
            connection.request(
                "GET" if form is None else "POST",
                path,
                body=None if form is None else urlencode(form, doseq=True),
                headers=headers,
            )
            response = connection.getresponse()
            page = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.getheader("Location", ""), page


def form_value(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*? value="([^"]*)"', page)
    assert found, f"no {name} on the page"
    return found.group(1)


def sign_in(port: int, username: str, password: str) -> Browser:
    browser = Browser(port)
    _status, _location, page = browser.open("/accounts/login/")
    token = form_value(page, "csrfmiddlewaretoken")
    status, location, _page = browser.open(
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": token},
    )
    assert (status, location) == (302, "/"), "the demo patient could not sign in"
    return browser


def walk(number: int) -> dict:
    """Distinct walks (never taken for a resend); every fifth painful enough for a review
    flag, every tenth with new pain in both legs: urgent, an alert email for the worker."""
    values = {
        "minutes": 10 + number,
        "terrain": "flat",
        "pain_before": 3,
        "pain_after": 4,
        "pain_areas": ["lower_back"],
        "stopped_early": "no",
        "effort": "easy",
    }
    if number % 5 == 0:
        values.update(pain_after=9, effort="hard")
    if number % 10 == 0:
        values.update(pain_areas=["lower_back", "thigh"], pain_side="both")
    return values


def test_the_screen_is_one_page_ending_with_the_demo_logins(first_run):
    lines = first_run.screen.splitlines()

    assert len(lines) <= 25, first_run.screen
    assert "Applying" not in first_run.screen
    assert "Applying patients.0001_initial... OK" in first_run.log
    assert f"{first_run.base}/" in first_run.screen
    assert f"written to {first_run.work / 'run.log'}" in first_run.screen
    assert "manage.py demo_code clinician" in first_run.screen
    logins = [line for line in lines if LOGIN_LINE.match(line)]
    assert len(logins) >= 6
    assert lines[-len(logins) - 1 :] == ["Demo logins (role: username / password):", *logins]
    assert "patient: maria@example.com / walk-tall-demo" in logins


def test_the_demo_patients_test_reminder_is_shown_and_its_one_click_unsubscribe_works(
    first_run,
):
    screen = first_run.screen
    assert "A test reminder went to tom@example.com" in screen, screen
    (subject,) = [line.strip() for line in screen.splitlines() if "Subject: " in line]
    assert subject == "Subject: This is a test reminder"
    found = re.search(r"List-Unsubscribe: <http://127\.0\.0\.1:\d+(/reminders/stop/\S+/)>", screen)
    assert found, screen
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in first_run.log

    # As a mail provider's one click: a POST with no cookie and no CSRF token.
    status, _location, page = Browser(first_run.port).open(
        found.group(1), {"List-Unsubscribe": "One-Click"}
    )

    assert status == 200
    assert "You will get no more reminder emails" in page


def test_fifty_walks_saved_at_once_all_succeed_while_the_worker_polls(first_run):
    patient = sign_in(first_run.port, "maria@example.com", "walk-tall-demo")
    alerts_before = first_run.log.count(URGENT_ALERT)
    everyone_has_the_form = threading.Barrier(SAVES)

    def save(number: int) -> tuple[str, str]:
        """The browser's visit: the walk form, then the save. Its submission key and how
        it went: "saved", or the step that failed and its status."""
        browser = Browser(first_run.port, patient.cookies)
        status, _location, page = browser.open("/walks/new/")
        if status == 200:
            form = {
                "csrfmiddlewaretoken": form_value(page, "csrfmiddlewaretoken"),
                "submission": form_value(page, "submission"),
                "walked_on": form_value(page, "walked_on"),
                **walk(number),
            }
        connection = browser.connect()
        everyone_has_the_form.wait(timeout=60)
        if status != 200:
            connection.close()
            return "", f"form {status}"
        status, location, _page = browser.open("/walks/new/", form, connection)
        shown = status == 302 and re.fullmatch(r"/walks/[0-9a-f-]{36}/", location)
        return form["submission"], "saved" if shown else f"save {status} {location}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=SAVES) as pool:
        results = list(pool.map(save, range(1, SAVES + 1)))

    assert Counter(outcome for _key, outcome in results) == {"saved": SAVES}
    assert "database is locked" not in first_run.log
    assert "Traceback" not in first_run.log
    with sqlite3.connect(first_run.work / "db.sqlite3") as database:
        query = f"SELECT submission_key FROM {WalkLog._meta.db_table}"  # noqa: S608
        stored = {key for (key,) in database.execute(query)}
    assert {uuid.UUID(key).hex for key, _outcome in results} <= stored
    # The worker sends the urgent walks' alerts, to the clinician and to the clinic.
    deadline = time.monotonic() + 30
    while first_run.log.count(URGENT_ALERT) < alerts_before + 2:
        assert time.monotonic() < deadline, "the worker sent no alert for the urgent walks"
        time.sleep(0.5)


def test_ctrl_c_stops_every_process_the_script_started(first_run):
    running = list(first_run.started().values())
    # runserver and the worker each reload themselves in a child process.
    assert sum("runserver" in command for command in running) == 2, running
    assert sum("db_worker" in command for command in running) == 2, running

    os.killpg(first_run.process.pid, signal.SIGINT)

    assert first_run.process.wait(timeout=15) == 130
    deadline = time.monotonic() + 5
    while first_run.started():
        assert time.monotonic() < deadline, first_run.started()
        time.sleep(0.2)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", first_run.port), 1):
        pass
