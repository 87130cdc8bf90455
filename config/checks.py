"""Start-up checks for settings that must hold, whatever the environment says."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.compatibility)
def check_time_zone(app_configs, **kwargs) -> list[Error]:
    # Walk dates, the 24-hour edit window and escalation timers all assume UTC storage.
    if settings.TIME_ZONE != "UTC" or not settings.USE_TZ:
        return [
            Error(
                "Stepwise stores times in UTC: TIME_ZONE must be 'UTC' and USE_TZ True.",
                id="stepwise.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_production_hosts(app_configs, **kwargs) -> list[Error]:
    if not settings.DEBUG and "*" in settings.ALLOWED_HOSTS:
        return [Error("ALLOWED_HOSTS must name the real host names, not '*'.", id="stepwise.E002")]
    return []


@register(Tags.translation)
def check_translations_compiled(app_configs, **kwargs) -> list[Error]:
    # Without its .mo file a language shows English everywhere, safety advice included,
    # to a patient who chose it: an install must compile them (README).
    from patients.translations import catalogues, is_compiled

    stale = [str(po) for po in catalogues() if not is_compiled(po)]
    if stale:
        return [
            Error(
                "The translations are not compiled, or are older than their catalogue: "
                + ", ".join(stale),
                hint="Run `stepwise compile_translations` (manage.py in a checkout).",
                id="stepwise.E003",
            )
        ]
    return []
