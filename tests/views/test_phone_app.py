"""The installable app's own addresses: the manifest, the service worker, the offline page,
and which pages load the phone app's scripts."""

import json
import re

import pytest
from django.templatetags.static import static
from django.urls import reverse

from tests import factories
from tests.views.test_walk_log import walk


@pytest.fixture
def patient_client(client, patient):
    factories.sign_in(client, patient.user)
    return client


def strict_policy(response) -> bool:
    policy = response["Content-Security-Policy"]
    return "script-src 'self'" in policy and "unsafe-inline" not in policy


@pytest.mark.django_db
def test_the_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Stepwise"
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/week/",
        "/",
        "standalone",
    )
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert strict_policy(response)


@pytest.mark.django_db
def test_the_service_worker_is_fresh_same_origin_and_under_the_strict_policy(patient_client):
    response = patient_client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert strict_policy(response)
    script = response.content.decode()
    imported = re.findall(r"importScripts\(([^)]*)\)", script)
    assert imported == [f'"{static("js/sw-push.js")}"']
    # Only this site's own files: a path, never another host.
    assert all(url.strip("\"'").startswith("/") for url in imported)
    assert "//" not in imported[0]
    assert f'"{static("css/stepwise.css")}"' in script


@pytest.mark.django_db
def test_the_service_worker_changes_when_a_kept_file_changes(client, settings, tmp_path):
    before = client.get("/sw.js").content
    static_dir = tmp_path / "static"
    (static_dir / "js").mkdir(parents=True)
    (static_dir / "js" / "app.js").write_text("// a new release\n")
    settings.STATICFILES_DIRS = [static_dir, *settings.STATICFILES_DIRS]

    assert client.get("/sw.js").content != before


@pytest.mark.django_db
def test_the_offline_page_says_nothing_about_the_person(patient_client, patient):
    response = patient_client.get("/offline/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is no connection" in page
    assert "call your emergency number" in page
    assert patient.user.first_name not in page
    assert "Sign out" not in page and "csrfmiddlewaretoken" not in page


@pytest.mark.django_db
def test_a_patients_pages_load_the_app_and_link_the_manifest(patient_client):
    page = patient_client.get(reverse("patient_week")).content.decode()

    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert static("js/app.js") in page and static("js/offline.js") in page


@pytest.mark.django_db
def test_a_clinicians_pages_never_load_the_app(client, clinician, patient):
    factories.sign_in(client, clinician)

    response = client.get(reverse("patient_record", args=[patient.pk]))

    page = response.content.decode()
    assert response.status_code == 200 and patient.user.first_name in page
    assert static("js/app.js") not in page
    assert "data-owner" not in page


@pytest.mark.django_db
def test_the_check_in_page_keeps_the_clinics_urgent_advice_ready(patient_client, patient):
    page = patient_client.get(reverse("check_in_new")).content.decode()

    kept = page.split('<template id="offline-urgent-advice">')[1].split("</template>")[0]
    assert "Get medical help now" in kept
    assert f'href="tel:{patient.clinic.emergency_number}"' in kept
    assert 'data-urgent-questions="serious_bladder serious_bowel serious_chest' in page


@pytest.mark.django_db
def test_the_offline_page_leaves_a_message_for_the_page_it_was_meant_for(patient_client, patient):
    """The worker fetches the offline page in the background, maybe between a form and
    the page that thanks the patient for it."""
    saved = patient_client.post(reverse("walk_new"), walk(patient))

    patient_client.get("/offline/")

    thanks = patient_client.get(saved["Location"]).content.decode()
    assert "Your walk is saved. Thank you." in thanks
