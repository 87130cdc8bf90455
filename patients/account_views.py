"""Accounts: a patient accepts their invitation by choosing a password."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from patients import services
from patients.models import Invitation, InvitationState

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
        .filter(token_hash=services.invitation_token_hash(token))
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
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            # The updated user: signing in with the old object would store a session hash
            # of the old password, and the next request would sign the patient out.
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["new_password1"], now=now
            )
        except ValidationError:
            return redirect("invitation_accept", token=token)
        login(request, user, backend="patients.backends.CaseInsensitiveUsernameBackend")
        messages.success(request, _("Welcome to Stepwise. Your password is set."))
        return redirect("home")
    return render(
        request,
        "registration/invitation_accept.html",
        {"form": form, "patient": invitation.patient},
    )
