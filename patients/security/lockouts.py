"""A lockout is logged with the account's number and the client's address.

django-axes' own warning masks the name typed, so it says neither who nor from where; the
name cannot be logged instead, as a patient's username is their email address. IT reads
this line to tell one forgetful person from someone guessing (docs/operations.md, "Logs").
"""

import logging

from axes.signals import user_locked_out
from django.dispatch import receiver

from patients.security.backends import accounts_named

logger = logging.getLogger("stepwise.security")


@receiver(user_locked_out)
def log_lockout(sender, request, username: str | None, ip_address: str | None, **kwargs):
    matches = accounts_named(username) if username else []
    account = matches[0].pk if len(matches) == 1 else None
    logger.warning(
        "Sign-in locked after repeated wrong passwords: account %s from %s",
        account if account is not None else "unknown",
        ip_address or "an unknown address",
        extra={"user_id": account, "client": ip_address},
    )
