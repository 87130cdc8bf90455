"""Explicit builders for the people and things tests need. Small on purpose."""

import datetime
import time
import uuid

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.sessions import REFRESHED_AT, SIGNED_IN_AT
from patients.models import Clinic, Flag, Patient, StaffMembership, StaffRole, WalkLog
from patients.security import two_factor
from patients.services.enrolment import patient_enrol
from patients.services.reports import morning_check_create, symptom_check_in_save, walk_log_create
from patients.summaries import summary_refresh
from programs import services
from programs.models import PlanTemplate, TemplateStage

User = get_user_model()
PASSWORD = "a-long-test-password"


def make_clinic(name: str, country: str = "GB") -> Clinic:
    return Clinic.objects.create(name=name, country=country)


def make_staff(
    username: str,
    clinic: Clinic | None,
    role: str = StaffRole.CLINICIAN,
    *,
    second_factor: bool = True,
    **extra,
):
    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        first_name=username.title(),
        last_name="Staff",
        is_staff=True,
        **extra,
    )
    if clinic is not None:
        StaffMembership.objects.create(user=user, clinic=clinic, role=role)
    if second_factor:
        enrol_second_factor(user)
    return user


def make_patient(clinic: Clinic, clinician, first_name: str, **baseline) -> Patient:
    baseline.setdefault("usual_pain", 3)
    patient = patient_enrol(
        clinic=clinic,
        clinician=clinician,
        by=clinician,
        first_name=first_name,
        last_name="Patient",
        email=f"{first_name.lower()}@example.com",
        **baseline,
    )
    patient.user.set_password(PASSWORD)
    patient.user.save(update_fields=["password"])
    return patient


def not_yet_signed_in(patient: Patient) -> Patient:
    """As enrolled: no password of their own until they accept an invitation."""
    patient.user.set_unusable_password()
    patient.user.save(update_fields=["password"])
    return patient


def invite(patient: Patient, by, *, days_ago: int = 0) -> str:
    """An invitation's token for a patient who has not yet set a password (only they can
    accept one: an account with a password uses password reset instead)."""
    from django.utils import timezone

    from patients.services.enrolment import invitation_create

    not_yet_signed_in(patient)
    _invitation, token = invitation_create(
        patient=patient, by=by, now=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return token


def make_template(
    name: str, clinic: Clinic | None, ladder=((10, 3), (15, 3), (20, 3))
) -> PlanTemplate:
    template = PlanTemplate.objects.create(name=name, clinic=clinic)
    for position, (minutes, sessions) in enumerate(ladder, start=1):
        TemplateStage.objects.create(
            template=template,
            position=position,
            minutes_per_session=minutes,
            sessions_per_week=sessions,
            weeks=2,
            guidance=f"Guidance for stage {position}",
        )
    return template


def assign(patient: Patient, template: PlanTemplate, by, *, days_ago: int = 0, **kwargs):
    return services.plan_assign(
        patient=patient,
        template=template,
        start_date=patient.clinic.today() - datetime.timedelta(days=days_ago),
        assigned_by=by,
        **kwargs,
    )


def walk_the_stage(patient, count=6, pain_after=3):
    """Walks every other day before today, enough to finish a first stage on green."""
    today = patient.clinic.today()
    for index in range(count):
        WalkLog.objects.create(
            patient=patient,
            walked_on=today - datetime.timedelta(days=1 + 2 * index),
            minutes=10,
            terrain="flat",
            pain_before=2,
            pain_after=pain_after,
        )
    # Written straight to the table, as a bulk load would be, so the summary is rebuilt.
    summary_refresh(patient)


def report_walk(patient, **values):
    """A walk saved through the real service, so the rules and flags run as they do live."""
    defaults = {
        "walked_on": patient.clinic.today(),
        "minutes": 8,
        "terrain": "flat",
        "pain_before": 3,
        "pain_after": 3,
    }
    log, _created = walk_log_create(
        patient=patient, submission_key=uuid.uuid4(), by=patient.user, **{**defaults, **values}
    )
    return log


def report_check_in(patient, *serious, pain_now: int = 3, **values):
    """A symptom check-in saved through the real service; `serious` are the answers yes."""
    check_in, _created = symptom_check_in_save(
        patient=patient,
        submission_key=uuid.uuid4(),
        pain_now=pain_now,
        serious_yes=list(serious),
        **values,
    )
    return check_in


def answer_morning(walk, feeling: str, pain_now: int):
    """The next-morning answer about a walk, through the real service."""
    check, _created = morning_check_create(log=walk, feeling=feeling, pain_now=pain_now)
    return check


def enrol_second_factor(user) -> TOTPDevice:
    """A confirmed authenticator app, as a staff member has after setting one up."""
    device = two_factor.authenticator_for(user)
    two_factor.app_confirm(device)
    return device


def sign_in(client, user) -> None:
    """Signs the test client in as `user`, as if through the real sign-in pages.

    Staff (enrolled by make_staff) also pass the second factor, as if they typed a code.
    The session is left as a browser's is after its first page: the sign-in time and the
    idle timeout's renewal noted, so the next request writes nothing unless it must.
    """
    client.force_login(user)
    session = client.session
    session[SIGNED_IN_AT] = session[REFRESHED_AT] = time.time()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def password_signs_in(client, username: str, password: str) -> bool:
    """Whether the real sign-in form accepts these details (lockout and all)."""
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and response.url != reverse("login")


def current_code(user) -> str:
    """The code the user's authenticator app shows now."""
    return two_factor.current_code(TOTPDevice.objects.get(user=user, confirmed=True))


def seen_plan(plan) -> dict:
    """What a plan-change form carries: the plan's state as its page showed it (as now)."""
    plan.refresh_from_db()
    return {"plan_seen": plan.seen}


def seen_flag(flag) -> dict:
    """What acknowledge and resolve forms carry: the flag and its patient's plan, as now."""
    from programs.models import PlanAssignment

    flag.refresh_from_db()
    plan = PlanAssignment.objects.current().filter(patient_id=flag.patient_id).first()
    return {"flag_seen": flag.seen, **(seen_plan(plan) if plan else {})}


def seen_plan_of(patient) -> dict:
    """`seen_plan` for the patient's current plan."""
    from programs.models import PlanAssignment

    return seen_plan(PlanAssignment.objects.current().get(patient=patient))


def make_flag(
    patient,
    rule="severe_pain",
    severity="review",
    *,
    opened=None,
    acked_after=None,
    acked_at=None,
    by=None,
    resolved=False,
    **fields,
) -> Flag:
    """A flag as history left it, raised at `opened` (default now) and acknowledged
    `acked_after` minutes later (or at `acked_at`) by `by`: written past the red-flag
    engine, for the reports that read stored flags. Other columns go in `fields`."""
    opened = opened or timezone.now()
    if acked_after is not None:
        acked_at = opened + datetime.timedelta(minutes=acked_after)
    default_status = "resolved" if resolved else "acknowledged" if acked_at else "open"
    fields.setdefault("status", default_status)
    fields.setdefault("acknowledged_by", by if acked_at else None)
    flag = Flag.objects.create(
        patient=patient, rule=rule, severity=severity, summary="s", last_evidence_at=opened
    )
    Flag.objects.filter(pk=flag.pk).update(opened_at=opened, acknowledged_at=acked_at, **fields)
    flag.refresh_from_db()
    return flag
