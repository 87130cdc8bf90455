"""Every URL the app serves, for every role: the answer each one gets.

The routes come from the URL configuration itself, so a view added without a row here
fails `test_every_route_has_an_access_rule`. Another patient's or clinic's object is a
404 (never a 403 that would confirm it exists). The admin's scoping is tested in
test_admin_scoping.py; the FHIR API's clients, by bearer token, at the end of this file.
"""

import datetime
import uuid

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken

from patients.fhir import sources as fhir_sources
from patients.models import Flag, FollowUpQuestion, Patient, StaffRole
from patients.outcomes.follow_ups import answer_token
from patients.reminders.links import stop_token
from patients.services.api_clients import api_client_revoke
from tests import factories
from tests.factories import seen_plan_of
from tests.fhir.helpers import Api, connect, make_api_client, token_for, validated

ROLES = [
    "anonymous",
    "patient_a",
    "patient_b",
    "clinician_1",
    "clinician_2",
    "reviewer_1",
    "clinic_admin_1",
    "superuser",
]
LOGIN = "login"  # a redirect to the sign-in page
OK, FOUND, BAD_REQUEST, NOT_FOUND, NOT_ALLOWED, GONE = 200, 302, 400, 404, 405, 410
UNAUTHORISED = 401


def everyone(answer, **exceptions):
    return {role: exceptions.get(role, answer) for role in ROLES}


PATIENT_A_ONLY = everyone(NOT_FOUND, anonymous=LOGIN, patient_a=OK)
ANY_PATIENT = everyone(NOT_FOUND, anonymous=LOGIN, patient_a=OK, patient_b=OK)
ANY_PATIENT_ACTS = everyone(NOT_FOUND, anonymous=LOGIN, patient_a=FOUND, patient_b=FOUND)
ANY_STAFF_MEMBER = everyone(
    OK, anonymous=LOGIN, patient_a=NOT_FOUND, patient_b=NOT_FOUND, superuser=NOT_FOUND
)
CLINIC_1_STAFF = everyone(
    NOT_FOUND, anonymous=LOGIN, clinician_1=OK, reviewer_1=OK, clinic_admin_1=OK
)
CLINIC_1_CARE = everyone(NOT_FOUND, anonymous=LOGIN, clinician_1=OK, clinic_admin_1=OK)
CLINIC_1_CARE_ACTS = everyone(NOT_FOUND, anonymous=LOGIN, clinician_1=FOUND, clinic_admin_1=FOUND)
CLINIC_1_REPORTS = everyone(NOT_FOUND, anonymous=LOGIN, reviewer_1=OK, clinic_admin_1=OK)
CLINIC_1_REPORTS_ACT = everyone(NOT_FOUND, anonymous=LOGIN, reviewer_1=FOUND, clinic_admin_1=FOUND)
PUBLIC = everyone(OK)
# A patient's browser posts JSON there; the empty form posted here is answered "unreadable".
ANY_PATIENT_POSTS_JSON = everyone(
    NOT_FOUND, anonymous=LOGIN, patient_a=BAD_REQUEST, patient_b=BAD_REQUEST
)

# route name -> (method, expected answer per role)
MATRIX = {
    "login": ("get", PUBLIC),
    "logout": ("post", everyone(FOUND)),
    # Anyone may choose the language: staff are sent back with nothing changed.
    "language": ("post", everyone(FOUND)),
    "password_change": ("get", everyone(OK, anonymous=LOGIN)),
    "password_change_done": ("get", everyone(OK, anonymous=LOGIN)),
    "password_reset": ("get", PUBLIC),
    "password_reset_done": ("get", PUBLIC),
    "password_reset_confirm": ("get", PUBLIC),  # an invalid link says so
    "password_reset_complete": ("get", PUBLIC),
    "invitation_accept": ("get", PUBLIC),  # the token is the credential
    # The installable app's own files: nothing about anyone, asked for before signing in.
    "manifest": ("get", PUBLIC),
    "service_worker": ("get", PUBLIC),
    "offline": ("get", PUBLIC),
    # The link is the credential (with the patient's password); a dead one says so to all.
    "email_change_confirm": ("get", everyone(GONE)),
    # The signed link is the credential; opening it only asks, so it changes nothing.
    "reminder_stop": ("get", PUBLIC),
    "reminder_stop_bare": ("get", PUBLIC),
    # The follow-up's signed link is the credential, for its one question; opening it only
    # asks. Stopping from it needs no sign-in either, and goes back to the link's page.
    "follow_up_answer": ("get", PUBLIC),
    "follow_up_link_stop": ("post", everyone(FOUND)),
    "follow_up_current": ("get", ANY_PATIENT),
    "follow_up_stop": ("post", ANY_PATIENT_ACTS),
    # Starting them again needs the patient signed in: the link alone never restarts.
    "follow_up_restart": ("post", ANY_PATIENT_ACTS),
    # Staff here have passed their second factor; patients have not set one up.
    "two_factor_verify": ("get", everyone(OK, anonymous=LOGIN, patient_a=FOUND, patient_b=FOUND)),
    "two_factor_setup": ("get", everyone(OK, anonymous=LOGIN)),
    "recovery_codes": ("get", everyone(OK, anonymous=LOGIN, patient_a=FOUND, patient_b=FOUND)),
    "home": ("get", everyone(FOUND, anonymous=LOGIN)),
    "patient_week": ("get", ANY_PATIENT),
    "step_up": ("post", ANY_PATIENT_ACTS),
    "walk_new": ("get", ANY_PATIENT),
    "walk_detail": ("get", PATIENT_A_ONLY),
    "walk_edit": ("get", PATIENT_A_ONLY),
    "walk_delete": ("get", PATIENT_A_ONLY),
    "morning_check": ("get", PATIENT_A_ONLY),
    "history": ("get", ANY_PATIENT),
    # A patient with nothing due sees a calm page; anyone else has no questionnaire.
    "outcome_questionnaire": ("get", ANY_PATIENT),
    "my_data": ("get", ANY_PATIENT),
    "my_fhir_data": ("get", ANY_PATIENT),
    "reminder_settings": ("get", ANY_PATIENT),
    "reminder_test": ("post", ANY_PATIENT_ACTS),
    "check_in_new": ("get", ANY_PATIENT),
    "check_in_detail": ("get", PATIENT_A_ONLY),
    "push_subscribe": ("post", ANY_PATIENT_POSTS_JSON),
    "push_unsubscribe": ("post", ANY_PATIENT_POSTS_JSON),
    "staff_home": ("get", ANY_STAFF_MEMBER),
    "patient_record": ("get", CLINIC_1_STAFF),
    "patient_plan_change": ("post", CLINIC_1_CARE_ACTS),
    "plan_advance": ("post", CLINIC_1_CARE_ACTS),
    "flag_acknowledge": ("post", CLINIC_1_CARE_ACTS),
    "flag_resolve": ("get", CLINIC_1_CARE),
    "flag_report": ("get", CLINIC_1_REPORTS),
    "flag_report_csv": ("get", CLINIC_1_REPORTS),
    "flag_detail": ("get", CLINIC_1_STAFF),
    "flag_review_mark": ("post", CLINIC_1_REPORTS_ACT),
    "rule_report_csv": ("get", CLINIC_1_REPORTS),
    "outcome_report": ("get", CLINIC_1_REPORTS),
    "outcome_report_csv": ("get", CLINIC_1_REPORTS),
    # The FHIR API answers a bearer token only: a signed-in browser is no one there (401).
    # Its clients' own access is at the end of this file.
    "fhir_metadata": ("get", PUBLIC),
    "fhir_token": ("get", everyone(NOT_ALLOWED)),  # client credentials are POSTed
    "fhir_search": ("get", everyone(UNAUTHORISED)),
    "fhir_read": ("get", everyone(UNAUTHORISED)),
    "fhir_everything": ("get", everyone(UNAUTHORISED)),
    "fhir_export": ("get", everyone(UNAUTHORISED)),
    "fhir_export_status": ("get", everyone(UNAUTHORISED)),
    "fhir_export_file": ("get", everyone(UNAUTHORISED)),
    "fhir_unknown": ("get", everyone(NOT_FOUND)),  # an OperationOutcome, to anyone
}


def app_routes(patterns=None, prefix=""):
    """Every named route outside the admin."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if "admin" not in str(pattern.pattern):
                yield from app_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield pattern.name


def test_every_route_has_an_access_rule():
    assert set(app_routes()) == set(MATRIX)


@pytest.fixture
def world(db):
    clinic_1 = factories.make_clinic("Clinic One")
    clinic_2 = factories.make_clinic("Clinic Two")
    people = {
        "clinician_1": factories.make_staff("clin1", clinic_1),
        "clinician_2": factories.make_staff("clin2", clinic_2),
        "reviewer_1": factories.make_staff("rev1", clinic_1, StaffRole.REVIEWER),
        "clinic_admin_1": factories.make_staff("cadm1", clinic_1, StaffRole.CLINIC_ADMIN),
        "superuser": factories.make_staff("root", None, is_superuser=True),
    }
    patient_a = factories.make_patient(clinic_1, people["clinician_1"], "Ann")
    patient_b = factories.make_patient(clinic_1, people["clinician_1"], "Ben")
    people.update(patient_a=patient_a.user, patient_b=patient_b.user, anonymous=None)
    template = factories.make_template("Ladder", clinic_1)
    plan = factories.assign(patient_a, template, people["clinician_1"], days_ago=1)
    factories.assign(patient_b, template, people["clinician_1"], days_ago=1)
    walk = factories.report_walk(patient_a, walked_on=clinic_1.today() - datetime.timedelta(days=1))
    check_in = factories.report_check_in(patient_a, pain_now=10)
    invited = factories.make_patient(clinic_1, people["clinician_1"], "Cal")
    token = factories.invite(invited, people["clinician_1"])
    question = FollowUpQuestion.objects.create(
        patient=patient_a,
        discharged_on=clinic_1.today() - datetime.timedelta(days=400),
        month=1,
        due_on=clinic_1.today() - datetime.timedelta(days=370),
    )
    arguments = {
        "walk_detail": [walk.pk],
        "walk_edit": [walk.pk],
        "walk_delete": [walk.pk],
        "morning_check": [walk.pk],
        "check_in_detail": [check_in.pk],
        "patient_record": [patient_a.pk],
        "patient_plan_change": [patient_a.pk],
        "plan_advance": [plan.pk],
        "flag_acknowledge": [Flag.objects.get(patient=patient_a).pk],
        "flag_resolve": [Flag.objects.get(patient=patient_a).pk],
        "flag_detail": [Flag.objects.get(patient=patient_a).pk],
        "flag_review_mark": [Flag.objects.get(patient=patient_a).pk],
        "password_reset_confirm": ["MQ", "not-a-token"],
        "invitation_accept": [token],
        "email_change_confirm": ["not-a-link"],
        "reminder_stop": [stop_token(patient_a)],
        "reminder_stop_bare": [stop_token(patient_a)],
        "follow_up_answer": [answer_token(question)],
        "follow_up_link_stop": [answer_token(question)],
        "fhir_search": ["Patient"],
        "fhir_read": ["Patient", patient_a.pk],
        "fhir_everything": [patient_a.pk],
        # Made-up ids: without a token nobody learns whether an export exists.
        "fhir_export_status": [uuid.uuid4()],
        "fhir_export_file": [uuid.uuid4()],
        "fhir_unknown": ["Patient/a/b"],
    }
    return people, arguments


def post_data(route: str, people) -> dict:
    """A valid form for the routes that check one, so a 302 means the change went ahead."""
    if route != "patient_plan_change":
        return {}
    return {"kind": "hold", "reason": "Access check", **seen_plan_of(people["patient_a"].patient)}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_role_gets_the_expected_answer(client, world, route, role):
    people, arguments = world
    method, expected = MATRIX[route]
    if people[role] is not None:
        factories.sign_in(client, people[role])
    url = reverse(route, args=arguments.get(route, []))

    data = post_data(route, people)
    response = client.get(url) if method == "get" else client.post(url, data)

    answer = expected[role]
    if answer == LOGIN:
        assert response.status_code == FOUND
        assert response.url.startswith(reverse("login"))
    else:
        assert response.status_code == answer, f"{route} as {role}"
    assert response.status_code != 403, "a 403 would confirm the object exists"
    if answer == UNAUTHORISED:
        assert response["WWW-Authenticate"].startswith("Bearer ")


@pytest.mark.parametrize("route", ["walk_detail", "check_in_detail", "patient_record"])
def test_a_random_id_is_not_found_for_everyone(client, world, route):
    people, _arguments = world
    for role in ("patient_a", "clinician_1", "superuser"):
        factories.sign_in(client, people[role])
        assert client.get(reverse(route, args=[uuid.uuid4()])).status_code == NOT_FOUND


# The FHIR API: a client of clinic 1 reads clinic 1 only. Every resource type the registry
# serves is tried with clinic 2's ids, so a type added there is covered here at once.


@pytest.fixture
def api_world(db):
    clinic_1 = factories.make_clinic("Clinic One")
    clinic_2 = factories.make_clinic("Clinic Two")
    admin_1 = factories.make_staff("cadm1", clinic_1, StaffRole.CLINIC_ADMIN)
    for clinic in (clinic_1, clinic_2):
        clinician = factories.make_staff(f"clin{clinic.pk}", clinic)
        template = factories.make_template(f"Ladder {clinic.pk}", clinic)
        patient = factories.make_patient(clinic, clinician, f"Pat{clinic.pk}")
        factories.assign(patient, template, clinician, days_ago=8)
        walk = factories.report_walk(patient, walked_on=clinic.today() - datetime.timedelta(1))
        factories.answer_morning(walk, "usual", pain_now=3)
        factories.report_check_in(patient, pain_now=10)
    return clinic_1, admin_1, clinic_2


def resource_ids(clinic) -> dict[str, list[str]]:
    """Every resource id the registry serves for the clinic, by resource type."""
    return {
        resource_type: [
            source.resource(row)["id"] for source in sources for row in source.rows(clinic.pk)
        ]
        for resource_type, sources in fhir_sources.TYPES.items()
    }


def test_a_client_reads_no_other_clinics_resource_of_any_type(client, api_world):
    clinic_1, admin_1, clinic_2 = api_world
    api = connect(client, clinic_1, admin_1)
    theirs = resource_ids(clinic_2)
    assert all(theirs.values()), f"the world has no rows of {theirs}"

    for resource_type, ids in theirs.items():
        for resource_id in ids:
            api.read(f"/fhir/R4/{resource_type}/{resource_id}", status=NOT_FOUND)
        found = api.read(f"/fhir/R4/{resource_type}", _count=100)
        shown = {entry["resource"]["id"] for entry in found.get("entry", [])}
        assert shown, f"clinic 1's own {resource_type} should be found"
        assert not shown & set(ids), resource_type
        by_id = api.read(f"/fhir/R4/{resource_type}", _id=",".join(ids[:20]))
        assert by_id["total"] == 0 and not by_id.get("entry")


def test_a_client_cannot_search_or_export_another_clinics_patient(client, api_world):
    clinic_1, admin_1, clinic_2 = api_world
    api = connect(client, clinic_1, admin_1)
    their_patient = Patient.objects.get(clinic=clinic_2)

    api.read(f"/fhir/R4/Patient/{their_patient.pk}/$everything", status=NOT_FOUND)
    api.read(f"/fhir/R4/Patient/{uuid.uuid4()}/$everything", status=NOT_FOUND)
    for resource_type in fhir_sources.TYPES:
        if resource_type != "Patient":
            found = api.read(f"/fhir/R4/{resource_type}", patient=str(their_patient.pk))
            assert found["total"] == 0, resource_type


@pytest.mark.parametrize("how", ["none", "made up", "revoked", "wrong scope", "expired"])
def test_a_request_without_a_live_token_of_a_live_client_is_401(client, api_world, how):
    clinic_1, admin_1, _clinic_2 = api_world
    api_client, secret = make_api_client(clinic_1, admin_1)
    api = Api(client, token_for(client, api_client, secret))
    application = api_client.application
    if how == "made up":
        api.token = "not-a-token"
    elif how == "revoked":
        api_client_revoke(client=api_client, by=admin_1)
    elif how == "wrong scope":
        AccessToken.objects.filter(application=application).update(scope="read write")
    elif how == "expired":
        past = timezone.now() - datetime.timedelta(seconds=1)
        AccessToken.objects.filter(application=application).update(expires=past)
    patient = Patient.objects.get(clinic=clinic_1)
    paths = ["/fhir/R4/Patient", f"/fhir/R4/Patient/{patient.pk}"]
    paths.append(f"/fhir/R4/Patient/{patient.pk}/$everything")
    for path in paths:
        response = client.get(path) if how == "none" else api.get(path)
        assert response.status_code == UNAUTHORISED, (how, path)
        assert response["WWW-Authenticate"].startswith("Bearer ")
        assert validated(response.json())["resourceType"] == "OperationOutcome"
