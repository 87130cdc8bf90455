from django import template
from django.forms import BoundField

register = template.Library()


@register.simple_tag
def widget(field: BoundField, **attrs):
    """Render an input that names its hint and its errors, so screen readers read both."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.simple_tag
def described_by(field: BoundField) -> str:
    """The ids a fieldset of choices points to: its hint and its errors."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)
