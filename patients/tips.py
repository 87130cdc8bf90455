"""Short tips from the program's education, one a day on the patient's home page."""

import datetime

from django.utils.translation import gettext_lazy as _

TIPS = [
    _("Start small. A short walk you can repeat beats a long one that sets you back."),
    _("Flat ground first. Save hills and uneven paths for the later stages."),
    _("Wear comfortable, supportive shoes with a cushioned sole."),
    _("Walk tall: head up, shoulders relaxed, arms swinging gently."),
    _("Listen to your body. Discomfort means slow down or rest; sharp pain means stop."),
    _("Consistency beats intensity. Three easy walks help more than one hard one."),
    _("A walking buddy makes it easier to keep going, and more fun."),
    _("Change one thing at a time: minutes first, then how often, then the ground."),
]


def tip_for(day: datetime.date) -> str:
    return TIPS[day.toordinal() % len(TIPS)]
