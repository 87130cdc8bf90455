"""The notifications toggle in the reminder settings form: offered only where this server
can send web push, hidden until the script finds a browser that can show it."""

import re
from pathlib import Path

from django.template.loader import render_to_string

from patients.management.commands.vapid_keys import new_key_pair

ROOT = Path(__file__).resolve().parent.parent.parent


def test_without_keys_the_toggle_is_left_out(settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""

    assert render_to_string("patients/includes/push_toggle.html").strip() == ""


def test_with_keys_the_hidden_toggle_carries_the_key_and_its_script(settings):
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = new_key_pair()

    html = render_to_string("patients/includes/push_toggle.html")

    assert re.search(r"<fieldset[^>]*\shidden\b", html)
    assert f'data-push-key="{settings.VAPID_PUBLIC_KEY}"' in html
    assert 'data-subscribe-url="/reminders/push/"' in html
    assert 'role="status"' in html
    assert "Notifications on this phone" in html
    assert re.search(r'<script src="[^"]*js/push\.js" defer></script>', html)
    assert "<style" not in html and " style=" not in html
    assert len(re.findall(r"<script\b", html)) == 1


def test_the_service_worker_opens_only_this_sites_pages():
    script = (ROOT / "static/js/sw-push.js").read_text()

    assert 'addEventListener("push"' in script
    assert 'addEventListener("notificationclick"' in script
    assert "self.location.origin" in script
    assert "/static/icons/icon-192.png" in script
