"""The benchmark's load generator: real journeys against a running Stepwise, from 127.0.0.1.

Standard library only (threads and http.client), so it runs wherever the app does. Each
virtual user keeps its own cookies and signs in through the login form like a browser;
patients fetch the walk form, read its CSRF token and submission key, and post it.

Each page is warmed up first (its own requests for a few seconds, not counted, so every
worker has its templates and connections), then measured at saturation (each user asks
again as soon as answered) and at half load (paced at half the top rate just measured:
the latency a person would feel on a busy but not overloaded server). The table states
every page's rate as a ratio to the login page's, measured in the same run, and to
/health/'s: the generator shares the machine's cores with the server, so absolute
numbers from different runs do not compare.

Called by scripts/benchmark, which starts PostgreSQL, the data and gunicorn first.
"""

import argparse
import functools
import hashlib
import hmac
import http.client
import json
import random
import re
import struct
import sys
import textwrap
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
SUBMISSION_INPUT = re.compile(rb'name="submission" value="([^"]+)"')
RECORD_LINK = re.compile(rb'href="/clinic/patients/([0-9a-f-]{36})/"')
CLINIC_SELECT = re.compile(rb'<select name="clinic"[^>]*>(.*?)</select>', re.DOTALL)
# generate_data's clinic 1, the one with --focus-patients patients.
FOCUS_CLINIC_OPTION = re.compile(rb'<option value="([^"]+)"[^>]*>Clinic 01 \(generated\)<')
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
        # When a paced request was due: its latency counts from then, not from when a late
        # thread got round to sending it (run_phase sets it).
        self.due: float | None = None
        self.csrf = ""

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
        if self.due is not None:
            started, self.due = min(started, self.due), None
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
    """What one phase measured: latencies per label, how long it ran, its failed journeys."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.bytes: Counter = Counter()
        self.window = 0.0
        self.failures: list[str] = []

    def add(self, label: str, seconds: float, status: int, size: int) -> None:
        with self.lock:
            self.latencies[label].append(seconds)
            self.bytes[label] += size

    def rate(self, label: str) -> float:
        return len(self.latencies.get(label, [])) / self.window if self.window else 0.0


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run_phase(browsers, step, seconds, *, rate=None) -> Stats:
    """Every browser runs `step` in a loop for `seconds`; with `rate`, the whole phase is
    paced to that many journeys a second (open loop: latency is measured from when a
    request was due, so a slow server cannot hide its queue)."""
    stats = Stats()
    for browser in browsers:
        browser.stats = stats
    started = time.perf_counter()
    deadline = started + seconds
    interval = len(browsers) / rate if rate else 0.0

    def loop(index, browser):
        rng = random.Random(index)
        due = started + interval * index / len(browsers)
        while True:
            now = time.perf_counter()
            if rate:
                if due >= deadline:
                    break
                if due > now:
                    time.sleep(due - now)
                browser.due = due
            elif now >= deadline:
                break
            try:
                step(browser, rng)
            except Exception as error:
                browser.due = None
                stats.failures.append(f"{type(error).__name__}: {error}")
                browser.connection.close()
                time.sleep(0.05)
            due += interval

    threads = [
        threading.Thread(target=loop, args=(index, browser), daemon=True)
        for index, browser in enumerate(browsers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats.window = time.perf_counter() - started
    return stats


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


JOURNEY = ("walk journey: form (GET)", "walk journey: save (POST)", "walk journey: detail (GET)")


def log_walk(today):
    def step(browser, rng):
        """The browser journey: open the form, fill it in, save, land on the saved walk."""
        status, _location, page = browser.request(JOURNEY[0], "GET", "/walks/new/")
        csrf, submission = CSRF_INPUT.search(page), SUBMISSION_INPUT.search(page)
        if status != 200 or not csrf or not submission:
            raise JourneyError(f"walk form answered {status}")
        browser.csrf = csrf.group(1).decode()
        form = walk_values(rng, submission.group(1).decode(), browser.csrf, today)
        status, location, _page = browser.request(JOURNEY[1], "POST", "/walks/new/", form)
        if status != 302 or "/walks/" not in location:
            raise JourneyError(f"walk save answered {status}")
        path = urllib.parse.urlsplit(location).path
        status, _location, _page = browser.request(JOURNEY[2], "GET", path)
        if status != 200:
            raise JourneyError(f"walk detail answered {status}")

    return step


def save_walk(label, today):
    def step(browser, rng):
        # The form's token stays valid for the session; a new form means a new key.
        form = walk_values(rng, str(uuid.uuid4()), browser.csrf, today)
        status, _location, _page = browser.request(label, "POST", "/walks/new/", form)
        if status != 302:
            raise JourneyError(f"walk save answered {status}")

    return step


def get(label, path_for, *, stream=False):
    def step(browser, rng):
        status, _location, _page = browser.request(label, "GET", path_for(rng), stream=stream)
        if status != 200:
            raise JourneyError(f"{label} answered {status}")

    return step


class Crowds:
    """The virtual users of each kind, signed in the first time a page needs them."""

    def __init__(self, args):
        self.args = args
        self.setup = Stats()  # the sign-ins
        self.signed_in: dict[str, list[Browser]] = {}
        self.records: list[str] = []
        self.report_path = ""

    def __call__(self, kind: str) -> list[Browser]:
        if kind not in self.signed_in:
            self.signed_in[kind] = getattr(self, kind)()
        return self.signed_in[kind]

    def everyone(self) -> list[Browser]:
        return [browser for crowd in self.signed_in.values() for browser in crowd]

    def browsers(self, count: int) -> list[Browser]:
        args = self.args
        return [Browser(args.host, args.port, self.setup, args.totp_key) for _ in range(count)]

    def visitors(self):
        return self.browsers(self.args.users)

    def patients(self):
        patients = self.browsers(self.args.users)
        for number, browser in enumerate(patients, start=1):
            browser.sign_in(f"patient-{number:05d}@example.org", self.args.password)
            status, _location, page = browser.request(None, "GET", "/walks/new/")
            token = CSRF_INPUT.search(page)
            if status != 200 or not token:
                raise JourneyError(f"walk form answered {status}")
            browser.csrf = token.group(1).decode()
        return patients

    def clinicians(self):
        clinicians = self.browsers(self.args.users)
        # One account each: a code works once per account, like a real authenticator's.
        for number, browser in enumerate(clinicians, start=1):
            browser.sign_in(f"clinician-01-{number:02d}", self.args.password)
        status, _location, page = clinicians[0].request(None, "GET", "/clinic/")
        self.records = sorted({match.decode() for match in RECORD_LINK.findall(page)})
        if status != 200 or not self.records:
            raise JourneyError(f"dashboard answered {status} with no patients")
        print(f"The dashboard's first page lists {len(self.records)} patients.", file=sys.stderr)
        return clinicians

    def reviewers(self):
        first = self.browsers(1)[0]
        first.sign_in("reviewer-all", self.args.password)
        status, _location, page = first.request(None, "GET", "/reports/flags/")
        select = CLINIC_SELECT.search(page)
        option = select and FOCUS_CLINIC_OPTION.search(select.group(1))
        if status != 200 or not option:
            raise JourneyError(f"report answered {status} without clinic 1 to filter by")
        self.report_path = f"/reports/flags/?clinic={option.group(1).decode()}"
        # A code works once per account, so the other users share this reviewer's
        # session, as tabs of one browser would.
        others = self.browsers(self.args.users - 1)
        for browser in others:
            browser.cookies = dict(first.cookies)
        return [first, *others]


@dataclass
class Page:
    """A page of the run: whose browsers ask for it, and one journey of it."""

    label: str
    crowd: str
    step: Callable
    half_load: bool = True
    parts: tuple[str, ...] = ()  # the labels the step records, when not just `label`

    @property
    def labels(self) -> tuple[str, ...]:
        return self.parts or (self.label,)


def get_page(label: str, crowd: str, path_for, *, stream=False, half_load=True) -> Page:
    """A page read with one GET."""
    return Page(label, crowd, get(label, path_for, stream=stream), half_load=half_load)


BASELINE, SECOND_BASELINE = "login", "health"


def catalogue(crowds: Crowds, today: str) -> dict[str, Page]:
    """Every page a run can measure, by the name --pages takes, in the order they run: the
    baselines first and the pages that write last, so the pages that read see the data as
    generated."""
    return {
        BASELINE: get_page("login page (GET)", "visitors", lambda r: "/accounts/login/"),
        SECOND_BASELINE: get_page("/health/", "visitors", lambda r: "/health/"),
        "dashboard": get_page(
            "dashboard, clinic 1 (first page)", "clinicians", lambda r: "/clinic/"
        ),
        "record": get_page(
            "patient record (GET)",
            "clinicians",
            lambda r: f"/clinic/patients/{r.choice(crowds.records)}/",
        ),
        "report": get_page("report, one clinic (GET)", "reviewers", lambda r: crowds.report_path),
        # The network reviewer's whole report: 20 clinics, every flag of them.
        "report-all": get_page(
            "report, every clinic (GET)", "reviewers", lambda r: "/reports/flags/"
        ),
        "export": get_page(
            "CSV export, every flag",
            "reviewers",
            lambda r: "/reports/flags.csv",
            stream=True,
            half_load=False,
        ),
        "week": get_page("patient week (GET)", "patients", lambda r: "/week/"),
        "history": get_page("patient history (GET)", "patients", lambda r: "/history/"),
        "journey": Page(
            "walk journey", "patients", log_walk(today), half_load=False, parts=JOURNEY
        ),
        "walk-save": Page("walk save (POST)", "patients", save_walk("walk save (POST)", today)),
    }


def pages_asked(text: str) -> list[str]:
    """The page names of a --pages value ("all", or names separated by commas)."""
    known = list(catalogue(Crowds(None), ""))
    asked = known if text == "all" else [name for name in text.split(",") if name]
    unknown = [name for name in asked if name not in known]
    if unknown or not asked:
        raise ValueError(f"unknown page {', '.join(unknown)}; the pages are {', '.join(known)}")
    return asked


# ---- the run ---------------------------------------------------------------------------


def export_memory(masters, label, run) -> tuple[Stats, dict]:
    """Runs the export phase while watching the workers' resident memory."""
    before = {pid: rss_kib(pid) for pid in worker_pids(masters)}
    watch = MemoryWatch(masters)
    watch.start()
    stats = run()
    watch.stop.set()
    watch.join()
    grown = [watch.peak.get(pid, 0) - before[pid] for pid in before if pid in watch.peak]
    count = len(stats.latencies[label])
    return stats, {
        "exports": count,
        "bytes_each": stats.bytes[label] // max(1, count),
        "rss_before_mib": round(max(before.values(), default=0) / 1024, 1),
        "rss_peak_mib": round(max(watch.peak.values(), default=0) / 1024, 1),
        "largest_growth_mib": round(max(grown, default=0) / 1024, 1),
    }


def figures_of(measured, login_rate: float, health_rate: float) -> list[dict]:
    """One row per label and load, every rate also as a ratio to the two baselines'."""
    figures = []
    for page, load, stats in measured:
        for label in page.labels:
            ordered = sorted(stats.latencies.get(label, []))
            rate = len(ordered) / stats.window
            figures.append(
                {
                    "page": label,
                    "load": load,
                    "requests": len(ordered),
                    "rps": round(rate, 1),
                    "p50": round(percentile(ordered, 0.50) * 1000, 1),
                    "p95": round(percentile(ordered, 0.95) * 1000, 1),
                    "p99": round(percentile(ordered, 0.99) * 1000, 1),
                    "ratio_login": round(rate / login_rate, 3) if login_rate else 0.0,
                    "ratio_health": round(rate / health_rate, 3) if health_rate else 0.0,
                    "failed_journeys": len(stats.failures),
                }
            )
    return figures


def print_table(title: str, figures: list[dict]) -> None:
    print()
    if title:
        print(title)
    header = (
        f"{'page':34} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  "
        f"{'ratio to login GET':>18}  {'ratio to /health/':>17}"
    )
    print(header)
    print("-" * len(header))
    for row in figures:
        # A half-load row sits under its page's saturation row.
        shown = row["page"] if row["load"] == "saturation" else "  at half load"
        print(
            f"{shown:34} {row['rps']:>7.1f} {row['p50']:>8.1f} {row['p95']:>8.1f} "
            f"{row['p99']:>8.1f}  {row['ratio_login']:>18.3f}  {row['ratio_health']:>17.3f}"
        )
    print(
        "Ratios are req/s over the baseline's req/s at saturation. A half-load row is paced "
        "at half\nits page's top rate (so its ratios are about half); read its latency, "
        "counted from when\neach request was due."
    )
    few = [
        f"{row['page']}{' at half load' if row['load'] != 'saturation' else ''} ({row['requests']})"
        for row in figures
        if row["requests"] < 100
    ]
    if few:
        # Below 100 requests the p99 is the slowest one or two: a longer --seconds helps.
        print(textwrap.fill(f"Fewer than 100 requests behind the p99: {'; '.join(few)}.", 90))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seconds", type=float, default=10, help="Length of each phase.")
    parser.add_argument(
        "--warm-up", type=float, default=3, help="Seconds of each page before it is measured."
    )
    parser.add_argument("--users", type=int, default=4, help="Concurrent virtual users.")
    parser.add_argument("--password", required=True)
    parser.add_argument("--totp-key", default="", help="Hex key of the staff authenticators.")
    parser.add_argument("--masters", default="", help="gunicorn master pids (memory watch).")
    parser.add_argument(
        "--pages",
        default="all",
        help="Comma-separated page names (see catalogue()); the login page and /health/ are "
        "always measured at saturation, as the baselines.",
    )
    parser.add_argument("--today", required=True, help="The clinic's date, YYYY-MM-DD.")
    parser.add_argument("--json", help="Also write the figures here.")
    parser.add_argument("--title", default="")
    args = parser.parse_args()
    masters = [int(pid) for pid in args.masters.split(",") if pid]
    crowds = Crowds(args)
    pages = catalogue(crowds, args.today)
    try:
        asked = pages_asked(args.pages)
    except ValueError as error:
        parser.error(str(error))
    chosen = [name for name in pages if name in asked or name in (BASELINE, SECOND_BASELINE)]

    measured: list[tuple[Page, str, Stats]] = []  # (page, load, figures) in print order
    failed: list[tuple[str, Stats]] = []
    export = None

    def phase(page, seconds, *, rate=None):
        stats = run_phase(crowds(page.crowd), page.step, seconds, rate=rate)
        if stats.failures:
            failed.append((page.label, stats))
            print(
                f"  {page.label}: {len(stats.failures)} failed journeys, e.g. {stats.failures[0]}",
                file=sys.stderr,
            )
        return stats

    for name in chosen:
        page = pages[name]
        half = page.half_load and name in asked
        print(f"-- {page.label}", file=sys.stderr)
        phase(page, args.warm_up)  # not counted
        if name == "export":
            top, export = export_memory(
                masters, page.label, functools.partial(phase, page, args.seconds)
            )
        else:
            top = phase(page, args.seconds)
        measured.append((page, "saturation", top))
        top_rate = top.rate(page.labels[0])
        if half and top_rate:
            measured.append((page, "half load", phase(page, args.seconds, rate=top_rate / 2)))
    # The baseline again, to show whether the machine's other load moved during the run.
    again = None
    if len(chosen) > 2:
        again = phase(pages[BASELINE], args.seconds).rate(pages[BASELINE].label)

    def top_rate_of(name):
        return next(s.rate(p.label) for p, load, s in measured if p is pages[name])

    login_rate, health_rate = top_rate_of(BASELINE), top_rate_of(SECOND_BASELINE)
    figures = figures_of(measured, login_rate, health_rate)
    print_table(args.title, figures)
    if again is not None:
        print(
            f"Login page at the end of the run: {again:.1f} req/s ({login_rate:.1f} at the start)."
        )
    sign_ins = sorted(crowds.setup.latencies.get("sign in (setup)", []))
    if sign_ins:
        print(
            f"Sign-in, not a phase: {len(sign_ins)} done, median "
            f"{percentile(sign_ins, 0.5) * 1000:.0f} ms (password hashing is slow on purpose)."
        )
    if export:
        print(
            f"CSV export: {export['exports']} exports of {export['bytes_each'] / 1e6:.1f} MB; "
            f"worker memory {export['rss_before_mib']} MiB before, peak "
            f"{export['rss_peak_mib']} MiB, largest growth {export['largest_growth_mib']} MiB."
        )
    spread = Counter()
    for browser in crowds.everyone():
        spread.update(browser.upstreams)
    if spread:
        served = ", ".join(f"{k} {v}" for k, v in sorted(spread.items()))
        print(f"Requests per app server: {served}.")
    failures = sum(len(stats.failures) for _label, stats in failed)
    if failures:
        where = ", ".join(f"{label} {len(stats.failures)}" for label, stats in failed)
        print(f"FAILED: {failures} journeys ({where}); the first errors are above.")
    else:
        print("No request failed.")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "rows": figures,
                    "login_rps_at_end": again,
                    "export": export,
                    "upstreams": dict(spread),
                    "failed_journeys": failures,
                },
                indent=1,
            )
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
