"""Prints the current two-step sign-in code for a demo staff account (DEBUG only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients.security import two_factor


class Command(BaseCommand):
    help = "Print the code a demo staff member's authenticator app would show now (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        # With DEBUG off this would hand anyone with shell access every staff member's
        # second factor; real staff use their own authenticator app.
        if not settings.DEBUG:
            raise CommandError("demo_code refuses to run with DEBUG off.")
        user = get_user_model().objects.filter(username__iexact=username).first()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() if user else None
        if device is None:
            raise CommandError(f"{username} has no authenticator app set up.")
        self.stdout.write(two_factor.current_code(device))
