"""The app on a phone with no signal: installed, pages kept, reports saved and sent once.

Chromium's offline switch (context.set_offline) does not reach a service worker's own
requests, so "no signal" for the worker is also made by aborting every request it sends
(`signal_lost`): the server is then truly out of reach, as on a phone in a tunnel.
"""

import datetime
import json
import os
import uuid

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from patients.choices import Rule
from patients.models import Flag, ReminderSettings, SymptomCheckIn, WalkLog
from tests.browser.steps import sign_in_patient
from tests.browser.test_patient_journey import answer_check_in, choose_pain
from tests.factories import assign, make_patient

# Lets a test see (and abort) the service worker's own requests. Read when the browser
# starts, so set as this module is collected, before any browser test runs.
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "service_workers": "allow",
    }


def worker_controls(page: Page, axe) -> None:
    """Wait for the worker, then reload so the page itself comes through it."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    axe.scan(page)
    assert page.evaluate("navigator.serviceWorker.controller !== null")


def abort_worker_requests(route):
    if route.request.service_worker:
        route.abort("internetdisconnected")
    else:
        route.fallback()


def signal_lost(context: BrowserContext) -> None:
    context.set_offline(True)
    context.route("**/*", abort_worker_requests)


def signal_back(context: BrowserContext) -> None:
    context.unroute("**/*", abort_worker_requests)
    context.set_offline(False)


def eventually(page: Page, expression: str, seconds: float = 10) -> None:
    """Wait until a promise-returning expression in the page resolves to true.
    (wait_for_function takes a pending promise itself as a true answer.)"""
    for _try in range(int(seconds * 10)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {expression}")


def fill_walk(page: Page, minutes: str) -> None:
    page.get_by_label("How many minutes did you walk?").fill(minutes)
    choose_pain(page, "Pain before the walk", 2)
    choose_pain(page, "Pain after the walk", 3)


@pytest.fixture
def rosa(clinic, clinician):
    return make_patient(clinic, clinician, "Rosa")


@pytest.fixture
def installed_page(browser_type, browser_type_launch_args, browser_context_args, tmp_path, axe):
    """A page in an ordinary browser profile: Chromium never offers to install an app
    from a private (incognito) window, which every other test's context is."""
    context = browser_type.launch_persistent_context(
        tmp_path / "profile", **browser_type_launch_args, **browser_context_args
    )
    page = context.pages[0] if context.pages else context.new_page()
    page.on("load", lambda loaded: axe.loaded.append(loaded.url))
    page.on("console", axe.console)
    yield page
    context.close()


def test_the_app_can_be_installed(installed_page: Page, axe, live_server, rosa):
    page = installed_page
    sign_in_patient(page, axe, live_server, rosa)

    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = json.loads(page.request.get(f"{live_server.url}{href}").text())
    assert {"name", "short_name", "start_url", "display", "icons"} <= set(manifest)
    worker_controls(page, axe)
    cdp = page.context.new_cdp_session(page)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []


def test_a_walk_logged_with_no_signal_is_sent_once_when_it_returns(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    sign_in_patient(page, axe, live_server, rosa)
    page.goto(f"{live_server.url}/walks/new/")
    axe.scan(page)

    context.set_offline(True)
    fill_walk(page, "14")
    page.get_by_role("button", name="Save my walk").click()

    expect(page.get_by_role("status").filter(has_text="Saved on this phone")).to_contain_text(
        "It will be sent when you are back online."
    )
    assert not WalkLog.objects.filter(patient=rosa).exists()
    saved = page.evaluate("stepwiseOffline.store.mine()")
    assert len(saved) == 1
    key = saved[0]["id"]  # its own, not the page's: a kept page may be used twice

    context.set_offline(False)  # the page hears "online" and sends what it kept
    expect(page.get_by_text("Sent to your clinic.")).to_be_visible()
    walk = WalkLog.objects.get(patient=rosa)
    assert (walk.submission_key, walk.minutes) == (uuid.UUID(key), 14)
    assert page.evaluate("stepwiseOffline.store.mine()") == []

    # The same entry back on the phone, replayed three times at once, then sent three
    # more times by hand: still one walk.
    page.evaluate(
        """entry => stepwiseOffline.store.put(entry).then(() => Promise.all([
            stepwiseOffline.replayAll(), stepwiseOffline.replayAll(),
            stepwiseOffline.replayAll()]))""",
        saved[0],
    )
    for _time in range(3):
        assert page.evaluate("entry => stepwiseOffline.send(entry)", saved[0]) == "sent"
    assert WalkLog.objects.filter(patient=rosa).count() == 1
    assert page.evaluate("stepwiseOffline.store.mine()") == []
    axe.scan(page)


def test_the_week_page_lists_what_waits_and_a_mistake_is_kept_to_check(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    sign_in_patient(page, axe, live_server, rosa)
    page.goto(f"{live_server.url}/walks/new/")
    axe.scan(page)
    context.set_offline(True)
    page.get_by_label("How many minutes did you walk?").fill("500")  # more than allowed
    choose_pain(page, "Pain before the walk", 2)
    choose_pain(page, "Pain after the walk", 2)
    page.get_by_role("button", name="Save my walk").click()
    expect(page.get_by_text("Saved on this phone.")).to_be_visible()

    context.set_offline(False)
    expect(page.get_by_text("needs checking before it can be sent")).to_be_visible()
    page.get_by_role("link", name="Open it to check and send it").click()
    axe.scan(page)
    expect(page.get_by_label("How many minutes did you walk?")).to_have_value("500")
    assert not WalkLog.objects.filter(patient=rosa).exists()

    page.goto(f"{live_server.url}/week/")
    waiting = page.get_by_role("region", name="Saved on this phone")
    expect(waiting).to_contain_text("A walk saved on this phone at")
    expect(waiting).to_contain_text("needs checking")
    axe.scan(page)


def test_a_serious_yes_with_no_signal_shows_the_emergency_advice_at_once(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    sign_in_patient(page, axe, live_server, rosa)
    page.goto(f"{live_server.url}/check-ins/new/")
    axe.scan(page)
    requests = []
    context.set_offline(True)
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    answer_check_in(page, 5, yes_to="genitals, bottom")
    page.get_by_role("button", name="Send to my clinic").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Go to an emergency department now, or call 999.")
    expect(alert).to_be_focused()
    expect(page.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
    expect(page.get_by_text("Saved on this phone.")).to_be_visible()
    assert requests == []
    assert not SymptomCheckIn.objects.filter(patient=rosa).exists()
    axe.scan(page)

    page.unroute("**/*")
    context.set_offline(False)
    expect(page.get_by_text("Sent to your clinic.")).to_be_visible()
    assert SymptomCheckIn.objects.get(patient=rosa).serious_symptoms == ["saddle"]
    assert Flag.objects.get(patient=rosa, rule=Rule.CAUDA_EQUINA).severity == "urgent"


def test_the_week_page_opens_with_no_signal_marked_offline_and_signing_out_forgets_it(
    page: Page, context: BrowserContext, axe, live_server, rosa, clinician, standard_template
):
    assign(rosa, standard_template, clinician)
    sign_in_patient(page, axe, live_server, rosa)
    worker_controls(page, axe)
    page.goto(f"{live_server.url}/walks/new/")  # a page kept on the phone too
    axe.scan(page)
    page.goto(f"{live_server.url}/week/")
    axe.scan(page)

    signal_lost(context)
    page.reload()
    expect(page.get_by_role("heading", name="Hello Rosa")).to_be_visible()
    expect(page.get_by_text("You are offline. This is your page from")).to_be_visible()
    axe.scan(page)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(f"{live_server.url}/history/")  # never opened: the offline page instead
    expect(page.get_by_role("heading", name="There is no connection")).to_be_visible()
    expect(page.get_by_text("call your emergency number")).to_be_visible()
    expect(page.get_by_role("region", name="Your week, as this phone last saw it")).to_contain_text(
        "Stage"
    )
    axe.scan(page)
    for width in (360, 180):
        page.set_viewport_size({"width": width, "height": 740})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 360, "height": 740})

    signal_back(context)
    page.goto(f"{live_server.url}/week/")
    axe.scan(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")  # or the signed-out page
    axe.scan(page)
    kept = page.evaluate(
        "caches.open('stepwise-pages').then(cache => cache.keys()).then(keys => keys.length)"
    )
    assert kept == 0

    signal_lost(context)
    page.goto(f"{live_server.url}/week/")
    expect(page.get_by_role("heading", name="There is no connection")).to_be_visible()
    expect(page.get_by_text("Hello Rosa")).to_have_count(0)
    axe.scan(page)


def test_another_patient_signing_in_after_a_lapsed_session_never_sees_the_last_ones_pages(
    page: Page, context: BrowserContext, axe, live_server, rosa, clinic, clinician
):
    """The last patient never signed out (their session lapsed, say): the phone still holds
    copies of their pages until the next patient's first page forgets them."""
    sign_in_patient(page, axe, live_server, rosa)
    worker_controls(page, axe)
    page.goto(f"{live_server.url}/history/")
    axe.scan(page)

    context.clear_cookies()  # the session lapses; nobody pressed Sign out
    sam = make_patient(clinic, clinician, "Sam")
    sign_in_patient(page, axe, live_server, sam)
    eventually(
        page,
        "caches.open('stepwise-pages').then(cache => cache.keys())"
        ".then(keys => !keys.some(key => key.url.endsWith('/history/')))",
    )

    signal_lost(context)
    page.goto(f"{live_server.url}/history/")  # Rosa's, had it been kept
    expect(page.get_by_role("heading", name="There is no connection")).to_be_visible()
    expect(page.get_by_text("Rosa")).to_have_count(0)
    axe.scan(page)


def test_a_lapsed_session_leaves_no_page_to_read_once_the_sign_in_page_shows(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    sign_in_patient(page, axe, live_server, rosa)
    worker_controls(page, axe)
    page.goto(f"{live_server.url}/history/")
    axe.scan(page)

    context.clear_cookies()  # the session lapses; nobody pressed Sign out
    page.goto(f"{live_server.url}/week/")  # the phone is picked up: the sign-in page
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    axe.scan(page)
    eventually(
        page,
        "caches.open('stepwise-pages').then(cache => cache.keys()).then(keys => keys.length === 0)",
    )

    signal_lost(context)
    for path in ("/week/", "/history/"):
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", name="There is no connection")).to_be_visible()
        expect(page.get_by_text("Rosa")).to_have_count(0)
        axe.scan(page)


def test_a_stored_entry_naming_another_address_is_never_sent(page: Page, axe, live_server, rosa):
    """Only the three report forms are ever posted to from the phone's store."""
    ReminderSettings.objects.create(patient=rosa, walk_days=["1"], walk_time=datetime.time(10))
    sign_in_patient(page, axe, live_server, rosa)
    page.evaluate(
        """owner => window.stepwiseOffline.store.put({
            id: "planted", owner: owner, kind: "walk", action: "/reminders/",
            page: "/walks/new/", body: "action=stop", status: "waiting"})""",
        str(rosa.pk),
    )

    page.reload()
    axe.scan(page)
    eventually(
        page, "window.stepwiseOffline.store.get('planted').then(entry => entry === undefined)"
    )

    assert ReminderSettings.objects.get(patient=rosa).walk_time == datetime.time(10)


def test_two_reports_written_from_one_kept_page_both_reach_the_clinic(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    """A page kept on the phone carries one submission key: each report written from it
    offline still gets its own, so the second never replaces the first."""
    sign_in_patient(page, axe, live_server, rosa)
    worker_controls(page, axe)
    page.goto(f"{live_server.url}/check-ins/new/")
    axe.scan(page)

    signal_lost(context)
    page.reload()  # the phone's copy
    axe.scan(page)
    answer_check_in(page, 8, yes_to="genitals, bottom")
    page.get_by_role("button", name="Send to my clinic").click()
    expect(page.get_by_role("alert")).to_contain_text("call 999")
    page.goto(f"{live_server.url}/check-ins/new/")  # the same copy, the same key in it
    axe.scan(page)
    answer_check_in(page, 6)
    page.get_by_role("button", name="Send to my clinic").click()
    expect(page.get_by_text("Saved on this phone.")).to_be_visible()
    kept = page.evaluate("stepwiseOffline.store.mine()")
    assert len({entry["id"] for entry in kept}) == 2

    signal_back(context)
    page.goto(f"{live_server.url}/week/")
    axe.scan(page)
    expect(page.get_by_text("Sent to your clinic.")).to_be_visible()
    eventually(page, "stepwiseOffline.store.mine().then(entries => entries.length === 0)")
    pains = SymptomCheckIn.objects.filter(patient=rosa).values_list("pain_now", flat=True)
    assert sorted(pains) == [6, 8]
    assert Flag.objects.filter(patient=rosa, rule=Rule.CAUDA_EQUINA).exists()


def test_with_no_signal_the_week_page_lists_what_waits_and_a_second_tap_saves_nothing(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    sign_in_patient(page, axe, live_server, rosa)
    worker_controls(page, axe)
    page.goto(f"{live_server.url}/walks/new/")
    axe.scan(page)

    signal_lost(context)
    fill_walk(page, "12")
    save = page.get_by_role("button", name="Save my walk")
    save.click()
    expect(page.get_by_text("Saved on this phone.")).to_be_visible()
    expect(save).to_be_disabled()
    assert len(page.evaluate("stepwiseOffline.store.mine()")) == 1

    page.goto(f"{live_server.url}/week/")  # the phone's copy
    waiting = page.get_by_role("region", name="Saved on this phone")
    expect(waiting).to_contain_text("A walk saved on this phone at")
    expect(waiting).to_contain_text("waiting to be sent")
    axe.scan(page)


def test_an_answer_the_clinic_already_has_is_not_called_unsent(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    """Only the serious question answered, offline: the server keeps the yes and flags it,
    and asks for the rest. The phone says the clinic has it, not "needs checking"."""
    sign_in_patient(page, axe, live_server, rosa)
    page.goto(f"{live_server.url}/check-ins/new/")
    axe.scan(page)
    context.set_offline(True)
    page.get_by_role("group", name="genitals, bottom").get_by_label("Yes").check()
    page.get_by_role("button", name="Send to my clinic").click()
    expect(page.get_by_role("alert")).to_contain_text("call 999")

    context.set_offline(False)
    expect(page.get_by_text("Your clinic has what you answered.")).to_be_visible()
    assert Flag.objects.filter(patient=rosa, rule=Rule.CAUDA_EQUINA).exists()
    page.goto(f"{live_server.url}/week/")
    expect(page.get_by_role("region", name="Saved on this phone")).to_contain_text(
        "Your clinic has your report from"
    )
    page.get_by_role("button", name="Delete it from this phone").click()
    expect(page.get_by_role("region", name="Saved on this phone")).to_be_hidden()
    axe.scan(page)


def test_signing_out_with_a_report_not_sent_says_so_first(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    sign_in_patient(page, axe, live_server, rosa)
    page.goto(f"{live_server.url}/walks/new/")
    axe.scan(page)
    # The server cannot be reached for reports: the walk stays on the phone.
    page.route(
        "**/walks/new/",
        lambda route: route.abort() if route.request.method == "POST" else route.fallback(),
    )
    context.set_offline(True)
    fill_walk(page, "9")
    page.get_by_role("button", name="Save my walk").click()
    expect(page.get_by_text("Saved on this phone.")).to_be_visible()
    context.set_offline(False)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("is not with your clinic yet")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/walks/new/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    axe.scan(page)
    # The browser reports the sends this test blocked; nothing else may have failed.
    axe.console_errors[:] = [error for error in axe.console_errors if "/walks/new/" not in error]


def test_the_offline_page_follows_a_change_of_language(
    page: Page, context: BrowserContext, axe, live_server, rosa
):
    """The phone's copy of the offline page (its advice to call for help included) is in
    the language the patient reads now, not the one the phone first saw."""
    sign_in_patient(page, axe, live_server, rosa)
    worker_controls(page, axe)

    page.get_by_role("button", name="Español").click()
    expect(page.get_by_role("heading", name="Hola, Rosa")).to_be_visible()
    axe.scan(page)
    eventually(page, "caches.keys().then(names => names.some(n => n.endsWith('-es')))")
    eventually(page, "caches.keys().then(names => !names.some(n => n.endsWith('-en-gb')))")

    signal_lost(context)
    page.goto(f"{live_server.url}/history/")
    expect(page.get_by_role("heading", name="No hay conexión")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe.scan(page)
