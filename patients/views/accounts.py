"""Accounts: a patient accepts their invitation; everyone may pass a second factor."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import verify_token

from patients import languages
from patients.forms.accounts import NewAuthenticatorForm, PasswordCheckForm, SecondFactorForm
from patients.models import Invitation, InvitationState
from patients.security import access, two_factor
from patients.services import enrolment

# What each unusable link says, and what to do next.
LINK_PROBLEMS = {
    None: gettext_lazy(
        "This link is not one we recognise. Check you copied the whole link from the email."
    ),
    InvitationState.USED: gettext_lazy("This invitation has already been used to set a password."),
    InvitationState.EXPIRED: gettext_lazy(
        "This invitation has run out. Invitations work for 7 days."
    ),
    InvitationState.REPLACED: gettext_lazy(
        "A newer invitation has been sent. Please use the link in the newest email."
    ),
}


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("patient__user", "patient__clinic")
        .filter(token_hash=enrolment.invitation_token_hash(token))
        .first()
    )
    now = timezone.now()
    state = invitation.state(now) if invitation else None
    if state != InvitationState.VALID:
        context = {"problem": LINK_PROBLEMS[state], "used": state == InvitationState.USED}
        return render(
            request,
            "registration/invitation_problem.html",
            context,
            status=410 if invitation else 404,
        )
    user = invitation.patient.user
    # The language the clinician chose at enrolment, unless the patient chose on this page.
    language = languages.link_language(request, invitation.patient)
    translation.activate(language)
    if user.has_usable_password():  # an invitation only ever sets a first password
        context = {"problem": LINK_PROBLEMS[InvitationState.USED], "used": True}
        return render(request, "registration/invitation_problem.html", context, status=410)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            # The updated user: signing in with the old object would store a session hash
            # of the old password, and the next request would sign the patient out.
            user = enrolment.invitation_accept(
                invitation=invitation, password=form.cleaned_data["new_password1"], now=now
            )
        except ValidationError:
            return redirect("invitation_accept", token=token)
        enrolment.patient_language_set(patient=invitation.patient, language=language, by=user)
        login(request, user, backend="patients.security.backends.CaseInsensitiveUsernameBackend")
        messages.success(request, _("Welcome to Stepwise. Your password is set."))
        return redirect("home")
    return render(
        request,
        "registration/invitation_accept.html",
        {"form": form, "patient": invitation.patient},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The patient confirms, from the new address and with their password, that their
    account may move to it.

    The password proves the account's owner is the one reading the new address: clinic
    staff type that address, so the link alone would let them move an account to
    themselves. A button, not the link alone, makes the change: mail scanners open links.
    """
    page = "registration/email_change.html"
    try:
        patient = enrolment.email_change_claim(token)
    except ValidationError as error:
        return render(request, page, {"problem": " ".join(error.messages)}, status=410)
    translation.activate(languages.link_language(request, patient))
    data = request.POST if request.method == "POST" else None
    form = PasswordCheckForm(data, request=request, user=patient.user)
    if request.method == "POST" and form.is_valid():
        try:
            patient = enrolment.email_change_confirm(token=token)
        except ValidationError as error:
            return render(request, page, {"problem": " ".join(error.messages)}, status=410)
        return render(request, page, {"done": True, "email": patient.user.email})
    return render(request, page, {"form": form, "email": patient.pending_email})


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """The language switch: the patient's choice is kept on their enrolment (emails and
    reminders follow it) and, for pages before signing in, in a cookie."""
    code = request.POST.get("language", "")
    target = _next_page(request)
    response = redirect(target)
    if not languages.is_offered(code):
        return response
    if request.user.is_authenticated:
        patient = access.signed_in_patient(request.user)
        if patient is None:  # staff pages are in the site's language
            return response
        enrolment.patient_language_set(patient=patient, language=code, by=request.user)
        languages.remember_choice(request, code)
    else:
        languages.remember_page_choice(response, urlsplit(target).path)
    languages.set_cookie(response, code)
    return response


class PasswordResetConfirm(PasswordResetConfirmView):
    """The page of a password reset email's link, in the patient's language (staff, and a
    link that does not work, get the page's usual one)."""

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = self.get_user(kwargs["uidb64"])
        self.patient = getattr(user, "patient", None) if user is not None else None
        # Only for a link that works: a made-up one must not tell whose account reads what.
        if self.patient is not None and self._works(user, kwargs["token"]):
            translation.activate(languages.link_language(request, self.patient))
        return super().dispatch(request, *args, **kwargs)

    def _works(self, user, token: str) -> bool:
        if token == self.reset_url_token:
            token = self.request.session.get(INTERNAL_RESET_SESSION_TOKEN, "")
        return self.token_generator.check_token(user, token)

    def form_valid(self, form):
        # The pages after it (done, sign in) are signed out: they follow this choice.
        response = super().form_valid(form)
        if self.patient is not None:
            languages.set_cookie(response, translation.get_language())
        return response


def locked_out(request: HttpRequest, response=None, credentials=None) -> HttpResponse:
    """What django-axes shows instead of signing in once an account is locked."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)


NEW_RECOVERY_CODES = "stepwise_new_recovery_codes"
WRONG_CODE = gettext_lazy(
    "That code did not work. Wait for a new code in your app and try again, or use a recovery code."
)
SLOW_DOWN = gettext_lazy("Too many wrong codes. Wait a minute, then try again.")


def _next_page(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else "/"


def _redirect_keeping_next(view_name: str, request: HttpRequest) -> HttpResponse:
    return redirect(f"{reverse(view_name)}?{urlencode({'next': _next_page(request)})}")


def _check_code(device, user, code: str, form: SecondFactorForm) -> bool:
    """True when the device accepts the code; otherwise puts the reason on the form."""
    if device is not None and verify_token(user, device.persistent_id, code):
        return True
    allowed, _ = device.verify_is_allowed() if device is not None else (True, None)
    form.add_error("code", WRONG_CODE if allowed else SLOW_DOWN)
    return False


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if not two_factor.user_has_confirmed_app(request.user):
        return _redirect_keeping_next("two_factor_setup", request)
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        code = two_factor.normalise_code(form.cleaned_data["code"])
        device = two_factor.code_device(request.user, code)
        if _check_code(device, request.user, code, form):
            otp_login(request, device)
            request.session.cycle_key()  # the cookie set after the password ends here
            return redirect(_next_page(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_page(request)}
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    if two_factor.user_has_confirmed_app(user):
        if not user.is_verified():
            return _redirect_keeping_next("two_factor_verify", request)
        return render(request, "registration/two_factor_done.html")
    device = two_factor.authenticator_for(user)
    form = NewAuthenticatorForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        code = two_factor.normalise_code(form.cleaned_data["code"])
        if _check_code(device, user, code, form):
            codes = two_factor.app_confirm(device)
            otp_login(request, device)
            request.session.cycle_key()  # the cookie set after the password ends here
            request.session[two_factor.HAS_DEVICE] = True
            request.session[NEW_RECOVERY_CODES] = codes
            return _redirect_keeping_next("recovery_codes", request)
    context = {
        "form": form,
        "next": _next_page(request),
        "qr_code": two_factor.qr_code_svg(device),
        "manual_key": two_factor.manual_key(device),
        "setup_link": device.config_url,
        "required": two_factor.is_required(user),
    }
    return render(request, "registration/two_factor_setup.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Shows new recovery codes once; a verified person may replace them."""
    if not request.user.is_verified():
        return redirect("two_factor_setup")
    if request.method == "POST":
        request.session[NEW_RECOVERY_CODES] = two_factor.recovery_codes_replace(request.user)
        return redirect("recovery_codes")
    codes = request.session.pop(NEW_RECOVERY_CODES, [])
    return render(
        request, "registration/recovery_codes.html", {"codes": codes, "next": _next_page(request)}
    )
