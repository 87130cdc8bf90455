"""The "nothing lost" fault run: walks keep arriving while the server is hurt.

Run through scripts/reliability, which starts the PostgreSQL server this driver restarts.
The driver serves Stepwise with gunicorn in production settings, signs patients in through
the real login form and has them log walks through the real walk form, retrying a
submission as a browser would when the answer does not come. Meanwhile it SIGKILLs
gunicorn workers and stops PostgreSQL once. At the end it counts, in the database itself,
that every walk the client saw acknowledged is stored exactly once.

The client side is the standard library only, so it knows nothing the app does not send.
docs/reliability.md explains the run and its figures.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
# Production settings accept only the hosts they are told about; the client sends this one
# together with X-Forwarded-Proto, as the TLS proxy in front of gunicorn would.
HOST = "stepwise.example.org"
# Throwaway accounts in a throwaway database.
PASSWORD = "reliability-run-password"
REQUEST_TIMEOUT = 10
WALK_DETAIL = re.compile(r"^/walks/([0-9a-f-]{36})/$")


# --- The client: a patient in a browser, one HTTP connection per request. ---------------


class Unexpected(Exception):
    """An answer no fault explains (a form error, a refused CSRF token, a lost session)."""


@dataclass
class Answer:
    status: int
    location: str
    body: str


class Browser:
    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None) -> Answer:
        """Raises OSError (and http.client errors, which are OSErrors too) when cut off."""
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in cookie.lower():
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        return Answer(response.status, response.headers.get("Location", ""), text)

    def sign_in(self, username: str) -> None:
        page = self.request("GET", "/accounts/login/")
        answer = self.request(
            "POST",
            "/accounts/login/",
            [
                ("csrfmiddlewaretoken", hidden(page.body, "csrfmiddlewaretoken")),
                ("username", username),
                ("password", PASSWORD),
                ("next", ""),
            ],
        )
        if answer.status != 302 or "sessionid" not in self.cookies:
            raise Unexpected(f"signing in as {username} answered {answer.status}")


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)" name="{name}"', page
    )
    if not found:
        raise Unexpected(f"no {name} in the page")
    return found.group(1)


def input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    value = tag and re.search(r'value="([^"]*)"', tag.group(0))
    if not value:
        raise Unexpected(f"no value for {name} in the page")
    return value.group(1)


@dataclass
class Tally:
    """What the clients saw. Each thread appends; lists are safe to append across threads."""

    attempted: list[str] = field(default_factory=list)
    acknowledged: dict[str, str] = field(default_factory=dict)  # submission key -> walk id
    given_up: list[str] = field(default_factory=list)
    retries: int = 0
    cut_off: int = 0  # connection reset, refused or timed out
    server_errors: list[float] = field(default_factory=list)  # when each 5xx came
    repeats: int = 0  # acknowledged forms sent again on purpose, as a double click
    repeats_answered_with_first: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)


class Patient:
    """Logs walks one after another until told to stop, through the real walk form."""

    ATTEMPTS = 10  # with the back-off below, about 15 s of trying: longer than the outage

    def __init__(self, browser: Browser, tally: Tally, rng: random.Random):
        self.browser, self.tally, self.rng = browser, tally, rng

    def patiently(self, method: str, path: str, form=None) -> Answer | None:
        """Sends one request until it gets an answer from the app, or gives up (None).

        A request cut off or answered 5xx is sent again unchanged: for a walk that means
        the same submission key, as a browser resubmitting the form would.
        """
        for attempt in range(self.ATTEMPTS):
            if attempt:
                self.tally.count("retries")
                time.sleep(min(2.0, 0.25 * 2 ** (attempt - 1)))
            try:
                answer = self.browser.request(method, path, form)
            except OSError:
                self.tally.count("cut_off")
                continue
            if answer.status >= 500:
                self.tally.server_errors.append(time.monotonic())
                continue
            return answer
        return None

    def log_walk(self) -> tuple[str, str] | None:
        """One walk from opening the form to the acknowledgement: (key, walk id) or None."""
        page = self.patiently("GET", "/walks/new/")
        if page is None:
            return None
        if page.status != 200:
            raise Unexpected(f"the walk form answered {page.status} {page.location}")
        key = hidden(page.body, "submission")
        form = [
            ("csrfmiddlewaretoken", hidden(page.body, "csrfmiddlewaretoken")),
            ("submission", key),
            ("walked_on", input_value(page.body, "walked_on")),
            ("minutes", str(self.rng.randint(5, 30))),
            ("terrain", "flat"),
            ("pain_before", "3"),
            ("pain_after", "3"),
            ("stopped_early", "no"),
            # Each walk its own: the app asks before saving a walk identical to one saved
            # minutes ago from another form (a browser's Back button).
            ("note", f"Walk {key[:8]}"),
        ]
        self.tally.attempted.append(key)
        walk_id = self.acknowledged(self.patiently("POST", "/walks/new/", form), key)
        if walk_id is None:
            self.tally.given_up.append(key)
            return None
        self.tally.acknowledged[key] = walk_id
        if self.rng.random() < 0.2:
            self.tally.count("repeats")
            if self.acknowledged(self.patiently("POST", "/walks/new/", form), key) == walk_id:
                self.tally.count("repeats_answered_with_first")
        return key, walk_id

    @staticmethod
    def acknowledged(answer: Answer | None, key: str) -> str | None:
        if answer is None:
            return None
        saved = WALK_DETAIL.match(answer.location) if answer.status == 302 else None
        if not saved:
            raise Unexpected(f"walk {key} answered {answer.status} {answer.location!r}")
        return saved.group(1)

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.log_walk()
                time.sleep(0.05)  # a steady stream, leaving the shared machine some room
        except Unexpected as error:
            self.tally.unexpected.append(str(error))
            stop.set()


# --- The server side: PostgreSQL and gunicorn. -------------------------------------------


def as_postgres_owner(command: list[str]) -> list[str]:
    # initdb refused root, so as root the cluster belongs to the postgres user.
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


class Database:
    def __init__(self):
        self.bin = Path(os.environ["PG_BIN"])
        self.data = os.environ["PGDATA_DIR"]
        self.log = os.environ["PGLOG_FILE"]
        self.url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            as_postgres_owner([str(self.bin / "pg_ctl"), "-D", self.data, *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def crash(self) -> None:
        """Stops the server the way a crash would: no checkpoint, WAL replayed on start."""
        self.pg_ctl("-m", "immediate", "stop")

    def start(self) -> None:
        self.pg_ctl("-l", self.log, "-w", "start")

    def query(self, sql: str) -> list[list[str]]:
        result = subprocess.run(
            [
                str(self.bin / "psql"),
                "-X",
                "-At",
                "-F",
                "|",
                "-h",
                self.url.hostname,
                "-p",
                str(self.url.port),
                "-U",
                self.url.username,
                "-d",
                self.url.path.lstrip("/"),
                "-c",
                sql,
            ],
            env={**os.environ, "PGPASSWORD": self.url.password or ""},
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return [line.split("|") for line in result.stdout.splitlines() if line]


SEED = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from patients.models import Clinic, StaffMembership, StaffRole
from patients.services.enrolment import patient_enrol
from programs.services import plan_assign
from programs.models import PlanTemplate

clinic = Clinic.objects.create(name="Reliability run clinic", country="GB")
clinician = get_user_model().objects.create_user(
    username="clinician", email="clinician@example.org", password=PASSWORD, is_staff=True
)
StaffMembership.objects.create(user=clinician, clinic=clinic, role=StaffRole.CLINICIAN)
template = PlanTemplate.objects.get(name="Standard graded walking plan", clinic=None)
# One hash for every account: production-strength hashing takes a second or two each here.
password = make_password(PASSWORD)
for number in range(COUNT):
    patient = patient_enrol(
        clinic=clinic, clinician=clinician, by=clinician, first_name=f"Walker{number}",
        last_name="Run", email=f"walker{number}@example.org", usual_pain=3,
    )
    patient.user.password = password
    patient.user.save(update_fields=["password"])
    plan_assign(
        patient=patient, template=template, start_date=clinic.today(),
        assigned_by=clinician,
    )
"""


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with config/gunicorn.py, DEBUG off, on 127.0.0.1 only."""

    def __init__(self, work: Path, workers: int):
        self.port = free_port()
        self.workers = workers
        self.log_path = work / "gunicorn.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "BEHIND_TLS_PROXY": "true",
            "STATIC_ROOT": str(work / "static"),
            "WEB_CONCURRENCY": str(workers),
            "LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )

    def prepare(self, patients: int) -> None:
        seed = SEED.replace("PASSWORD", repr(PASSWORD)).replace("COUNT", str(patients))
        # collectstatic needs no database, so it runs while the migrations do.
        steps = [self.manage("collectstatic", "--noinput"), self.manage("migrate", "--noinput")]
        if steps[1].wait(timeout=300) == 0:
            steps.append(self.manage("shell", "-c", seed))
        if any(step.wait(timeout=300) != 0 for step in steps):
            raise RuntimeError("preparing the database or the static files failed")

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    VENV_BIN / "gunicorn",
                    "-c",
                    "config/gunicorn.py",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while health(self.port) != 200 or len(self.worker_pids()) < self.workers:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn did not start; see {self.log_path}")
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc: gunicorn keeps no list outside itself."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The parent pid is the second field after the parenthesised command name.
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                pids.append(int(entry.name))
        return pids

    def kill_a_worker(self, rng: random.Random) -> int:
        victim = rng.choice(self.worker_pids())
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def health(port: int) -> int | None:
    """The status of /health/, or None when nothing answered."""
    try:
        return Browser(port).request("GET", "/health/").status
    except OSError:
        return None


# --- The run. ------------------------------------------------------------------------------


@dataclass
class Outage:
    health_while_down: list = field(default_factory=list)
    down_seconds: float = 0.0
    restart_seconds: float = 0.0  # pg_ctl start, crash recovery included
    recovery_seconds: float | None = None
    recovered_at: float | None = None
    health_after: list = field(default_factory=list)


def outage(server: Server, database: Database, probe: Patient, seconds: float) -> Outage:
    """Crashes PostgreSQL, watches /health/ while it is down, then times the way back.

    Recovery is from the moment PostgreSQL accepts connections again until /health/ says
    200 and a walk is acknowledged: the app must get there on its own, with no restart.
    """
    seen = Outage()
    database.crash()
    down_at = time.monotonic()
    while time.monotonic() - down_at < seconds:
        seen.health_while_down.append(health(server.port))
        time.sleep(0.25)
    seen.down_seconds = time.monotonic() - down_at
    database.start()
    back_at = time.monotonic()
    seen.restart_seconds = back_at - down_at - seen.down_seconds
    healthy = False
    while time.monotonic() - back_at < 60:
        if not healthy:
            code = health(server.port)
            seen.health_after.append(code)
            healthy = code == 200
        if healthy and probe.log_walk() is not None:  # raises Unexpected on a wrong answer
            seen.recovered_at = time.monotonic()
            seen.recovery_seconds = seen.recovered_at - back_at
            break
        time.sleep(0.1)
    return seen


def tally_of(codes: list) -> str:
    """[503, 503, None] as "503 x2, no answer x1"."""
    names = [str(code) if code is not None else "no answer" for code in codes]
    return ", ".join(f"{name} x{names.count(name)}" for name in dict.fromkeys(names))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=4, help="patients logging walks at once")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--kills", type=int, default=5, help="workers killed with SIGKILL")
    parser.add_argument("--spacing", type=float, default=4.0, help="seconds between faults")
    parser.add_argument("--outage", type=float, default=3.0, help="seconds PostgreSQL is down")
    parser.add_argument("--max-recovery", type=float, default=30.0, help="seconds allowed")
    parser.add_argument("--seed", type=int, default=None, help="for a repeatable run")
    options = parser.parse_args()
    seed = options.seed if options.seed is not None else random.randrange(1_000_000)
    rng = random.Random(seed)

    database = Database()
    work = Path(tempfile.mkdtemp(prefix="stepwise-reliability-"))
    server = Server(work, options.workers)
    started = time.monotonic()
    print(f"Preparing: migrate, collectstatic, {options.clients + 1} patients (seed {seed})")
    server.prepare(options.clients + 1)
    server.start()
    tally = Tally()
    browsers = [Browser(server.port) for _number in range(options.clients + 1)]
    # Each sign-in checks a password hash, a second or more of work: in parallel, then.
    signing_in = [
        threading.Thread(target=browser.sign_in, args=(f"walker{number}@example.org",))
        for number, browser in enumerate(browsers)
    ]
    for thread in signing_in:
        thread.start()
    for thread in signing_in:
        thread.join()
    if not all("sessionid" in browser.cookies for browser in browsers):
        raise RuntimeError(f"a patient could not sign in; see {server.log_path}")
    patients = [Patient(browser, tally, random.Random(rng.random())) for browser in browsers]
    probe, walkers = patients[0], patients[1:]

    stop = threading.Event()
    threads = [threading.Thread(target=walker.run, args=(stop,)) for walker in walkers]
    print(f"Ready after {time.monotonic() - started:.0f} s")
    print(
        f"Running: {options.clients} patients logging walks into gunicorn "
        f"({options.workers} workers) on 127.0.0.1:{server.port}"
    )
    load_started = time.monotonic()
    killed, seen = [], Outage()
    try:
        for thread in threads:
            thread.start()
        # Faults, evenly spaced: half the kills, the database outage, the other half.
        faults = ["kill"] * (options.kills // 2) + ["outage"]
        faults += ["kill"] * (options.kills - options.kills // 2)
        for fault in faults:
            if stop.wait(options.spacing):
                break
            if fault == "kill":
                killed.append(server.kill_a_worker(rng))
                print(f"  {time.monotonic() - load_started:5.1f} s  SIGKILL worker {killed[-1]}")
            else:
                print(f"  {time.monotonic() - load_started:5.1f} s  PostgreSQL stopped (crash)")
                try:
                    seen = outage(server, database, probe, options.outage)
                except Unexpected as error:
                    tally.unexpected.append(str(error))
                    break
                print(f"  {time.monotonic() - load_started:5.1f} s  PostgreSQL back and serving")
        stop.wait(options.spacing)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        load_seconds = time.monotonic() - load_started
        final_health = health(server.port)
        server.stop()

    failed = report(options, tally, killed, seen, final_health, database, load_seconds, started)
    if failed:
        print(f"gunicorn's log is kept in {server.log_path}")
    else:
        shutil.rmtree(work)
    return failed


def report(options, tally, killed, seen, final_health, database, load_seconds, started) -> int:
    stored = {
        key: (int(count), walk_ids.split(","), int(revisions))
        for key, count, walk_ids, revisions in database.query(
            "SELECT w.submission_key, count(DISTINCT w.id), string_agg(DISTINCT w.id::text, ','),"
            " count(r.id) FROM patients_walklog w LEFT JOIN patients_walklogrevision r"
            " ON r.walk_log_id = w.id AND r.action = 'created' GROUP BY w.submission_key"
        )
    }
    acknowledged = tally.acknowledged
    lost = [key for key in acknowledged if key not in stored]
    duplicates = [key for key, (count, _ids, _revs) in stored.items() if count > 1]
    misdirected = [
        key
        for key, walk_id in acknowledged.items()
        if key in stored and stored[key][1] != [walk_id]
    ]
    without_history = [key for key, (count, _ids, revs) in stored.items() if revs != count]
    strangers = [key for key in stored if key not in set(tally.attempted)]
    saved_unacknowledged = [key for key in tally.given_up if key in stored]
    down_codes = tally_of(seen.health_while_down)
    after_codes = tally_of(seen.health_after)
    # A request already inside the app when the database came back may still fail; one
    # that starts a second after the app answered again must not.
    late_errors = [
        when
        for when in tally.server_errors
        if seen.recovered_at is not None and when > seen.recovered_at + 1.0
    ]

    rows = [
        ("submissions attempted", len(tally.attempted)),
        ("acknowledged (302 to the saved walk)", len(acknowledged)),
        ("requests retried", tally.retries),
        ("  of them cut off (connection error)", tally.cut_off),
        ("  of them answered 5xx", len(tally.server_errors)),
        ("  5xx after the app was back", len(late_errors)),
        ("submissions given up after retries", len(tally.given_up)),
        ("  of them stored all the same", len(saved_unacknowledged)),
        ("deliberate repeats of a sent form", tally.repeats),
        ("  answered with the first walk", tally.repeats_answered_with_first),
        ("walks found in the database", sum(count for count, _i, _r in stored.values())),
        ("acknowledged and found once", len(acknowledged) - len(lost)),
        ("LOST (acknowledged, not stored)", len(lost)),
        ("DUPLICATES (one key, two rows)", len(duplicates)),
        ("acknowledged with another walk's id", len(misdirected)),
        ("stored without their 'created' revision", len(without_history)),
        ("stored but never sent by a client", len(strangers)),
        ("workers killed (SIGKILL)", len(killed)),
        ("PostgreSQL down, seconds", f"{seen.down_seconds:.1f}"),
        ("/health/ while down", down_codes or "never asked"),
        ("PostgreSQL restart (crash recovery), seconds", f"{seen.restart_seconds:.1f}"),
        ("/health/ after restart, until 200", after_codes or "-"),
        (
            "recovery: back to a saved walk, seconds",
            f"{seen.recovery_seconds:.2f}" if seen.recovery_seconds is not None else "NEVER",
        ),
        ("/health/ at the end", final_health),
        (
            "seconds under load / whole run",
            f"{load_seconds:.0f} / {time.monotonic() - started:.0f}",
        ),
    ]
    width = max(len(name) for name, _value in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")

    failures = []
    if tally.unexpected:
        failures += [f"unexpected answer: {message}" for message in tally.unexpected]
    if lost:
        failures.append(f"{len(lost)} acknowledged walks are missing, e.g. {lost[0]}")
    if duplicates:
        failures.append(f"{len(duplicates)} submissions were stored twice, e.g. {duplicates[0]}")
    if misdirected:
        failures.append(f"{len(misdirected)} acknowledgements point at another walk")
    if without_history:
        failures.append(f"{len(without_history)} walks were stored without their revision")
    if strangers:
        failures.append(f"{len(strangers)} walks were stored that no client sent")
    if tally.repeats_answered_with_first != tally.repeats:
        failures.append("a repeated form was not answered with its first walk")
    if len(killed) != options.kills:
        failures.append(f"only {len(killed)} of {options.kills} workers were killed")
    if late_errors:
        failures.append(f"{len(late_errors)} answers were 5xx after the database was back")
    if 503 not in seen.health_while_down:
        failures.append("/health/ never answered 503 while PostgreSQL was down")
    if seen.recovery_seconds is None or seen.recovery_seconds > options.max_recovery:
        failures.append(f"the app did not serve again within {options.max_recovery:.0f} s")
    if final_health != 200:
        failures.append(f"/health/ answered {final_health} at the end")
    if len(acknowledged) < 10 * options.clients:
        failures.append(f"only {len(acknowledged)} walks were acknowledged: too few to count")
    print()
    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print("PASS: every acknowledged walk is stored exactly once; the app came back alone.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
