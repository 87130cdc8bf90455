"""The production configuration, served for real: gunicorn, whitenoise, DEBUG off."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTHON_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def fetch(url: str, *, https: bool = True) -> tuple[int, dict[str, str], str]:
    """A request as the TLS-terminating proxy in front of gunicorn would pass it on."""
    headers = {"Host": "stepwise.example.org"}
    if https:
        headers["X-Forwarded-Proto"] = "https"
    request = urllib.request.Request(url, headers=headers)
    try:
        with OPENER.open(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "false",
        "SECRET_KEY": "production-like-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "stepwise.example.org",
        "BEHIND_TLS_PROXY": "true",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "STATIC_ROOT": str(work / "static"),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    server = subprocess.Popen(
        [PYTHON_BIN / "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            fetch(f"{base}/health/")
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.2)
    yield base
    server.terminate()
    server.wait(timeout=30)


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
