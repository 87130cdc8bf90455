"""The load-test dataset: valid rows the pages can read, and it never lands on a used database."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.urls import reverse

from patients.models import Flag, FlagEvent, Patient, StaffMembership, WalkLog
from programs.models import PlanAssignment
from scripts import generate_data, loadgen
from tests.factories import password_signs_in, sign_in

User = get_user_model()

KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, as hex
SIZES = [
    "--clinics=2",
    "--clinicians=4",
    "--patients=30",
    "--focus-patients=12",
    "--walks=600",
    "--check-ins=40",
    "--flags=60",
    "--seed=7",
    "--password=generated-password-1",
    f"--totp-key={KEY}",
]


def generate(*extra: str) -> str:
    out = StringIO()
    call_command(generate_data.Command(), *SIZES, *extra, stdout=out)
    return out.getvalue()


def test_generated_data_has_the_sizes_asked_for_and_the_pages_read_it(client, standard_template):
    generate()

    assert Patient.objects.count() == 30
    assert Patient.objects.filter(clinic__name="Clinic 01 (generated)").count() == 12
    assert WalkLog.objects.count() == 600
    assert Flag.objects.count() == 60
    # Every flag has its story: raised, then acknowledged and resolved where it was.
    assert FlagEvent.objects.filter(kind="raised").count() == 60
    assert not Flag.objects.filter(status="resolved", resolved_at__isnull=True).exists()
    assert PlanAssignment.objects.filter(stages__isnull=False).distinct().count() == 30
    assert StaffMembership.objects.filter(user__username="reviewer-all").count() == 2
    # Each submission key once per patient, as the form would have sent them.
    keys = WalkLog.objects.values("patient", "submission_key").annotate(n=Count("pk"))
    assert max(row["n"] for row in keys) == 1
    assert (
        not Flag.objects.values("patient", "rule")
        .filter(status__in=["open", "acknowledged"])
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert Patient.objects.filter(~Q(walk_logs=None)).count() >= 25

    assert password_signs_in(client, "clinician-01-01", "generated-password-1")
    code = loadgen.totp(KEY)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
    dashboard = client.get("/clinic/")
    assert dashboard.status_code == 200
    assert len(dashboard.context["rows"]) == 12
    patient = Patient.objects.filter(clinic__name="Clinic 01 (generated)").first()
    assert client.get(f"/clinic/patients/{patient.pk}/").status_code == 200
    sign_in(client, User.objects.get(username="reviewer-all"))
    export = client.get("/reports/flags.csv")
    assert len(b"".join(export.streaming_content).splitlines()) == 61
    client.post(reverse("logout"))
    assert password_signs_in(client, "patient-00001@example.org", "generated-password-1")
    assert client.get("/history/").status_code == 200


def test_a_database_that_has_patients_is_refused_unless_forced(patient, standard_template):
    with pytest.raises(CommandError, match="already has patients"):
        generate()
    assert Patient.objects.count() == 1

    generate("--force")
    assert Patient.objects.count() == 31


def test_the_load_generators_codes_are_the_ones_an_authenticator_shows():
    # RFC 6238 appendix B, SHA-1, truncated to 6 digits.
    assert [loadgen.totp(KEY, at) for at in (59, 1111111109, 1234567890)] == [
        "287082",
        "081804",
        "005924",
    ]
