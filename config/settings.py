"""Stepwise settings, driven by the environment alone.

With no environment at all this is a local development setup on SQLite with DEBUG on.
DEBUG=false switches on production: a real secret, explicit hosts, HTTPS-only cookies,
HSTS, compressed static files. README.md lists every variable.
"""

import datetime
from email.utils import parseaddr
from pathlib import Path

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_secret,
    env_str,
)
from config.logs import FORMATS, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
# templates/ and static/ sit at the top of a checkout; an installed Stepwise carries them
# inside config/ (pyproject.toml).
_CONFIG_DIR = Path(__file__).resolve().parent
ASSETS_DIR = _CONFIG_DIR if (_CONFIG_DIR / "templates").is_dir() else BASE_DIR

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_secret("SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY (or SECRET_KEY_FILE) is required when DEBUG is off. "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is required when DEBUG is off, e.g. ALLOWED_HOSTS=stepwise.example.org"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "patients.apps.StepwiseAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "oauth2_provider",
    "patients",
    "programs",
]

MIDDLEWARE = [
    # First, so a load balancer's probe is answered before host checks and HTTPS redirects.
    "config.health.HealthCheckMiddleware",
    # Next, so every other request has its id, and its log line, whatever answers it.
    "config.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.requests.RejectUnreadableRequestsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Right after the sessions, so it sees the session as the rest left it on the way out.
    "config.sessions.IdleTimeoutMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.headers.NoStoreWhenSignedInMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "patients.local_time.ClinicTimeZoneMiddleware",
    # After the sessions and the user: a signed-in patient's language is in the session.
    "patients.languages.LanguageMiddleware",
    "patients.security.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.sessions.AbsoluteSessionLifetimeMiddleware",
    "patients.security.two_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # In development runserver serves static files; in production whitenoise does, with
    # hashed names and far-future caching.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [ASSETS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "patients.languages.language_switch",
            ],
        },
    },
]

# Only development falls back to SQLite: a production process started without its
# environment (a cron job, a unit missing its EnvironmentFile) must stop, not quietly work
# on an empty file of its own.
if not DEBUG and env_secret("DATABASE_URL") is None:
    raise ImproperlyConfigured(
        "DATABASE_URL is required when DEBUG=false, e.g. "
        "DATABASE_URL=postgres://stepwise:PASSWORD@db.example.org:5432/stepwise"
    )
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
# A connection kept across requests is checked before reuse, so a restarted database
# costs one failed request at most, not a worker full of dead connections.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write to one SQLite file, so they must take turns
    # without failing with "database is locked". Write-ahead logging lets readers carry on
    # while one connection writes. IMMEDIATE takes the write lock when a transaction
    # begins: a transaction that read first and then wrote would otherwise find the lock
    # taken by another writer and fail at once, without waiting. Then a writer queues for
    # up to 20 seconds instead of 5. synchronous stays FULL: a walk the patient was told
    # is saved survives a power cut. (On the in-memory test database WAL does nothing.)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
# Or a psycopg connection pool in each worker process (PostgreSQL only). Django then hands
# connections back to the pool at the end of each request instead of keeping them.
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 0)
if DATABASE_POOL_SIZE:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOL_SIZE needs a PostgreSQL DATABASE_URL.")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 10,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "patients.security.backends.CaseInsensitiveUsernameBackend",
]
# Lockout: after this many wrong passwords for one account, sign-in to it is refused
# until the cool-off ends or a clinic admin unlocks it. Counted per account (not per
# address), so guessing from many addresses is stopped too; see docs/security.md.
AXES_FAILURE_LIMIT = env_int("LOCKOUT_FAILURES", 5, minimum=3)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "patients.security.backends.attempted_username"
AXES_LOCKOUT_CALLABLE = "patients.views.accounts.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # the scoped "Locked sign-ins" admin replaces axes' own
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "config.proxies.client_ip"
# How many reverse proxies (load balancer, nginx) sit in front of the app and append to
# X-Forwarded-For. 0: the connecting address is the client's. Used for the audit trail.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
OTP_TOTP_ISSUER = "Stepwise"
SILENCED_SYSTEM_CHECKS = [
    # axes wants the address in the lockout key. Counting per address as well would let
    # five typos from one clinic's shared address lock every colleague out; counting per
    # account cannot be dodged by changing address, browser or cookies.
    "axes.W006",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: the session expires after this many minutes without a request. Its expiry
# is renewed at most once a minute (config.sessions.IdleTimeoutMiddleware), not saved on
# every request, so a session may end up to a minute early.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 60, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = False
# Django's database sessions, except that a database outage is a 500, not a 400.
SESSION_ENGINE = "config.session_store"
# Messages name patients and symptoms ("Acknowledged: David Brown, ..."): kept in the
# session on the server, never in a cookie the browser holds (signed is not encrypted).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# And however active, a sign-in lasts at most this long.
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1)

LANGUAGE_CODE = "en-gb"
# The languages a patient may read Stepwise in (docs/translation.md). Staff pages, the FHIR
# API and everything a clinician receives stay in LANGUAGE_CODE.
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
# The translations (config/locale/es/LC_MESSAGES/django.po), compiled by
# `manage.py compile_translations`, which scripts/run, scripts/test and the image run.
LOCALE_PATHS = [_CONFIG_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [ASSETS_DIR / "static"]
# Where collectstatic writes and whitenoise serves from. In production never inside the
# installed package or the checkout, which an upgrade replaces.
STATIC_ROOT = env_str(
    "STATIC_ROOT", str(BASE_DIR / "staticfiles") if DEBUG else "/var/lib/stepwise/static"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background work (alert emails) goes through a database-backed queue; `manage.py db_worker`
# runs it, on as many machines as needed. "immediate" runs tasks in the web process.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = env_str("TASK_BACKEND", "database")
if _task_backend not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASK_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {_task_backend!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend]}}

# The FHIR API's credentials (docs/fhir.md): OAuth2 client credentials only, each client a
# clinic's system created in the admin. Secrets are stored hashed; a token lasts an hour.
OAUTH2_PROVIDER = {
    "SCOPES": {"system/*.read": "Read the clinic's records"},
    "DEFAULT_SCOPES": ["system/*.read"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("FHIR_TOKEN_SECONDS", 3600, minimum=60),
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # RFC 9700's recommendations, enforced now rather than at the library's 4.0: tokens
    # stored hashed, never taken from a query string, no implicit or password grants.
    **{
        f"COMPLIANT_BCP_RFC9700_{gate}": True
        for gate in (
            "IMPLICIT_GRANT",
            "PASSWORD_GRANT",
            "PKCE_METHOD",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_SCHEME",
            "REDIRECT_URI_MATCHING",
            "PKCE_REQUIRED",
        )
    },
}
# Named for migrations that point at the application model (the library's own default).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"

# The address in links sent by email (invitations, alerts).
SITE_URL = env_str(
    "SITE_URL", "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
).rstrip("/")

vars().update(env_email("EMAIL_URL", "consolemail://" if DEBUG else "smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Stepwise <stepwise@localhost>")
# Seconds each step of talking to the mail server may take. Without a limit a mail server
# that accepts and then says nothing holds a worker, and the alert, for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Web push (optional): reminders as notifications on the patient's phone. Without both
# keys Stepwise simply does not offer them. The keys are one VAPID pair (RFC 8292), made by
# `stepwise vapid_keys`: the public key as the browser needs it (base64url, uncompressed
# point) and the private key as 32 raw bytes in base64url, one line with no quotes, so it
# fits the environment file. The contact is how a push service reaches the clinic.
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = env_secret("VAPID_PRIVATE_KEY") or ""
if bool(VAPID_PUBLIC_KEY) != bool(VAPID_PRIVATE_KEY):
    raise ImproperlyConfigured(
        "Set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (stepwise vapid_keys makes a pair), "
        "or neither to leave notifications off."
    )
# The push services a browser's subscription may point at (each host, or any host under
# it): the browsers' own. The server posts to a subscription's address, so without this
# list a patient could point it at a machine inside the clinic's network.
WEB_PUSH_HOSTS = env_list(
    "WEB_PUSH_HOSTS",
    [
        "fcm.googleapis.com",  # Chrome, Edge on Android, Samsung Internet, Opera
        "push.services.mozilla.com",  # Firefox
        "push.apple.com",  # Safari
        "notify.windows.com",  # Edge on Windows
    ],
)
VAPID_CONTACT = env_str("VAPID_CONTACT", f"mailto:{parseaddr(DEFAULT_FROM_EMAIL)[1]}")
if not VAPID_CONTACT.startswith(("mailto:", "https:")):
    raise ImproperlyConfigured(
        f"VAPID_CONTACT must start with mailto: or https:, not {VAPID_CONTACT!r}."
    )

# A strict Content Security Policy: everything from this site, no inline script or style,
# no third-party hosts, no framing. The charts are SVG attributes, so they need nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
if env_bool("BEHIND_TLS_PROXY", default=False):
    # Only safe when a proxy that sets X-Forwarded-Proto is the sole way in.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One JSON object a line in production, for the clinic's log tools; plain lines in a
# terminal. docs/operations.md ("Logs") describes a line and what is never in one.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json").lower()
if LOG_FORMAT not in FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}.")
LOGGING = logging_config(
    log_format=LOG_FORMAT,
    level=env_str("LOG_LEVEL", "INFO"),
    gunicorn_access_log=env_bool("GUNICORN_ACCESS_LOG", default=False),
)
