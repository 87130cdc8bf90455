"""Patients' walks and check-ins in the admin, read-only: patients' own words are not edited."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from patients.choices import BodyArea, PainCharacter, SeriousSymptom
from patients.models import SymptomCheckIn, WalkLog
from patients.security.admin_site import ClinicScopedAdmin, ReadOnlyAdminMixin


class ReadOnlyReportAdmin(ReadOnlyAdminMixin, ClinicScopedAdmin):
    """Reports are the patient's own record of what happened: staff read, never edit."""

    clinic_path = "patient__clinic"


@admin.register(WalkLog)
class WalkLogAdmin(ReadOnlyReportAdmin):
    list_display = ["patient", "walked_on", "minutes", "pain_before", "pain_after", "deleted"]
    list_filter = ["terrain", ("deleted_at", admin.EmptyFieldListFilter), "walked_on"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    list_select_related = ["patient__user"]
    date_hierarchy = "walked_on"
    readonly_fields = ["deleted_at", "created_at", "updated_at"]

    @admin.display(description=_("deleted by the patient"), boolean=True)
    def deleted(self, log: WalkLog) -> bool:
        return log.deleted_at is not None


ANSWER_WORDS = {
    "yes": _("Yes"),
    "no": _("No"),
    None: _("Not answered"),
    "yes, then no": _("Yes (acted on), then No when the patient sent the form again"),
}


@admin.register(SymptomCheckIn)
class SymptomCheckInAdmin(ReadOnlyReportAdmin):
    list_display = ["patient", "created_at", "pain_now", "serious_answers", "hard_to_function"]
    list_filter = ["created_at"]
    search_fields = ["patient__user__first_name", "patient__user__last_name"]
    list_select_related = ["patient__user"]
    date_hierarchy = "created_at"
    fields = [
        "patient",
        "reported_on",
        "created_at",
        "updated_at",
        "advice_shown_at",
        "pain_now",
        "feels_like",
        "felt_in",
        "pain_side",
        "hard_to_function",
        "says_flare",
        "question_answers",
        "symptoms_started",
        "from_walk_form",
        "note",
    ]
    readonly_fields = ["created_at", "updated_at", "feels_like", "felt_in", "question_answers"]

    @admin.display(description=_("what the pain feels like"))
    def feels_like(self, check_in: SymptomCheckIn) -> str:
        return ", ".join(str(PainCharacter(code).label) for code in check_in.pain_character) or "—"

    @admin.display(description=_("where it is felt"))
    def felt_in(self, check_in: SymptomCheckIn) -> str:
        return ", ".join(str(BodyArea(code).label) for code in check_in.pain_areas) or "—"

    @admin.display(description=_("serious symptoms answered yes"))
    def serious_answers(self, check_in: SymptomCheckIn) -> str:
        labels = [SeriousSymptom(code).label for code in check_in.serious_symptoms]
        unanswered = len(check_in.unanswered)
        if unanswered:
            labels.append(_("%(count)d not answered") % {"count": unanswered})
        return "; ".join(map(str, labels)) or "—"

    @admin.display(description=_("serious-symptom questions"))
    def question_answers(self, check_in: SymptomCheckIn) -> str:
        """Each question with yes, no or not answered: a blank is never read as "no"."""
        return format_html_join(
            "",
            "<p>{}: <strong>{}</strong></p>",
            ((label, ANSWER_WORDS[answer]) for label, answer in check_in.answers()),
        )
