"""A patient reading Spanish never puts Spanish into the records: flag summaries, their
history, plan changes and the audit trail are written in the site's language, which the
clinicians read (docs/translation.md)."""

import datetime

import polib
import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation

from patients.models import Flag
from patients.services.reports import walk_log_correct, walk_log_delete
from patients.translations import catalogues
from patients.views.week import STEP_UP_CHOICES
from programs.models import PlanAssignment
from programs.services import plan_hold
from tests import factories

PLACEHOLDER_SPLIT = r"%\([a-z_0-9]+\)[sdif]|%[sdif]|\{[a-z_0-9]*\}"


def spanish_phrases() -> set[str]:
    """Pieces of the Spanish catalogue long enough to be unmistakable, and not English."""
    import re

    po = polib.pofile(str(next(p for p in catalogues() if "/es/" in str(p))))
    english = " ".join(entry.msgid for entry in po)
    phrases = set()
    for entry in po:
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            for piece in re.split(PLACEHOLDER_SPLIT, text):
                piece = piece.strip(" .,:;()")
                if len(piece) >= 12 and " " in piece and piece not in english:
                    phrases.add(piece)
    return phrases


def stored_texts():
    """Every text the database holds in our apps' tables: (table, column, value)."""
    for model in apps.get_models():
        if model._meta.app_label not in ("patients", "programs"):
            continue
        columns = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model.objects.values(*columns):
            for column, value in row.items():
                if value:
                    yield model._meta.db_table, column, str(value)


@pytest.fixture
def ana(clinic, clinician, standard_template):
    ana = factories.make_patient(clinic, clinician, "Ana", language="es", usual_pain=2)
    factories.assign(ana, standard_template, clinician, days_ago=3)
    return ana


def a_spanish_patients_week(ana, clinician):
    """Everything a patient's reports set off, as during her own requests in Spanish."""
    today = ana.clinic.today()
    with translation.override("es"):
        # The patient's own "stay at this stage" on her week page: a translatable reason.
        plan_hold(
            assignment=PlanAssignment.objects.current_for(ana),
            by=ana.user,
            reason=STEP_UP_CHOICES["stay"][1],
            today=today,
        )
        hard = factories.report_walk(ana, pain_before=2, pain_after=9, walked_on=today)
        factories.answer_morning(hard, "much_worse", pain_now=8)
        late = factories.report_walk(
            ana, walked_on=today - datetime.timedelta(days=1), pain_before=2, pain_after=8
        )
        walk_log_correct(log=late, by=ana.user, now=timezone.now(), pain_after=9)
        walk_log_delete(log=late, by=ana.user, now=timezone.now())
        factories.report_check_in(ana, "saddle", "bladder", pain_now=9)
        factories.report_check_in(ana, "dizzy", pain_now=4)


def test_nothing_a_spanish_patient_sets_off_is_stored_in_spanish(ana, clinician):
    a_spanish_patients_week(ana, clinician)

    assert Flag.objects.filter(patient=ana).count() >= 3
    phrases = spanish_phrases()
    spanish = [
        (table, column, value[:80])
        for table, column, value in stored_texts()
        if any(phrase in value for phrase in phrases)
    ]
    assert spanish == []


def test_the_test_would_see_spanish_in_a_record(ana):
    """The check above is not blind: a summary written in Spanish is caught."""
    with translation.override("es"):
        summary = translation.gettext("Not back to usual the morning after a walk.")
    factories.make_flag(ana, summary=summary)

    phrases = spanish_phrases()
    assert any(any(p in value for p in phrases) for _table, _column, value in stored_texts())


def test_the_clinician_reads_a_spanish_patients_flag_in_english(client, ana, clinician):
    a_spanish_patients_week(ana, clinician)
    flag = Flag.objects.get(patient=ana, rule="cauda_equina")
    factories.sign_in(client, clinician)

    page = client.get(reverse("flag_detail", args=[flag.pk])).content.decode()
    dashboard = client.get(reverse("staff_home")).content.decode()

    assert "Reports possible cauda equina symptoms" in page
    assert '<html lang="en-gb">' in page
    assert "Ana Patient" in dashboard
    assert "Urgent" in dashboard
