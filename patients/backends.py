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
        matches = list(User._default_manager.filter(username__iexact=username.strip())[:2])
        if len(matches) != 1:
            # Run the hasher anyway so timing does not reveal which usernames exist.
            User().set_password(password)
            return None
        user = matches[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def attempted_username(request, credentials: dict | None) -> str:
    """The name lockout counts failures against: as sign-in matches it, whatever the case.

    Without this, "Alice@example.com" and "alice@example.com" would be counted apart and
    each capitalisation would buy another five guesses.
    """
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    # No account's name is longer than the user model allows, and the lockout records
    # keep at most 255 characters: a longer name typed in any sign-in form (the admin's
    # too) is counted by its first 150.
    return username.strip().lower()[: User._meta.get_field("username").max_length]
