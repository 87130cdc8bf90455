"""Stepwise behind the reference nginx site (deploy/nginx/stepwise.conf), served for real.

The site is run as shipped, with only what a clinic would change replaced: the ports (HTTPS
on a port other than 443, the case where a proxy that drops the port breaks sign-in), the
certificate (self-signed here) and the log's path. gunicorn behind it runs with production
settings, and requests go to nginx over HTTPS as a browser's would.
"""

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "stepwise.conf"
PYTHON_BIN = Path(sys.executable).parent
HOST = "stepwise.example.org"
PASSWORD = "a-long-test-password"  # tests.factories' own
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(path, os.X_OK)), None
)
OPENSSL = shutil.which("openssl")
NOT_INHERITED = {"DJANGO_ALLOW_ASYNC_UNSAFE", "LOG_FORMAT", "LOG_LEVEL", "GUNICORN_ACCESS_LOG"}

pytestmark = pytest.mark.skipif(
    (NGINX is None or OPENSSL is None) and os.environ.get("CI") != "true",
    reason="nginx or openssl is not installed (under CI this fails instead)",
)

MAKE_A_PATIENT = """
from tests import factories
clinic = factories.make_clinic("North Clinic")
clinician = factories.make_staff("carol", clinic)
print(factories.make_patient(clinic, clinician, "Bea").user.email)
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rendered(site: str, *, tls: int, plain: int, upstream: int, work: Path) -> str:
    """The site with the ports, certificate and log changed, as the docs say to."""
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{plain};",
        "listen 443 ssl;": f"listen 127.0.0.1:{tls} ssl;",
        "https://$host$request_uri": f"https://$host:{tls}$request_uri",
        "http://127.0.0.1:8000": f"http://127.0.0.1:{upstream}",
        "/etc/ssl/certs/stepwise.example.org.pem": str(work / "cert.pem"),
        "/etc/ssl/private/stepwise.example.org.key": str(work / "key.pem"),
        "/var/log/nginx/stepwise.access.log": str(work / "access.log"),
    }
    for shipped, here in replacements.items():
        assert shipped in site, f"the site no longer has {shipped!r}"
        site = site.replace(shipped, here)
    # One address is enough here; the machine may have no IPv6.
    return "\n".join(line for line in site.splitlines() if "listen [::]" not in line)


def nginx_conf(work: Path) -> str:
    """The minimum around a site for nginx to run as this user, with every file in work."""
    temp = "\n".join(
        f"  {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi")
    )
    return f"""
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
{temp}
  uwsgi_temp_path {work / "uwsgi"};
  scgi_temp_path {work / "scgi"};
  include {work / "stepwise.conf"};
}}
"""


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def cookies(self) -> dict[str, str]:
        pairs = (value.split(";", 1)[0] for value in self.headers.get_all("Set-Cookie") or [])
        return dict(pair.split("=", 1) for pair in pairs)


@dataclass
class Proxied:
    tls_port: int
    plain_port: int
    work: Path
    patient_email: str

    @property
    def origin(self) -> str:
        return f"https://{HOST}:{self.tls_port}"

    def https(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        source: str = "127.0.0.1",
    ) -> Answer:
        """A request to nginx as a browser at `source` sends it: to stepwise.example.org,
        the name in the certificate and in Host (with the port), but at this machine."""
        context = ssl.create_default_context(cafile=self.work / "cert.pem")
        connection = http.client.HTTPSConnection(
            HOST, self.tls_port, context=context, timeout=10, source_address=(source, 0)
        )
        connection._create_connection = lambda address, timeout, source_address: (
            socket.create_connection(("127.0.0.1", address[1]), timeout, source_address)
        )
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read().decode())
        finally:
            connection.close()

    def plain(self, path: str) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.plain_port, timeout=10)
        try:
            connection.request("GET", path, headers={"Host": HOST})
            response = connection.getresponse()
            return Answer(response.status, response.headers, response.read().decode())
        finally:
            connection.close()

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        """GETs the form, then POSTs it with its CSRF token, as a browser on this site."""
        page = self.https("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
        return self.https(
            "POST",
            path,
            form={"csrfmiddlewaretoken": token, **fields},
            cookies=page.cookies(),
            headers={"Origin": self.origin, "Referer": self.origin + path},
        )

    def app_line(self, request_id: str) -> dict:
        """The app's own line for a request (stepwise.requests), in JSON."""
        line = written_line(
            self.work / "gunicorn.log",
            lambda line: f'"request_id": "{request_id}"' in line and '"client"' in line,
        )
        return json.loads(line)

    def access_line(self, request_id: str) -> str:
        return written_line(self.work / "access.log", lambda line: line.endswith(request_id))


def written_line(log: Path, wanted: Callable[[str], bool]) -> str:
    """The line of a log that `wanted` picks, once written in full: gunicorn's worker may
    still be writing it, and nginx writes its line after the client has the answer."""
    deadline = time.monotonic() + 5
    while True:
        found = [line for line in log.read_text().split("\n")[:-1] if wanted(line)]
        if found:
            [line] = found
            return line
        assert time.monotonic() < deadline, f"no such line in {log.name}"
        time.sleep(0.1)


def wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"{what} did not start")
            time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    assert NGINX and OPENSSL, "nginx and openssl are required under CI=true"
    work = tmp_path_factory.mktemp("nginx")
    tls, plain, upstream = free_port(), free_port(), free_port()
    origin = f"https://{HOST}:{tls}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
        "DEBUG": "false",
        "SECRET_KEY": "nginx-proxy-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-0123",
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "STATIC_ROOT": str(work / "static"),
        # Four slashes: the URL's path loses its first one, and a relative one lands in cwd.
        "EMAIL_URL": f"filemail:///{work / 'mail'}",
        # Emails are sent by the worker; here the web process sends them as it commits, so
        # the password-reset link can be read without starting one.
        "TASK_BACKEND": "immediate",
        "BEHIND_TLS_PROXY": "true",
        "TRUSTED_PROXY_COUNT": "1",
        "CSRF_TRUSTED_ORIGINS": origin,
        "SITE_URL": origin,
        "PORT": str(upstream),
        "WEB_CONCURRENCY": "2",
    }

    def manage(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout

    certificate = ["-keyout", work / "key.pem", "-out", work / "cert.pem", "-days", "1"]
    name = ["-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}"]
    subprocess.run(
        [OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", *certificate, *name],
        check=True,
        capture_output=True,
        timeout=60,
    )
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    email = manage("shell", "-v", "0", "-c", MAKE_A_PATIENT).splitlines()[-1]
    (work / "stepwise.conf").write_text(
        rendered(SITE.read_text(), tls=tls, plain=plain, upstream=upstream, work=work)
    )
    (work / "nginx.conf").write_text(nginx_conf(work))
    nginx = [NGINX, "-p", str(work), "-e", str(work / "error.log"), "-c", str(work / "nginx.conf")]
    checked = subprocess.run([*nginx, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr

    with ExitStack() as running, (work / "gunicorn.log").open("ab") as log:
        server = subprocess.Popen(
            [PYTHON_BIN / "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        running.callback(stop, server)
        proxy = subprocess.Popen([*nginx, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
        running.callback(stop, proxy)
        wait_for(upstream, server, "gunicorn")
        wait_for(tls, proxy, "nginx")
        yield Proxied(tls, plain, work, email)


def test_plain_http_is_redirected_to_https_on_the_tls_port(proxied):
    answer = proxied.plain("/accounts/login/?next=/week/")

    assert answer.status == 301
    assert answer.headers["Location"] == f"{proxied.origin}/accounts/login/?next=/week/"


def test_the_health_check_answers_over_https_and_plain_http(proxied):
    assert proxied.https("GET", "/health/").status == 200
    assert proxied.plain("/health/").status == 200


def test_a_patient_signs_in_through_the_proxy_on_a_port_other_than_443(proxied):
    answer = proxied.post_form(
        "/accounts/login/", {"username": proxied.patient_email, "password": PASSWORD}
    )

    assert answer.status == 302, answer.body[:500]
    week = proxied.https("GET", "/week/", cookies=answer.cookies())
    assert week.status == 200
    assert "Strict-Transport-Security" in week.headers


def test_the_app_records_the_address_nginx_saw_not_one_the_client_claims(proxied):
    # Connecting from 127.0.0.2: nginx itself is 127.0.0.1 to gunicorn. The client's own
    # X-Forwarded-For is kept in front of nginx's entry, and never believed.
    answer = proxied.https(
        "GET", "/accounts/login/", headers={"X-Forwarded-For": "203.0.113.7"}, source="127.0.0.2"
    )

    request_id = answer.headers["X-Request-ID"]
    assert proxied.app_line(request_id)["client"] == "127.0.0.2"
    # nginx's line has the same address and id, so the two logs can be read together.
    assert proxied.access_line(request_id).startswith("127.0.0.2 [")


def test_the_access_log_holds_no_token_and_no_query_string(proxied):
    answers = [
        proxied.https("GET", "/invitations/secret-invitation-token/"),
        proxied.https("GET", "/accounts/reset/MQ/secret-reset-token/"),
        proxied.https("GET", "/clinic/?q=Smith"),
    ]

    for answer in answers:
        proxied.access_line(answer.headers["X-Request-ID"])  # written by now
    access_log = (proxied.work / "access.log").read_text()
    assert '"GET /invitations/..."' in access_log
    assert '"GET /accounts/reset/..."' in access_log
    for secret in ("secret-invitation-token", "secret-reset-token", "Smith", "?q="):
        assert secret not in access_log


def test_a_password_reset_link_keeps_the_tls_port(proxied):
    answer = proxied.post_form("/accounts/password_reset/", {"email": proxied.patient_email})

    assert answer.status == 302, answer.body[:500]
    [mail] = (proxied.work / "mail").iterdir()
    links = re.findall(r"https?://\S+/accounts/reset/\S+", mail.read_text())
    assert links
    assert all(link.startswith(f"{proxied.origin}/accounts/reset/") for link in links)


def test_a_burst_of_sign_ins_from_one_address_gets_429_from_nginx(proxied):
    # Without a CSRF token the app refuses each POST at once (403), so the burst is quick;
    # nginx counts them all the same. A separate address leaves the other tests' alone.
    statuses = [
        proxied.https("POST", "/accounts/login/", form={}, source="127.0.0.3").status
        for _ in range(40)
    ]

    assert 429 in statuses
    first_refused = statuses.index(429)
    assert first_refused >= 20, statuses
    assert set(statuses[:first_refused]) == {403}
    # Opening the page is not a sign-in attempt.
    assert proxied.https("GET", "/accounts/login/", source="127.0.0.3").status == 200
