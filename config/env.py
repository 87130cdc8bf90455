"""Strict readers for settings from the environment.

django-environ parses URLs well, but it reads any unknown word as a false boolean and
raises bare ValueErrors for bad numbers. A clinic's IT person deserves a start-up failure
that names the variable, so every value goes through these helpers.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_str(name: str, default: str) -> str:
    return _raw(name) or default


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """Read NAME, or the contents of the file at NAME_FILE (Docker and Kubernetes secrets)."""
    value = _raw(name)
    path = _raw(f"{name}_FILE")
    if value and path:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    if path:
        try:
            return Path(path).read_text().strip() or None
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE points to {path!r}, which cannot be read: {error.strerror}."
            ) from None
    return value


_DATABASE_SCHEMES = ("postgres://", "postgresql://", "sqlite://")


def env_database(name: str, default: str) -> dict:
    url = env_secret(name) or default
    if not url.startswith(_DATABASE_SCHEMES):
        raise ImproperlyConfigured(
            f"{name} must start with postgres:// or sqlite://, for example "
            "postgres://stepwise:PASSWORD@db.example.org:5432/stepwise."
        )
    try:
        return environ.Env.db_url_config(url)
    except (ImproperlyConfigured, ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {error}") from None


def env_email(name: str, default: str) -> dict:
    url = env_secret(name) or default
    try:
        return environ.Env.email_url_config(url)
    except (ImproperlyConfigured, ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"{name} is not a valid email URL: {error}") from None
