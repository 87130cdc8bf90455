"""Turning notifications on and off for a browser: what the patient's script posts, what is
stored, and what anything else gets."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from patients.management.commands.vapid_keys import new_key_pair
from patients.models import PushSubscription, ReminderSettings
from tests import factories
from tests.reminders.push_helpers import Browser

ENDPOINT = "https://push.example.net/send/ann-phone"


@pytest.fixture(autouse=True)
def push_on_this_server(settings):
    """Keys to send with, and the push service the tests' browsers name."""
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = new_key_pair()
    settings.WEB_PUSH_HOSTS = ["push.example.net"]


@pytest.fixture
def people(db):
    clinic = factories.make_clinic("Clinic One")
    clinician = factories.make_staff("clin1", clinic)
    ann = factories.make_patient(clinic, clinician, "Ann")
    ben = factories.make_patient(clinic, clinician, "Ben")
    return {"ann": ann, "ben": ben, "clinician": clinician}


def post_json(client, route: str, data) -> object:
    body = data if isinstance(data, str) else json.dumps(data)
    return client.post(reverse(route), body, content_type="application/json")


def signed_in(person) -> Client:
    client = Client()
    factories.sign_in(client, person.user if hasattr(person, "user") else person)
    return client


def test_subscribing_stores_the_browser_and_turns_push_on(people):
    browser = Browser()

    response = post_json(
        signed_in(people["ann"]), "push_subscribe", browser.subscription_json(ENDPOINT)
    )

    assert response.status_code == 201
    assert response.json()["message"] == "Notifications are on for this phone."
    stored = PushSubscription.objects.get()
    assert (stored.patient, stored.endpoint) == (people["ann"], ENDPOINT)
    assert (stored.p256dh, stored.auth) == (browser.p256dh, browser.auth)
    assert ReminderSettings.objects.get(patient=people["ann"]).by_push is True


def test_subscribing_again_updates_the_keys_and_keeps_other_settings(people):
    ReminderSettings.objects.create(patient=people["ann"], nudge_after_days=3, by_email=False)
    client = signed_in(people["ann"])
    post_json(client, "push_subscribe", Browser().subscription_json(ENDPOINT))
    renewed = Browser()

    post_json(client, "push_subscribe", renewed.subscription_json(ENDPOINT))

    assert PushSubscription.objects.get().p256dh == renewed.p256dh
    settings = ReminderSettings.objects.get(patient=people["ann"])
    assert (settings.by_push, settings.by_email, settings.nudge_after_days) == (True, False, 3)


def test_a_shared_browser_belongs_to_the_patient_who_subscribed_it_last(people):
    post_json(signed_in(people["ben"]), "push_subscribe", Browser().subscription_json(ENDPOINT))

    response = post_json(
        signed_in(people["ann"]), "push_subscribe", Browser().subscription_json(ENDPOINT)
    )

    assert response.status_code == 201
    assert list(PushSubscription.objects.values_list("patient", flat=True)) == [people["ann"].pk]
    # Ben's last browser went: nobody may tell him, or his clinician, that push is on.
    assert ReminderSettings.objects.get(patient=people["ben"]).by_push is False


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1:8000/admin/",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/",
        "https://[::1]/",
        "https://user:pw@push.example.net/x",
        "https://push.example.net.attacker.example/x",
        "https://fcm.googleapis.com.evil.example/x",
        "https://push.example.net:22/x",
    ],
)
def test_only_a_browsers_push_service_is_accepted_never_another_machine(people, endpoint):
    response = post_json(
        signed_in(people["ann"]), "push_subscribe", Browser().subscription_json(endpoint)
    )

    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_a_patient_has_at_most_five_browsers_and_the_oldest_goes(people):
    client = signed_in(people["ann"])
    for n in range(7):
        post_json(client, "push_subscribe", Browser().subscription_json(f"{ENDPOINT}-{n}"))

    kept = PushSubscription.objects.filter(patient=people["ann"]).order_by("endpoint")
    assert [row.endpoint[-1] for row in kept] == ["2", "3", "4", "5", "6"]


def test_without_keys_a_browser_cannot_be_subscribed(people, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""

    response = post_json(
        signed_in(people["ann"]), "push_subscribe", Browser().subscription_json(ENDPOINT)
    )

    assert response.status_code == 400
    assert "not available" in response.json()["error"]
    assert not ReminderSettings.objects.filter(patient=people["ann"], by_push=True).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"endpoint": "http://push.example.net/send/x"}, "must start with https://"),
        ({"endpoint": "https://push.example.net/" + "x" * 1000}, "at most 1000"),
        ({"endpoint": "not an address"}, "valid URL"),
        ({"endpoint": None}, "required"),
        ({"p256dh": "not base64!"}, "notification key is not valid"),
        ({"p256dh": "AAAA"}, "notification key is not valid"),
        ({"auth": "c2hvcnQ"}, "notification secret is not valid"),
        ({"auth": ["a list"]}, "notification secret is not valid"),
    ],
)
def test_a_bad_subscription_is_a_400_that_says_why_and_stores_nothing(people, change, message):
    data = Browser().subscription_json(ENDPOINT)
    data.update({k: v for k, v in change.items() if k == "endpoint"})
    data["keys"].update({k: v for k, v in change.items() if k != "endpoint"})

    response = post_json(signed_in(people["ann"]), "push_subscribe", data)

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not PushSubscription.objects.exists()
    assert not ReminderSettings.objects.exists()


@pytest.mark.parametrize("body", ["", "{not json", "[1, 2]", '"a string"', "\udcff", "{}"])
def test_unreadable_json_is_a_400_never_a_server_error(people, body):
    client = signed_in(people["ann"])

    for route in ("push_subscribe", "push_unsubscribe"):
        response = client.post(
            reverse(route), body.encode("utf-8", "surrogatepass"), content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["error"]


def test_staff_get_a_404_and_the_signed_out_the_sign_in_page(people):
    data = Browser().subscription_json(ENDPOINT)

    assert post_json(signed_in(people["clinician"]), "push_subscribe", data).status_code == 404
    signed_out = post_json(Client(), "push_subscribe", data)
    assert signed_out.status_code == 302
    assert signed_out.url.startswith(reverse("login"))
    assert not PushSubscription.objects.exists()


def test_the_endpoints_need_the_csrf_token(people):
    client = Client(enforce_csrf_checks=True)
    factories.sign_in(client, people["ann"].user)

    response = post_json(client, "push_subscribe", Browser().subscription_json(ENDPOINT))

    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


def test_unsubscribing_removes_this_browser_and_push_goes_off_with_the_last(people):
    client = signed_in(people["ann"])
    post_json(client, "push_subscribe", Browser().subscription_json(ENDPOINT))
    post_json(client, "push_subscribe", Browser().subscription_json(ENDPOINT + "-laptop"))

    post_json(client, "push_unsubscribe", {"endpoint": ENDPOINT})
    assert ReminderSettings.objects.get(patient=people["ann"]).by_push is True
    response = post_json(client, "push_unsubscribe", {"endpoint": ENDPOINT + "-laptop"})

    assert response.status_code == 200
    assert response.json()["message"] == "Notifications are off for this phone."
    assert not PushSubscription.objects.exists()
    assert ReminderSettings.objects.get(patient=people["ann"]).by_push is False


def test_a_patient_cannot_unsubscribe_another_patients_browser(people):
    post_json(signed_in(people["ben"]), "push_subscribe", Browser().subscription_json(ENDPOINT))

    response = post_json(signed_in(people["ann"]), "push_unsubscribe", {"endpoint": ENDPOINT})

    assert response.status_code == 200  # the same answer: nothing says whose it was
    assert PushSubscription.objects.get().patient == people["ben"]
    assert ReminderSettings.objects.get(patient=people["ben"]).by_push is True
