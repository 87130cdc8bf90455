"""Sign-in by email address, whatever its capitalisation, and the name the lockout counts."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

User = get_user_model()


class CaseInsensitiveUsernameBackend(ModelBackend):
    """Signs in whatever the capitals: patients type their email as phones capitalise it.

    Only an unambiguous match signs in; two accounts differing only in case sign in with
    neither spelling rather than with the wrong one.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        matches = accounts_named(username)
        if len(matches) != 1:
            # Run the hasher anyway so timing does not reveal which usernames exist.
            User().set_password(password)
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def accounts_named(typed: str) -> list:
    """At most two accounts whose name matches what was typed, whatever its capitals.

    The one lookup both sign-in and lockout use, so they always agree on the account:
    the database decides what "the same name in other capitals" means (PostgreSQL folds
    a dotless "ı" to "I", for one), and the lockout counts against what it found.
    """
    return list(User._default_manager.filter(username__iexact=typed.strip())[:2])


def attempted_username(request, credentials: dict | None) -> str:
    """The name lockout counts failures against: the account sign-in would find.

    Without this, "Alice@example.com", "alice@example.com" and "alıce@example.com" would
    be counted apart and each spelling would buy another five guesses.
    """
    typed = (credentials or {}).get("username") or request.POST.get("username", "")
    # No account's name is longer than the user model allows, and the lockout records
    # keep at most 255 characters: a longer name typed in any sign-in form (the admin's
    # too) is counted by its first 150.
    typed = typed.strip()[: User._meta.get_field("username").max_length]
    matches = accounts_named(typed) if typed else []
    if len(matches) == 1:
        return matches[0].get_username().lower()
    return typed.casefold()
