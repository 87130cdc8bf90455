"""gunicorn settings for production: `gunicorn -c config/gunicorn.py config.wsgi`."""

import os

from config.env import env_int, env_str
from config.settings import LOGGING

# The loopback only, unless told otherwise: the proxy in front must be the sole way in
# (BEHIND_TLS_PROXY trusts its X-Forwarded-Proto). A container listens on its own
# interface, so the Docker image sets BIND_ADDRESS=0.0.0.0.
_address = env_str("BIND_ADDRESS", "127.0.0.1")
if ":" in _address and not _address.startswith("["):
    _address = f"[{_address}]"  # an IPv6 address
bind = f"{_address}:{env_int('PORT', 8000, minimum=1)}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak never takes a server down.
max_requests = 2000
max_requests_jitter = 200
# gunicorn's own messages go through Django's logging, one JSON object a line. Its access
# log is off unless GUNICORN_ACCESS_LOG=true: it prints raw paths and query strings (the
# tokens of invitation links, searches for patients' names), and the app logs one line per
# request without them (config/request_log.py).
logconfig_dict = LOGGING
# gunicorn's control socket (in $HOME/.gunicorn) is not used, and the systemd units keep
# the service user's home read-only.
control_socket_disable = True
# The proxy in front sets X-Forwarded-*; trust it only from the addresses listed.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
