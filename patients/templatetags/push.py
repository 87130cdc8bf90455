from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def vapid_public_key() -> str:
    """The key a browser subscribes with; empty when this server does not send web push
    (settings VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY), and then the toggle is left out."""
    if settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY:
        return settings.VAPID_PUBLIC_KEY
    return ""
