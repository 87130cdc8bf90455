"""Sign-in, the password check that confirms an account change, and two-step codes."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from patients.forms.common import ErrorSummaryMixin
from patients.services.enrolment import password_reset_send


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing a username longer than any account's can be.

    Django sets the field's max_length without its validator, so an over-long name reached
    authentication and whatever records failed sign-ins in a shorter column: a 500.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's password-reset form, with the email left to the background worker.

    Sending it here would tie the page to the mail server; queued, the page is the same
    whether the address has an account or not, and whether mail is working or not.
    """

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        password_reset_send(user=context["user"])


class PasswordCheckForm(ErrorSummaryMixin, forms.Form):
    """The account's current password, checked the way sign-in checks it, so wrong guesses
    here count towards the same lockout."""

    password = forms.CharField(
        label=_("Your Stepwise password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your Stepwise password.")},
    )

    def __init__(self, *args, request, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.request, self.user = request, user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        signed_in = authenticate(self.request, username=self.user.username, password=password)
        if signed_in is None or signed_in.pk != self.user.pk:
            raise forms.ValidationError(
                _("That is not your Stepwise password. Try again, or ask your clinic for help.")
            )
        return password


class SecondFactorForm(ErrorSummaryMixin, forms.Form):
    """A six-digit code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        error_messages={"required": _("Enter the code from your authenticator app.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class NewAuthenticatorForm(SecondFactorForm):
    """Setting up an authenticator: the code from the new app, and the password again.

    Without the password, a session left signed in (or taken over) could enrol its own
    app after a clinic admin reset the account's two-step sign-in.
    """

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To keep your account safe, type your password again."),
        error_messages={"required": _("Type your password.")},
    )

    field_order = ["password", "code"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password. Type it again."))
        return password
