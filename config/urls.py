from django.contrib import admin
from django.contrib.auth.views import LoginView, PasswordResetView
from django.urls import include, path

from patients.forms.accounts import QueuedPasswordResetForm, SignInForm
from patients.views.accounts import PasswordResetConfirm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(authentication_form=SignInForm), name="login"),
    path(
        "accounts/password_reset/",
        PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    # In the patient's language (the rest of Django's account pages follow the browser's).
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("patients.urls")),
]

handler500 = "config.errors.server_error"
