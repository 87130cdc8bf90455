"""The end-to-end half of scripts/container-check: the running image, seen from outside.

scripts/container-check builds the image, starts gunicorn and the worker in it against
PostgreSQL and an SMTP sink (scripts/smtp_sink.py), then runs this from the host. It checks
what a clinic depends on: /health/ answers, the worker and the scheduled jobs report in
on /health/processes/, a patient signs in and sees their week, a page is served in
Spanish (the translations were compiled into the image), an
urgent answer reaches the clinic's alert address by email, and every process in the image
runs as its unprivileged user.

The client is the fault run's (scripts/reliability.py): the standard library only, sending
the requests a browser behind the TLS proxy would. Run from the repository's root:
python -m scripts.container_check --help
"""

import argparse
import json
import re
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

from scripts.reliability import Browser, Unexpected, hidden

CHECK_IN_DETAIL = re.compile(r"^/check-ins/[0-9a-f-]{36}/$")


class CheckFailed(Exception):
    pass


def health(browser: Browser, seconds: float) -> str:
    """Waits for gunicorn to answer /health/ (it starts in the background), then reads it."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            answer = browser.request("GET", "/health/")
        except OSError:
            answer = None
        if answer is not None and answer.status == 200:
            break
        if time.monotonic() > deadline:
            seen = f"{answer.status} {answer.body}" if answer else "no answer"
            raise CheckFailed(f"/health/ still answers {seen} after {seconds:.0f} s")
        time.sleep(0.5)
    if json.loads(answer.body) != {"status": "ok", "database": "ok"}:
        raise CheckFailed(f"/health/ answers 200 but says {answer.body}")
    return f"200 {answer.body}"


def processes_watched(browser: Browser, seconds: float) -> str:
    """/health/processes/ turns 200 once the worker has run the heartbeat the sweep queued."""
    deadline = time.monotonic() + seconds
    while True:
        answer = browser.request("GET", "/health/processes/")
        if answer.status == 200 and json.loads(answer.body)["status"] == "ok":
            return "200, the worker, the sweep and the activity check all reported"
        if time.monotonic() > deadline:
            raise CheckFailed(f"/health/processes/ still answers {answer.status} {answer.body}")
        time.sleep(0.5)


def signed_in_week(browser: Browser, username: str, password: str, first_name: str) -> str:
    """Signs in through the login form (patients have no second step), then opens /week/."""
    page = browser.request("GET", "/accounts/login/")
    form = [
        ("csrfmiddlewaretoken", hidden(page.body, "csrfmiddlewaretoken")),
        ("username", username),
        ("password", password),
        ("next", ""),
    ]
    answer = browser.request("POST", "/accounts/login/", form)
    if answer.status != 302 or "sessionid" not in browser.cookies:
        raise CheckFailed(f"signing in as {username} answered {answer.status}")
    page = browser.request("GET", "/week/")
    if page.status != 200:
        raise CheckFailed(f"/week/ answered {page.status} {page.location}")
    for expected in (f"Hello {first_name}", "Stage 1 of"):
        if expected not in page.body:
            raise CheckFailed(f"/week/ does not say {expected!r}")
    return f"signed in as {username}, /week/ answers 200 with 'Hello {first_name}' and the stage"


def spanish_page(port: int) -> str:
    """The sign-in page for a reader who chose Spanish: the translations were compiled into
    the image (without them every page would quietly be English)."""
    browser = Browser(port)
    browser.cookies["django_language"] = "es"
    page = browser.request("GET", "/accounts/login/")
    if (
        page.status != 200
        or '<html lang="es">' not in page.body
        or "Iniciar sesión" not in page.body
    ):
        raise CheckFailed("/accounts/login/ in Spanish is not Spanish: translations not compiled?")
    return "/accounts/login/ in Spanish says 'Iniciar sesión'"


def urgent_check_in(browser: Browser) -> str:
    """Reports saddle numbness (a cauda equina warning sign) through the real form.

    Every other serious question found in the form is answered no, as a patient would.
    """
    page = browser.request("GET", "/check-ins/new/")
    if page.status != 200:
        raise CheckFailed(f"/check-ins/new/ answered {page.status} {page.location}")
    questions = sorted(set(re.findall(r'name="(serious_\w+)"', page.body)))
    if "serious_saddle" not in questions:
        raise CheckFailed("the check-in form does not ask about saddle numbness")
    form = [
        ("csrfmiddlewaretoken", hidden(page.body, "csrfmiddlewaretoken")),
        ("submission", hidden(page.body, "submission")),
        ("pain_now", "4"),
        ("hard_to_function", "no"),
        *[(name, "yes" if name == "serious_saddle" else "no") for name in questions],
    ]
    answer = browser.request("POST", "/check-ins/new/", form)
    if answer.status != 302 or not CHECK_IN_DETAIL.match(answer.location):
        raise CheckFailed(f"the check-in answered {answer.status} {answer.location!r}")
    advice = browser.request("GET", answer.location)
    if advice.status != 200 or "Get medical help now" not in advice.body:
        raise CheckFailed(f"{answer.location} does not tell the patient to get help now")
    return f"saved, {answer.location} says 'Get medical help now'"


def alert_email(mail_dir: Path, address: str, seconds: float) -> str:
    """Waits for the worker to send the flag's alert to the clinic's alert address."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml")):
            with path.open("rb") as file:
                message = BytesParser(policy=policy.default).parse(file)
            if address in str(message["To"]) and "urgent flag" in str(message["Subject"]):
                return f"{message['Subject']!r} to {address}"
        time.sleep(0.5)
    found = len(list(mail_dir.glob("*.eml")))
    raise CheckFailed(f"no urgent alert to {address} after {seconds:.0f} s ({found} other emails)")


def processes(group: int) -> list[tuple[int, str, set[int]]]:
    """(pid, command line, its real, effective, saved and file uids) of each process in a
    process group, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue  # it ended while we looked
        # The group id is the third field after the parenthesised command name.
        if int(stat.rsplit(")", 1)[1].split()[2]) != group:
            continue
        uids = re.search(r"^Uid:\s+(.*)$", status, re.MULTILINE).group(1).split()
        found.append((int(entry.name), command, {int(uid) for uid in uids}))
    return found


def unprivileged(groups: dict[str, int], uid: int) -> str:
    """Every process of each command started in the image (gunicorn's workers too) runs
    as `uid` only. buildah's own processes around them run as root and are not checked."""
    counts = []
    for name, group in groups.items():
        inside = [p for p in processes(group) if not p[1].startswith("buildah")]
        if not inside:
            raise CheckFailed(f"no {name} process is running")
        wrong = [f"{pid} {cmd!r} as {sorted(uids)}" for pid, cmd, uids in inside if uids != {uid}]
        if wrong:
            raise CheckFailed(f"{name} runs as another user: {'; '.join(wrong)}")
        counts.append(f"{name} ({len(inside)} process{'es' if len(inside) > 1 else ''})")
    return f"{', '.join(counts)} run as uid {uid}"


def group_arg(text: str) -> tuple[str, int]:
    name, _, group = text.partition("=")
    return name, int(group)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="gunicorn's port")
    parser.add_argument("--mail-dir", type=Path, required=True, help="the SMTP sink's directory")
    parser.add_argument("--alert-address", required=True, help="the clinic's alert address")
    parser.add_argument("--patient", required=True, help="the patient's username")
    parser.add_argument("--first-name", required=True, help="the patient's first name")
    parser.add_argument("--password", required=True, help="the patient's password")
    parser.add_argument("--uid", type=int, required=True, help="the image's unprivileged user")
    parser.add_argument(
        "--group", type=group_arg, action="append", required=True, help="NAME=PROCESS_GROUP"
    )
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for each")
    options = parser.parse_args()

    browser = Browser(options.port)
    checks = [
        ("/health/", lambda: health(browser, options.wait)),
        ("/health/processes/", lambda: processes_watched(browser, options.wait)),
        (
            "a signed-in page",
            lambda: signed_in_week(browser, options.patient, options.password, options.first_name),
        ),
        ("an urgent symptom check-in", lambda: urgent_check_in(browser)),
        ("the Spanish translations", lambda: spanish_page(options.port)),
        (
            "its alert email",
            lambda: alert_email(options.mail_dir, options.alert_address, options.wait),
        ),
        ("unprivileged processes", lambda: unprivileged(dict(options.group), options.uid)),
    ]
    for name, check in checks:
        try:
            print(f"  ok  {name}: {check()}", flush=True)
        except (CheckFailed, Unexpected, OSError) as error:
            print(f"FAILED  {name}: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
