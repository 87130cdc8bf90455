"""API clients in the admin: a clinic admin's own clinic only, the secret shown once."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from patients.models import ApiClient, AuditEvent, StaffRole
from tests import factories
from tests.fhir.helpers import make_api_client, token_for

pytestmark = pytest.mark.django_db

LIST = reverse("admin:patients_apiclient_changelist")
ADD = reverse("admin:patients_apiclient_add")


def revoke_url(api_client) -> str:
    return reverse("admin:patients_apiclient_revoke", args=[api_client.pk])


@pytest.fixture
def other_admin(other_clinic):
    return factories.make_staff("olga", other_clinic, StaffRole.CLINIC_ADMIN)


def create(client, clinic, name="EHR export", per_minute="60"):
    return client.post(ADD, {"name": name, "clinic": clinic.pk, "requests_per_minute": per_minute})


def test_clinic_admin_creates_a_client_and_sees_the_secret_once(client, clinic, clinic_admin):
    factories.sign_in(client, clinic_admin)

    response = create(client, clinic)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    made = ApiClient.objects.get()
    assert (made.clinic, made.name, made.requests_per_minute) == (clinic, "EHR export", 60)
    assert made.created_by == clinic_admin
    secret = response.context["secret"]
    page = response.content.decode()
    assert made.client_id in page and secret in page
    assert "Copy the secret now" in page
    # Stored hashed only, and the secret works at the token endpoint.
    assert made.application.client_secret != secret
    assert token_for(client, made, secret)
    # Never shown again: not on the list, not on the client's page.
    for url in (LIST, reverse("admin:patients_apiclient_change", args=[made.pk])):
        assert secret not in client.get(url).content.decode()
    assert AuditEvent.objects.filter(subject="API client", actor="adam").exists()


def test_the_add_page_has_one_save_and_no_links_to_change_clinics(client, clinic, clinic_admin):
    factories.sign_in(client, clinic_admin)
    page = client.get(ADD).content.decode()
    # Every save answers with the secret: "add another" or "continue" would be untrue.
    assert 'name="_save"' in page
    assert 'name="_addanother"' not in page and 'name="_continue"' not in page
    assert "change_related_template_url" not in page and "add_id_clinic" not in page


def test_a_clinic_admin_cannot_create_one_for_another_clinic(client, clinic_admin, other_clinic):
    factories.sign_in(client, clinic_admin)

    response = create(client, other_clinic)

    assert response.status_code == 200
    assert "clinic" in response.context["adminform"].form.errors
    assert not ApiClient.objects.exists()


def test_a_name_twice_in_one_clinic_is_refused_with_a_message(client, clinic, clinic_admin):
    make_api_client(clinic, clinic_admin, name="EHR export")
    factories.sign_in(client, clinic_admin)

    response = create(client, clinic)

    # As a double click's second submit finds it: a plain word, no second client.
    errors = response.context["adminform"].form.errors
    assert "If you did not copy its secret, revoke it" in errors["name"][0]
    assert ApiClient.objects.count() == 1


def test_the_list_shows_the_admins_clinic_only(client, clinic, clinic_admin, other_admin):
    own, _ = make_api_client(clinic, clinic_admin, name="Ours")
    make_api_client(other_admin.memberships.get().clinic, other_admin, name="Theirs")
    factories.sign_in(client, clinic_admin)

    response = client.get(LIST)

    assert list(response.context["cl"].queryset) == [own]
    assert "Theirs" not in response.content.decode()


@pytest.mark.parametrize("person", ["clinician", "reviewer"])
def test_clinicians_and_reviewers_cannot_see_clients(client, clinic, clinic_admin, request, person):
    api_client, _ = make_api_client(clinic, clinic_admin)
    factories.sign_in(client, request.getfixturevalue(person))

    assert client.get(LIST).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.get(revoke_url(api_client)).status_code == 404
    assert "apiclient" not in client.get(reverse("admin:index")).content.decode()


def test_a_superuser_sees_every_clinics_clients(
    client, clinic, clinic_admin, superuser, other_admin
):
    make_api_client(clinic, clinic_admin, name="Ours")
    make_api_client(other_admin.memberships.get().clinic, other_admin, name="Theirs")
    factories.sign_in(client, superuser)

    assert client.get(LIST).context["cl"].result_count == 2


def test_revoking_asks_first_then_revokes(client, clinic, clinic_admin):
    api_client, secret = make_api_client(clinic, clinic_admin)
    token_for(client, api_client, secret)
    factories.sign_in(client, clinic_admin)

    asked = client.get(revoke_url(api_client))
    assert "Yes, revoke it" in asked.content.decode()
    api_client.refresh_from_db()
    assert api_client.revoked_at is None

    done = client.post(revoke_url(api_client), follow=True)

    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    assert not AccessToken.objects.filter(application=api_client.application).exists()
    page = done.content.decode()
    assert "is revoked" in page and "Revoked on" in page


def test_a_revoked_client_cannot_be_edited(client, clinic, clinic_admin):
    api_client, _ = make_api_client(clinic, clinic_admin, name="Old")
    factories.sign_in(client, clinic_admin)
    client.post(revoke_url(api_client))

    client.post(
        reverse("admin:patients_apiclient_change", args=[api_client.pk]),
        {"name": "Renamed", "requests_per_minute": "5"},
    )

    api_client.refresh_from_db()
    assert (api_client.name, api_client.requests_per_minute) == ("Old", 120)


def test_another_clinics_client_cannot_be_revoked(client, clinic_admin, other_admin, other_clinic):
    theirs, _ = make_api_client(other_clinic, other_admin)
    factories.sign_in(client, clinic_admin)

    assert client.post(revoke_url(theirs)).status_code == 404

    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_change_page_edits_no_secret_or_application(client, clinic, clinic_admin):
    api_client, _ = make_api_client(clinic, clinic_admin)
    factories.sign_in(client, clinic_admin)

    response = client.get(reverse("admin:patients_apiclient_change", args=[api_client.pk]))

    fields = set(response.context["adminform"].form.fields)
    assert fields == {"name", "requests_per_minute"}
    assert "Revoke…" in response.content.decode()


@pytest.mark.parametrize("model", [Application, AccessToken, RefreshToken, Grant, IDToken])
def test_the_librarys_own_models_are_not_in_the_admin(client, superuser, model):
    assert not admin.site.is_registered(model)
    factories.sign_in(client, superuser)
    page = client.get(reverse("admin:index")).content.decode()
    assert "oauth2_provider" not in page


def test_the_list_costs_the_same_queries_for_many_clients(client, clinic, clinic_admin):
    factories.sign_in(client, clinic_admin)

    def queries_for(count: int) -> int:
        for index in range(ApiClient.objects.count(), count):
            make_api_client(clinic, clinic_admin, name=f"System {index}")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    assert queries_for(5) == queries_for(50)


@pytest.mark.parametrize("button", ["_continue", "_addanother", "_popup"])
@pytest.mark.parametrize("who", ["clinic_admin", "superuser"])
def test_a_forced_other_button_still_answers_the_secret_once(client, clinic, request, who, button):
    """The buttons are off the page, but a hand-made post can still name one: it gets the
    same one page with the secret, not a redirect that would lose it, nor a message."""
    factories.sign_in(client, request.getfixturevalue(who))

    response = client.post(
        ADD, {"name": "EHR", "clinic": clinic.pk, "requests_per_minute": "60", button: "1"}
    )

    assert response.status_code == 200
    secret = response.context["secret"]
    assert response.content.decode().count(secret) == 1
    assert ApiClient.objects.count() == 1
    assert all(secret not in str(value) for value in client.session.values())
    assert secret not in client.get(LIST).content.decode()
