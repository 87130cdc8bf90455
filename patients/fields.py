from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


class ChoiceListField(models.JSONField):
    """A list of choice codes (pain descriptors, body areas) stored as JSON.

    JSON keeps the list portable between SQLite and PostgreSQL, and the rules read it as
    a plain list. Forms show it as a group of checkboxes.
    """

    def __init__(self, *args, item_choices=(), **kwargs):
        self.item_choices = [tuple(choice) for choice in item_choices]
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["item_choices"] = self.item_choices
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        allowed = {code for code, _label in self.item_choices}
        unknown = sorted(set(value or []) - allowed)
        if unknown:
            raise ValidationError(
                _("Unknown choice: %(values)s."), params={"values": ", ".join(map(str, unknown))}
            )

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.item_choices,
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
        )
