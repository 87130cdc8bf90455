"""Dates in words, in the reader's language: the format itself is translated ("l j F" is
"Tuesday 1 December", "martes 1 de diciembre"), where a fixed format would read wrongly in
another language. Numeric and abbreviated formats stay as they are written in templates."""

from django import template
from django.utils.dateformat import format as date_format
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def long_day(value) -> str:
    """Tuesday 1 December."""
    return date_format(value, pgettext("date format: weekday, day, month", "l j F"))


@register.filter
def day_month(value) -> str:
    """1 December."""
    return date_format(value, pgettext("date format: day, month", "j F"))


@register.filter
def full_date(value) -> str:
    """1 December 2026."""
    return date_format(value, pgettext("date format: day, month, year", "j F Y"))
