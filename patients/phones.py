"""Patients' telephone numbers: read as the clinic's staff type them, kept in one form.

Numbers are checked and formatted by `phonenumbers` (Google's libphonenumber data), read
in the clinic's country unless they start with +, and stored as E.164 ("+447700900123"),
the form a tap-to-call link needs.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The clinic's country as a phone region; "EU" is not one, so numbers there start with +.
REGIONS = {"GB": "GB", "IE": "IE", "US": "US", "CA": "CA", "AU": "AU", "NZ": "NZ"}


def normalise(text: str, country: str) -> str:
    """The number in E.164, or a ValidationError saying how to write it."""
    text = text.strip()
    if not text:
        return ""
    region = REGIONS.get(country)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a telephone number that can be called, %(example)s.")
            % {"example": _example(region)}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _example(region: str | None) -> str:
    if region is None:
        return _("starting with + and the country code, for example +353 85 012 3456")
    sample = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = phonenumbers.format_number(sample, phonenumbers.PhoneNumberFormat.NATIONAL)
    return _("for example %(number)s") % {"number": national}


def display(e164: str) -> str:
    """The stored number as people read it: +44 7700 900123."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
