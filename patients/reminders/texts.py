"""What a reminder says, by email and as a notification.

A phone's lock screen and an email's preview are public: a reminder never names a
symptom, pain, the back or a diagnosis, only walking and Stepwise. Each says calmly what
to do next.
"""

from typing import NamedTuple

from django.utils.translation import gettext as _

from patients.models import ReminderKind


class ReminderText(NamedTuple):
    title: str  # a notification's title and an email's subject
    body: str  # one or two short sentences


def reminder_text(kind: str) -> ReminderText:
    """The words of one kind of reminder, in the active language (both channels use it)."""
    if kind == ReminderKind.WALK:
        return ReminderText(
            _("Time for your walk"),
            _("Your walk is planned for today. Afterwards, log it in Stepwise."),
        )
    if kind == ReminderKind.NUDGE:
        return ReminderText(
            _("A short walk today?"),
            _(
                "You have not logged a walk for a few days. A short, easy walk counts. "
                "Log it in Stepwise afterwards."
            ),
        )
    if kind == ReminderKind.MORNING_CHECK:
        return ReminderText(
            _("Your morning check"),
            _("Please answer one short question about yesterday's walk in Stepwise."),
        )
    return ReminderText(
        _("This is a test reminder"),
        _("Your reminders from Stepwise will look like this. There is nothing to do now."),
    )


def reminder_email(kind: str, *, page_link: str, settings_link: str, stop_link: str):
    """The subject and body of a reminder email."""
    text = reminder_text(kind)
    body = "\n\n".join(
        [
            text.body,
            _("Open Stepwise: %(link)s") % {"link": page_link},
            _("To change when and how you are reminded: %(link)s") % {"link": settings_link},
            _("To stop reminder emails: %(link)s") % {"link": stop_link},
        ]
    )
    return text.title, body
