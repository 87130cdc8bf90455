"""What a patient is told when their answers are worrying.

Fixed safety-netting advice: everyone who gives the same answers reads the same words. It
never diagnoses, and it always says what to do next. The emergency number comes from the
clinic's country and can never be replaced by a clinic's own number.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.choices import (
    ALERT_SEVERITIES,
    LEG_AREAS,
    SEVERITY_RANK,
    PainCharacter,
    SeriousSymptom,
    Severity,
    Side,
)
from patients.models import Clinic, Country, Flag, Patient, SymptomOnset
from patients.safety.rules import CAUDA_EQUINA_SYMPTOMS, Finding

# Non-emergency medical lines, where a country has one national number for it.
NON_EMERGENCY_NUMBERS = {Country.GB: "111"}


@dataclass(frozen=True)
class Advice:
    severity: str
    title: str
    steps: list[str]
    ask_cauda_equina: bool = False

    @property
    def is_urgent(self) -> bool:
        return self.severity == Severity.URGENT


def _urgent(clinic: Clinic) -> Advice:
    return Advice(
        Severity.URGENT,
        _("Get medical help now"),
        [
            _(
                "Go to an emergency department now, or call %(number)s. Do not wait to hear "
                "from your clinic."
            )
            % {"number": clinic.emergency_number},
            _("Some of your answers can be a sign of a problem that needs checking urgently."),
            _("Stop your walking plan until a doctor has seen you."),
        ],
    )


def _same_day(clinic: Clinic) -> Advice:
    non_emergency = NON_EMERGENCY_NUMBERS.get(Country(clinic.country))
    reach = (
        _("Contact your GP or your clinic today. If you cannot reach them, call %(number)s.")
        % {"number": non_emergency}
        if non_emergency
        else _("Contact your GP or your clinic today, or your out-of-hours medical service.")
    )
    return Advice(
        Severity.SAME_DAY,
        _("Contact your GP or clinic today"),
        [
            reach,
            _("Do not walk again until you have spoken to them."),
            _("If you get worse, call %(number)s.") % {"number": clinic.emergency_number},
        ],
    )


def _review() -> Advice:
    return Advice(
        Severity.REVIEW,
        _("Take it a little easier"),
        [
            # Says no more than is true: the answers are flagged on the clinic's dashboard,
            # but nobody is watching it around the clock.
            _("Your answers have been flagged for your clinic to review."),
            _("For now, walk shorter or slower, and repeat this stage rather than stepping up."),
            _("If it gets worse, or you are worried, contact your clinic."),
        ],
    )


def _walk_provoked() -> Advice:
    return Advice(
        Severity.INFO,
        _("Your pain went up on this walk"),
        [
            _("Next time, walk a little shorter or slower."),
            _("On the morning after this walk, we will ask how your back feels."),
        ],
    )


def _unsettled() -> Advice:
    return Advice(
        Severity.INFO,
        _("Your back has not settled since your walk"),
        [
            _("Next time, walk a little shorter or slower, and stay at this stage for now."),
            _("If it gets worse, or you are worried, contact your clinic."),
        ],
    )


def _overuse() -> Advice:
    return Advice(
        Severity.INFO,
        _("New hip, knee or foot pain"),
        [
            _("This can come from walking more. Wear comfortable, supportive shoes."),
            _("Keep to flat ground and walk a little shorter until it settles."),
        ],
    )


INFO_ADVICE = {"walk": _walk_provoked, "joints": _overuse, "morning": _unsettled}


# A yes to any of these is urgent whatever else the patient said (rules.py: cauda
# equina, weakness, chest), so a phone with no connection can show the urgent advice for
# it at once, the same words the server would show.
ALWAYS_URGENT_SYMPTOMS = CAUDA_EQUINA_SYMPTOMS | {SeriousSymptom.WEAKNESS, SeriousSymptom.CHEST}


def urgent_advice(clinic: Clinic) -> Advice:
    """The fixed "get medical help now" advice for a clinic's patients, with its country's
    emergency number: what the check-in page keeps ready for a phone with no signal."""
    return _urgent(clinic)


def advice_for_severity(severity: str, clinic: Clinic) -> Advice:
    """The fixed advice for urgent, same-day or review findings."""
    if severity == Severity.URGENT:
        return _urgent(clinic)
    if severity == Severity.SAME_DAY:
        return _same_day(clinic)
    return _review()


def advice_for(findings: list[Finding], clinic: Clinic) -> Advice | None:
    """The one message for the most severe finding."""
    if not findings:
        return None
    worst = max(findings, key=lambda finding: finding.rank)
    ask = any(finding.ask_cauda_equina for finding in findings)
    if worst.severity != Severity.INFO:
        advice = advice_for_severity(worst.severity, clinic)
    else:
        advice = INFO_ADVICE.get(worst.advice, _walk_provoked)()
    if ask:
        return Advice(advice.severity, advice.title, advice.steps, ask_cauda_equina=True)
    return advice


# First-person words for the line a patient shows at the emergency department.
SAY_AT_THE_EMERGENCY_DEPARTMENT = {
    SeriousSymptom.SADDLE: gettext_lazy(
        "numbness or a changed feeling around my genitals, bottom or inner thighs"
    ),
    SeriousSymptom.BLADDER: gettext_lazy("trouble passing or controlling urine"),
    SeriousSymptom.BOWEL: gettext_lazy("not feeling or not controlling my bowels"),
    SeriousSymptom.SEXUAL: gettext_lazy("a change in sexual feeling or function"),
    SeriousSymptom.BOTH_LEGS: gettext_lazy("pain or tingling in both legs"),
    SeriousSymptom.BOTH_LEGS_NUMB: gettext_lazy("numbness in both legs"),
    SeriousSymptom.WEAKNESS: gettext_lazy("weakness in my legs"),
}
ONSET_WORDS = {
    SymptomOnset.RECENT: gettext_lazy("They started in the last 2 weeks."),
    SymptomOnset.EARLIER: gettext_lazy("They started more than 2 weeks ago."),
}


def emergency_lines(check_in) -> list[tuple[str, str]]:
    """What to say at the emergency department after a cauda equina answer, as (language,
    words): in the page's language and, when that is not the site's, in the site's too,
    for staff there who may not read the patient's. Empty when there is nothing to say."""
    line = emergency_line(check_in)
    if not line:
        return []
    page = translation.get_language()
    if page == settings.LANGUAGE_CODE:
        return [(page, line)]
    with translation.override(settings.LANGUAGE_CODE):
        return [(page, line), (settings.LANGUAGE_CODE, emergency_line(check_in))]


def emergency_line(check_in) -> str:
    """What to say at the emergency department after a cauda equina answer, or ""."""
    symptoms = set(check_in.serious_symptoms) | symptoms_in_both_legs(check_in)
    said = [
        str(words)
        for symptom, words in SAY_AT_THE_EMERGENCY_DEPARTMENT.items()
        if symptom in symptoms
    ]
    if not said:
        return ""
    line = _("I have back pain and I may have cauda equina syndrome. New for me: %(symptoms)s.") % {
        "symptoms": "; ".join(said)
    }
    onset = ONSET_WORDS.get(check_in.symptoms_started)
    return f"{line} {onset}" if onset else line


def symptoms_in_both_legs(check_in) -> set[str]:
    """Both legs ticked on the form itself (a walk log's symptoms, say), as the questions."""
    if check_in.pain_side != Side.BOTH or not set(check_in.pain_areas) & LEG_AREAS:
        return set()
    if PainCharacter.NUMBNESS in check_in.pain_character:
        return {SeriousSymptom.BOTH_LEGS_NUMB}
    return {SeriousSymptom.BOTH_LEGS}


def worst(*advice: "Advice | None") -> "Advice | None":
    """The most severe of several pieces of advice: a later report never plays down
    standing advice to get medical help."""
    given = [piece for piece in advice if piece is not None]
    return max(given, key=lambda piece: SEVERITY_RANK[piece.severity], default=None)


def standing_advice(patient: Patient):
    """While an urgent or same-day flag is unresolved, its advice stays on the home page."""
    severities = set(
        Flag.objects.unresolved()
        .filter(patient=patient, severity__in=ALERT_SEVERITIES)
        .values_list("severity", flat=True)
    )
    if not severities:
        return None
    worst = Severity.URGENT if Severity.URGENT in severities else Severity.SAME_DAY
    return advice_for_severity(worst, patient.clinic)


# The warning signs the follow-up page lists after discharge, in the check-in's own words
# for them: with back pain, each one means calling the emergency number now.
FOLLOW_UP_WARNING_SIGNS = (
    SeriousSymptom.SADDLE,
    SeriousSymptom.BLADDER,
    SeriousSymptom.BOWEL,
    SeriousSymptom.BOTH_LEGS_NUMB,
    SeriousSymptom.WEAKNESS,
)


def warning_signs() -> list[str]:
    """The follow-up page's fixed list of signs to call the emergency number for."""
    return [str(SeriousSymptom(sign).label) for sign in FOLLOW_UP_WARNING_SIGNS]
