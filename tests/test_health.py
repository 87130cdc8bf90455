import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "from django.test import Client; "
    "response = Client().get('/health/', HTTP_HOST='10.0.0.7'); "
    "print(response.status_code, response.content.decode())"
)


def test_health_answers_ok_when_the_database_answers(client, db):
    response = client.get("/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_health_is_served_to_probes_with_an_unknown_host_name(client, db):
    response = client.get("/health/", HTTP_HOST="10.0.0.7:8000")

    assert response.status_code == 200


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_health_answers_503_when_the_database_cannot_be_reached():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{closed_port()}/nothing",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert '"database": "unavailable"' in body
