import zoneinfo

from django.conf import settings
from django.db import migrations, models


def date_ended_plans(apps, schema_editor):
    """An ended plan's end date: the day of its "end" change, where its clinic is."""
    PlanAssignment = apps.get_model("programs", "PlanAssignment")
    StageChange = apps.get_model("programs", "StageChange")
    ended = PlanAssignment.objects.filter(status="ended").select_related("patient__clinic")
    for plan in ended.iterator():
        change = (
            StageChange.objects.filter(assignment=plan, kind="end").order_by("-changed_at").first()
        )
        moment = change.changed_at if change else plan.updated_at
        zone = zoneinfo.ZoneInfo(plan.patient.clinic.timezone)
        plan.ended_on = moment.astimezone(zone).date()
        plan.save(update_fields=["ended_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0018_outcomes"),
        ("programs", "0004_remove_open_flags_option"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="planassignment",
            name="ended_on",
            field=models.DateField(blank=True, null=True, verbose_name="ended on"),
        ),
        migrations.RunPython(date_ended_plans, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="planassignment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "ended"), _negated=True),
                    ("ended_on__isnull", False),
                    _connector="OR",
                ),
                name="assignment_ended_has_date",
            ),
        ),
    ]
