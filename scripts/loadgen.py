"""The benchmark's load generator: real journeys against a running Stepwise, from 127.0.0.1.

Standard library only (threads and http.client), so it runs wherever the app does. Each
virtual user keeps its own cookies and signs in through the login form like a browser;
patients fetch the walk form, read its CSRF token and submission key, and post it. Each
phase runs for a bounded time; the table states every page as a ratio to the trivial
view measured in the same run, because the generator shares the machine's cores with the
server and absolute numbers from different runs do not compare.

Called by scripts/benchmark, which starts PostgreSQL, the data and gunicorn first.
"""

import argparse
import hashlib
import hmac
import http.client
import json
import random
import re
import struct
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from pathlib import Path

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_INPUT = re.compile(rb'name="submission" value="([^"]+)"')
RECORD_LINK = re.compile(rb'href="/clinic/patients/([0-9a-f-]{36})/"')
TWO_FACTOR_PREFIX = "/accounts/two-factor/"


def totp(hex_key: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows (RFC 6238: SHA-1, 30-second steps)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class JourneyError(Exception):
    pass


class Browser:
    """One virtual user: a connection, a cookie jar, and the headers a browser behind the
    TLS-terminating proxy would arrive with."""

    def __init__(self, host: str, port: int, stats: "Stats", totp_key: str = ""):
        self.host, self.port, self.stats, self.totp_key = host, port, stats, totp_key
        self.origin = f"https://{host}:{port}"
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(host, port, timeout=60)
        self.upstreams: Counter = Counter()

    def request(self, label, method, path, form=None, *, stream=False):
        headers = {"X-Forwarded-Proto": "https", "Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection the server had closed: reconnect once.
                self.connection.close()
                if attempt == 2:
                    raise
        size = 0
        if stream:
            while chunk := response.read(65536):
                size += len(chunk)
            content = b""
        else:
            content = response.read()
            size = len(content)
        elapsed = time.perf_counter() - started
        for cookie in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in cookie.lower() or value in ('""', ""):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        upstream = response.getheader("X-Upstream")
        if upstream:
            self.upstreams[upstream] += 1
        if label:
            self.stats.add(label, elapsed, response.status, size)
        return response.status, response.getheader("Location", ""), content

    def sign_in(self, username: str, password: str) -> str:
        """The login form, as a person fills it. Returns where the site sends them next.

        Staff two-factor sign-in will add its second step here.
        """
        status, _location, page = self.request(None, "GET", "/accounts/login/")
        token = CSRF_INPUT.search(page)
        if status != 200 or not token:
            raise JourneyError(f"login page answered {status}")
        form = {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": username,
            "password": password,
        }
        started = time.perf_counter()
        status, location, _page = self.request(None, "POST", "/accounts/login/", form)
        self.stats.add("sign in (setup)", time.perf_counter() - started, status, 0)
        if status != 302:
            raise JourneyError(f"sign-in as {username} answered {status}")
        # Sign-in lands on the home page, which sends each role on: staff first to the
        # two-step page, as the browser would follow.
        while not urllib.parse.urlsplit(location).path.startswith(TWO_FACTOR_PREFIX):
            status, next_location, _page = self.request(None, "GET", location)
            if status != 302:
                return urllib.parse.urlsplit(location).path
            location = next_location
        return self.second_step(username, location)

    def second_step(self, username: str, location: str) -> str:
        """Staff type the code their authenticator app shows, as after every password."""
        if not self.totp_key:
            raise JourneyError(f"{username} needs a two-step code: pass --totp-key")
        status, _location, page = self.request(None, "GET", location)
        token = CSRF_INPUT.search(page)
        if status != 200 or not token:
            raise JourneyError(f"two-step page answered {status}")
        form = {"csrfmiddlewaretoken": token.group(1).decode(), "code": totp(self.totp_key)}
        status, next_page, _page = self.request(None, "POST", location, form)
        if status != 302:
            raise JourneyError(f"two-step code for {username} answered {status}")
        return urllib.parse.urlsplit(next_page).path


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.bytes: Counter = Counter()
        self.window: dict[str, float] = {}

    def add(self, label: str, seconds: float, status: int, size: int) -> None:
        with self.lock:
            self.latencies[label].append(seconds)
            self.bytes[label] += size
            if status >= 400:
                self.errors[label] += 1


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_phase(name, browsers, step, seconds, stats, *, rate=None):
    """Every browser runs `step` in a loop for `seconds`; with `rate`, the whole phase is
    paced to that many journeys a second (open loop: latency is measured from when a
    request was due, so a slow server cannot hide its queue)."""
    deadline = time.monotonic() + seconds
    errors: list[str] = []
    interval = len(browsers) / rate if rate else 0

    def loop(index, browser):
        rng = random.Random(index)
        due = time.monotonic() + (interval * index / len(browsers) if rate else 0)
        while time.monotonic() < deadline:
            if rate:
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            try:
                step(browser, rng)
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")
                browser.connection.close()
                time.sleep(0.05)
            due += interval

    threads = [
        threading.Thread(target=loop, args=(index, browser), daemon=True)
        for index, browser in enumerate(browsers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats.window[name] = time.monotonic() - started
    if errors:
        print(f"  {name}: {len(errors)} failed journeys, e.g. {errors[0]}", file=sys.stderr)
    return errors


# ---- memory of the gunicorn workers during the export ----------------------------------


def worker_pids(master_pids: list[int]) -> list[int]:
    pids = []
    for master in master_pids:
        for task in Path(f"/proc/{master}/task").glob("*/children"):
            pids += [int(pid) for pid in task.read_text().split()]
    return pids


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch(threading.Thread):
    """Samples each worker's resident memory every 20 ms; keeps the peak per worker."""

    def __init__(self, master_pids):
        super().__init__(daemon=True)
        self.master_pids = master_pids
        self.peak: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for pid in worker_pids(self.master_pids):
                self.peak[pid] = max(self.peak.get(pid, 0), rss_kib(pid))
            time.sleep(0.02)


# ---- the journeys ----------------------------------------------------------------------


def walk_values(rng, submission: str, csrf: str, today: str) -> dict:
    before = rng.randint(1, 6)
    return {
        "csrfmiddlewaretoken": csrf,
        "submission": submission,
        "walked_on": today,
        "minutes": str(rng.randint(8, 30)),
        "terrain": "flat",
        "pain_before": str(before),
        "pain_after": str(min(10, before + rng.choice([-1, 0, 0, 1]))),
        "pain_character": ["aching"],
        "pain_areas": ["lower_back"],
        "stopped_early": "no",
        "effort": rng.choice(["easy", "moderate"]),
        # Each walk its own: the app asks before saving a walk identical to one saved
        # minutes ago from another form (a browser's Back button), as a patient would want.
        "note": f"Walk {submission[:8]}",
    }


def log_walk(browser, rng, today):
    """The browser journey: open the form, fill it in, save, land on the saved walk."""
    status, _location, page = browser.request("walk form (GET)", "GET", "/walks/new/")
    csrf, submission = CSRF_INPUT.search(page), SUBMISSION_INPUT.search(page)
    if status != 200 or not csrf or not submission:
        raise JourneyError(f"walk form answered {status}")
    browser.csrf = csrf.group(1).decode()
    form = walk_values(rng, submission.group(1).decode(), browser.csrf, today)
    status, location, _page = browser.request("walk save (POST)", "POST", "/walks/new/", form)
    if status != 302 or "/walks/" not in location:
        raise JourneyError(f"walk save answered {status}")
    path = urllib.parse.urlsplit(location).path
    status, _location, _page = browser.request("walk detail (GET)", "GET", path)
    if status != 200:
        raise JourneyError(f"walk detail answered {status}")


def save_walk(label):
    def step(browser, rng, today):
        # The form's token stays valid for the session; a new form means a new key.
        form = walk_values(rng, str(uuid.uuid4()), browser.csrf, today)
        status, _location, _page = browser.request(label, "POST", "/walks/new/", form)
        if status != 302:
            raise JourneyError(f"walk save answered {status}")

    return step


def get(label, path_for):
    def step(browser, rng, _today):
        status, _location, _page = browser.request(label, "GET", path_for(rng))
        if status != 200:
            raise JourneyError(f"{label} answered {status}")

    return step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--users", type=int, default=4, help="Concurrent virtual users.")
    parser.add_argument("--password", required=True)
    parser.add_argument("--totp-key", default="", help="Hex key of the staff authenticators.")
    parser.add_argument("--masters", default="", help="gunicorn master pids (memory watch).")
    parser.add_argument("--phases", default="all")
    parser.add_argument("--today", required=True, help="The clinic's date, YYYY-MM-DD.")
    parser.add_argument("--json", help="Also write the figures here.")
    parser.add_argument("--title", default="")
    args = parser.parse_args()
    masters = [int(pid) for pid in args.masters.split(",") if pid]
    stats = Stats()
    users = args.users
    seconds = args.seconds
    wanted = set(args.phases.split(",")) if args.phases != "all" else None

    def browsers(count):
        return [Browser(args.host, args.port, stats, args.totp_key) for _ in range(count)]

    def want(name):
        return wanted is None or name in wanted

    def phase(name, people, step, *, rate=None, length=None):
        run_phase(
            name, people, lambda b, r: step(b, r, args.today), length or seconds, stats, rate=rate
        )

    rows = []  # (label, phase) in print order
    # Warm up every worker's imports, templates and connections; not measured.
    warm = browsers(users)
    run_phase(
        "warm-up",
        warm,
        lambda b, r: b.request(None, "GET", "/accounts/login/"),
        3,
        Stats(),
    )

    phase("trivial", browsers(users), get("trivial: /health/", lambda r: "/health/"))
    rows.append(("trivial: /health/", "trivial"))
    if want("login"):
        phase("login", browsers(users), get("login page (GET)", lambda r: "/accounts/login/"))
        rows.append(("login page (GET)", "login"))

    patients = []
    if want("patients"):
        patients = browsers(users)
        for index, browser in enumerate(patients):
            browser.sign_in(f"patient-{index + 1:05d}@example.org", args.password)
        phase("journey", patients, log_walk)
        rows += [(label, "journey") for label in ("walk form (GET)", "walk save (POST)")]
        rows.append(("walk detail (GET)", "journey"))
        phase("save", patients, save_walk("walk save only (POST)"))
        rows.append(("walk save only (POST)", "save"))
        phase("week", patients, get("patient week (GET)", lambda r: "/week/"))
        rows.append(("patient week (GET)", "week"))
        phase("history", patients, get("patient history (GET)", lambda r: "/history/"))
        rows.append(("patient history (GET)", "history"))

    clinicians = []
    if want("clinicians"):
        clinicians = browsers(users)
        # One account each: a code works once per account, like a real authenticator's.
        for number, browser in enumerate(clinicians, start=1):
            browser.sign_in(f"clinician-01-{number:02d}", args.password)
        status, _location, page = clinicians[0].request(None, "GET", "/clinic/")
        records = sorted({match.decode() for match in RECORD_LINK.findall(page)})
        if status != 200 or not records:
            raise JourneyError(f"dashboard answered {status} with no patients")
        print(f"dashboard lists {len(records)} patients", file=sys.stderr)
        phase(
            "dashboard",
            clinicians,
            get("dashboard, clinic of 1,000 (first page)", lambda r: "/clinic/"),
        )
        rows.append(("dashboard, clinic of 1,000 (first page)", "dashboard"))
        phase(
            "record",
            clinicians,
            get("patient record (GET)", lambda r: f"/clinic/patients/{r.choice(records)}/"),
        )
        rows.append(("patient record (GET)", "record"))

    export = None
    if want("reviewer"):
        reviewers = browsers(1)
        reviewers[0].sign_in("reviewer-all", args.password)
        phase("report", reviewers, get("report, 20 clinics (GET)", lambda r: "/reports/flags/"))
        rows.append(("report, 20 clinics (GET)", "report"))
        before = {pid: rss_kib(pid) for pid in worker_pids(masters)}
        watch = MemoryWatch(masters)
        watch.start()

        def export_step(browser, _rng, _today):
            status, _location, _page = browser.request(
                "CSV export, every flag", "GET", "/reports/flags.csv", stream=True
            )
            if status != 200:
                raise JourneyError(f"export answered {status}")

        phase("export", reviewers, export_step)
        watch.stop.set()
        watch.join()
        rows.append(("CSV export, every flag", "export"))
        grown = [watch.peak.get(pid, 0) - before[pid] for pid in before if pid in watch.peak]
        count = len(stats.latencies["CSV export, every flag"])
        export = {
            "exports": count,
            "bytes_each": stats.bytes["CSV export, every flag"] // max(1, count),
            "rss_before_mib": round(max(before.values(), default=0) / 1024, 1),
            "rss_peak_mib": round(max(watch.peak.values(), default=0) / 1024, 1),
            "largest_growth_mib": round(max(grown, default=0) / 1024, 1),
        }

    # Moderate load: the same pages paced at half their measured top rate.
    for label, people, step in (
        ("walk save only (POST)", patients, save_walk("walk save at half load (POST)")),
        (
            "dashboard, clinic of 1,000 (first page)",
            clinicians,
            get("dashboard at half load", lambda r: "/clinic/"),
        ),
    ):
        done = stats.latencies.get(label)
        if not people or not done:
            continue
        top = len(done) / stats.window[dict(rows)[label]]
        name = step.__name__ + label
        phase(name, people, step, rate=top / 2)
        paced = "walk save at half load (POST)" if "walk" in label else "dashboard at half load"
        rows.append((paced, name))

    trivial_rate = len(stats.latencies["trivial: /health/"]) / stats.window["trivial"]
    figures = []
    print()
    if args.title:
        print(args.title)
    header = (
        f"{'page':34} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for label, phase_name in rows:
        ordered = sorted(stats.latencies.get(label, []))
        rate = len(ordered) / stats.window[phase_name]
        row = {
            "page": label,
            "requests": len(ordered),
            "rps": round(rate, 1),
            "p50": round(percentile(ordered, 0.50) * 1000, 1),
            "p95": round(percentile(ordered, 0.95) * 1000, 1),
            "p99": round(percentile(ordered, 0.99) * 1000, 1),
            "errors": stats.errors.get(label, 0),
            "ratio": round(rate / trivial_rate, 3),
        }
        figures.append(row)
        print(
            f"{label:34} {row['requests']:>8} {row['rps']:>8.1f} {row['p50']:>7.1f} "
            f"{row['p95']:>7.1f} {row['p99']:>7.1f} {row['errors']:>6} {row['ratio']:>6.3f}"
        )
    sign_ins = sorted(stats.latencies.get("sign in (setup)", []))
    if sign_ins:
        print(
            f"(sign-in, not a phase: {len(sign_ins)} done, median "
            f"{percentile(sign_ins, 0.5) * 1000:.0f} ms: password hashing is slow on purpose)"
        )
    if export:
        print(
            f"CSV export: {export['exports']} exports of {export['bytes_each'] / 1e6:.1f} MB; "
            f"worker memory {export['rss_before_mib']} MiB before, peak "
            f"{export['rss_peak_mib']} MiB, largest growth {export['largest_growth_mib']} MiB"
        )
    spread = Counter()
    for browser in patients + clinicians:
        spread.update(browser.upstreams)
    if spread:
        served = ", ".join(f"{k} {v}" for k, v in sorted(spread.items()))
        print(f"requests per app server: {served}")
    failures = sum(stats.errors.values())
    if args.json:
        Path(args.json).write_text(
            json.dumps({"rows": figures, "export": export, "upstreams": dict(spread)}, indent=1)
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
