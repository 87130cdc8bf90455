"""Ships the standard graded walking plan from the product design.

One change at a time: minutes first, then walks per week, then ground, from 8 minutes on
flat ground 3 times a week to 30 minutes 5 times a week (the WalkBack dose).
"""

from django.db import migrations

NAME = "Standard graded walking plan"
DESCRIPTION = (
    "Starts small on flat ground and changes one thing at a time (minutes, then how often) "
    "towards 30 minutes, 5 times a week. Mixed ground is allowed only in the last two "
    "stages, after a first week on the flat. Each stage lasts two weeks. Duplicate it to "
    "tailor it for a clinic or a patient."
)
EASY_PACE = "Walk at an easy pace on flat ground: you should still be able to talk."
# (minutes per walk, walks per week, ground, guidance)
LADDER = [
    (8, 3, "flat", "Start small. " + EASY_PACE + " Leave a day between walks if you like."),
    (10, 3, "flat", "Two more minutes each walk. " + EASY_PACE),
    (15, 3, "flat", "A little longer each walk. Keep the same easy pace."),
    (20, 3, "flat", "A little longer again. If pain builds, slow down or rest, then carry on."),
    (20, 4, "flat", "Same length, one more walk a week. Spread the walks across the week."),
    (25, 4, "flat", "A little longer each walk, still on flat ground."),
    (
        25,
        5,
        "mixed",
        "One more walk a week. Keep to flat ground for the first week of this stage; "
        "after that gentle slopes or uneven paths are fine if the walks feel comfortable.",
    ),
    (30, 5, "mixed", "The full dose: 30 minutes, 5 times a week. Keep it up: consistency beats intensity."),
]
WEEKS_PER_STAGE = 2


def create_standard_template(apps, schema_editor):
    PlanTemplate = apps.get_model("programs", "PlanTemplate")
    TemplateStage = apps.get_model("programs", "TemplateStage")
    template, created = PlanTemplate.objects.get_or_create(
        name=NAME, clinic=None, defaults={"description": DESCRIPTION}
    )
    if not created:
        return
    TemplateStage.objects.bulk_create(
        TemplateStage(
            template=template,
            position=position,
            minutes_per_session=minutes,
            sessions_per_week=sessions,
            terrain=ground,
            weeks=WEEKS_PER_STAGE,
            guidance=guidance,
        )
        for position, (minutes, sessions, ground, guidance) in enumerate(LADDER, start=1)
    )


def remove_standard_template(apps, schema_editor):
    PlanTemplate = apps.get_model("programs", "PlanTemplate")
    PlanTemplate.objects.filter(name=NAME, clinic=None).delete()


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]

    operations = [migrations.RunPython(create_standard_template, remove_standard_template)]
