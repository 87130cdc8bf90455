import importlib
import io
import json
import logging
import os

import pytest
from django.apps import apps as django_apps

from config.logs import JsonFormatter
from patients.models import StaffRole
from programs.models import PlanTemplate
from tests import factories


def pytest_configure(config):
    """The translations as the pages will read them: compiled from the catalogue now, so a
    test never runs against an older .mo file (it is not committed)."""
    from django.core.management import call_command

    call_command("compile_translations", stdout=io.StringIO())


# Playwright's sync API and pytest-django's live server share one thread; see ENV notes.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Production-strength hashing costs a third of a second per account; tests make many."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_in_process(settings):
    """Queued work runs at once in tests; the database queue has its own tests."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class CapturedLog:
    def __init__(self, stream: io.StringIO):
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self, request_id: str | None = None) -> list[dict]:
        """Each line parsed (every one must be JSON), or those of one request."""
        entries = [json.loads(line) for line in self.text.splitlines()]
        return [e for e in entries if request_id is None or e.get("request_id") == request_id]


@pytest.fixture
def json_log():
    """What the site logs during the test, formatted as in production (LOG_FORMAT=json)."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "stdout")
    formatter = handler.formatter
    stream = handler.setStream(io.StringIO())
    handler.setFormatter(JsonFormatter())
    yield CapturedLog(handler.stream)
    handler.setFormatter(formatter)
    handler.setStream(stream)


@pytest.fixture
def clinic(db):
    return factories.make_clinic("North Clinic")


@pytest.fixture
def other_clinic(db):
    return factories.make_clinic("South Clinic", country="US")


@pytest.fixture
def clinician(clinic):
    return factories.make_staff("carol", clinic)


@pytest.fixture
def other_clinician(other_clinic):
    return factories.make_staff("oscar", other_clinic)


@pytest.fixture
def reviewer(clinic):
    return factories.make_staff("rita", clinic, StaffRole.REVIEWER)


@pytest.fixture
def clinic_admin(clinic):
    return factories.make_staff("adam", clinic, StaffRole.CLINIC_ADMIN)


@pytest.fixture
def superuser(db):
    return factories.make_staff("root", None, is_superuser=True)


@pytest.fixture
def patient(clinic, clinician):
    return factories.make_patient(clinic, clinician, "Alice")


@pytest.fixture
def other_patient(other_clinic, other_clinician):
    return factories.make_patient(other_clinic, other_clinician, "Bob")


@pytest.fixture
def standard_template(db):
    # Transactional tests flush the database, shipped data included, and serialized
    # rollback cannot restore it under Playwright (its event loop gives Django a fresh
    # connection object without the snapshot). So rebuild it with the migration's own code.
    shipped = importlib.import_module("programs.migrations.0002_standard_template")
    shipped.create_standard_template(django_apps, None)
    return PlanTemplate.objects.get(name=shipped.NAME, clinic__isnull=True)


@pytest.fixture
def clinic_template(clinic):
    return factories.make_template("North ladder", clinic)


@pytest.fixture
def other_clinic_template(other_clinic):
    return factories.make_template("South ladder", other_clinic)
