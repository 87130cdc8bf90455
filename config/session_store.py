"""Sessions in the database, as Django keeps them, with an outage reported as one.

Sessions are saved at the end of a request that changed them, and at least once a minute
of activity to renew the idle timeout (config.sessions.IdleTimeoutMiddleware). Django's
database store reads any database error during that save as "the session was deleted
meanwhile", and the session middleware answers 400 Bad Request. When the database itself
went away mid-request that is wrong twice over: the patient's walk may already be saved,
and a 4xx tells them, the proxy and the monitoring that the fault was theirs. Passing the
connection error on gives a 500, which browsers, proxies and people read as "try again".
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.db import InterfaceError, OperationalError


class SessionStore(db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as interrupted:
            # Django raises UpdateError while handling the database error, so that error
            # is its context: a lost connection, or a plain "no row was updated".
            if isinstance(interrupted.__context__, OperationalError | InterfaceError):
                raise interrupted.__context__ from None
            raise
