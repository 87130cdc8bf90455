"""The shipped standard plan's words (migration 0002), marked for the translation catalogue.

A stage's guidance is the clinic's own text, shown as written. While a plan still carries
the shipped words unchanged, a patient reading another language sees them translated
(`{% translate stage.guidance %}`); once a clinician edits them, as they wrote them.
tests/languages checks that these are exactly the migration's words.
"""

from django.utils.translation import gettext_noop

SHIPPED_GUIDANCE = [
    gettext_noop(
        "Start small. Walk at an easy pace on flat ground: you should still be able to talk. "
        "Leave a day between walks if you like."
    ),
    gettext_noop(
        "Two more minutes each walk. Walk at an easy pace on flat ground: you should still be "
        "able to talk."
    ),
    gettext_noop("A little longer each walk. Keep the same easy pace."),
    gettext_noop("A little longer again. If pain builds, slow down or rest, then carry on."),
    gettext_noop("Same length, one more walk a week. Spread the walks across the week."),
    gettext_noop("A little longer each walk, still on flat ground."),
    gettext_noop(
        "One more walk a week. Keep to flat ground for the first week of this stage; after "
        "that gentle slopes or uneven paths are fine if the walks feel comfortable."
    ),
    gettext_noop(
        "The full dose: 30 minutes, 5 times a week. Keep it up: consistency beats intensity."
    ),
]
