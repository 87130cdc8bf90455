"""A Spanish-speaking patient of a US clinic, on a phone whose browser is in English: the
invitation, a walk, a cauda equina "yes" with nothing else answered, the emergency advice
in Spanish with the clinic's number, and the clinician, on a Spanish browser, reading the
flag in English. Every page is scanned with axe (conftest.py)."""

import pytest
from playwright.sync_api import Page, expect

from patients.models import Flag, SymptomCheckIn
from tests import factories
from tests.browser.steps import enter_code, fits
from tests.browser.test_patient_journey import choose_pain
from tests.factories import assign, invite, make_patient

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "un-paseo-junto-al-rio-2026"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "locale": "en-US",
    }


def test_a_spanish_speaking_patient_gets_the_emergency_advice_in_spanish_with_911(
    page: Page, axe, live_server, browser, other_clinic, other_clinician, standard_template
):
    rosa = make_patient(other_clinic, other_clinician, "Rosa", language="es")
    assign(rosa, standard_template, other_clinician)
    token = invite(rosa, other_clinician)

    # The invitation is in the language the clinician chose, whatever the browser's.
    page.goto(f"{live_server.url}/invitations/{token}/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    axe.scan(page)
    page.get_by_label("Contraseña nueva", exact=True).fill(PASSWORD)
    page.get_by_label("Contraseña nueva (confirmación)").fill(PASSWORD)
    page.get_by_role("button", name="Crear mi contraseña").click()
    expect(page.get_by_text("Le damos la bienvenida a Stepwise.")).to_be_visible()
    expect(page.get_by_text("Etapa 1 de 8, semana 1 de 2")).to_be_visible()
    axe.scan(page)

    page.get_by_role("link", name="Anotar una caminata").click()
    axe.scan(page)
    page.get_by_label("¿Cuántos minutos caminó?").fill("8")
    choose_pain(page, "Dolor antes de la caminata", 3)
    choose_pain(page, "Dolor después de la caminata", 4)
    page.get_by_role("button", name="Guardar mi caminata").click()
    expect(page.get_by_text("1 caminata de 3 esta semana")).to_be_visible()
    axe.scan(page)

    # Only a yes to the first cauda equina question; everything else left blank.
    page.get_by_role("link", name="Volver a esta semana").click()
    axe.scan(page)
    page.get_by_role("link", name="Informar sobre un cambio en sus síntomas").click()
    axe.scan(page)
    # Spanish's long words (Adormecimiento) still fit a 360 px phone at 200% zoom.
    page.set_viewport_size({"width": 180, "height": 370})
    assert fits(page, 180), "the check-in scrolls sideways at 180 px in Spanish"
    page.set_viewport_size({"width": 360, "height": 740})
    page.get_by_role("group", name="al limpiarse después de ir al baño").get_by_label("Sí").check()
    page.get_by_role("button", name="Enviar a mi clínica").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Busque ayuda médica ahora")
    expect(alert).to_contain_text(
        "Vaya ahora a la sala de urgencias de un hospital, o llame al 911."
    )
    expect(page.get_by_role("link", name="Llame al 911")).to_have_attribute("href", "tel:911")
    # The line for the emergency department: in Spanish, and in English for the staff there.
    expect(alert.locator('p[lang="es"]')).to_contain_text("síndrome de cauda equina")
    expect(alert.locator('p[lang="en-gb"]')).to_contain_text(
        "I have back pain and I may have cauda equina syndrome."
    )
    axe.scan(page)
    assert SymptomCheckIn.objects.get(patient=rosa).serious_symptoms == ["saddle"]

    # The clinician, on a browser in Spanish, reads it all in English.
    staff = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 900})
    desk = staff.new_page()
    desk.on("load", lambda loaded: axe.loaded.append(loaded.url))
    desk.goto(f"{live_server.url}/accounts/login/")
    expect(desk.locator("html")).to_have_attribute("lang", "es")  # signed out: the browser's
    axe.scan(desk)
    desk.get_by_label("Nombre de usuario o correo electrónico").fill(other_clinician.username)
    desk.get_by_label("Contraseña").fill(factories.PASSWORD)
    desk.get_by_role("button", name="Iniciar sesión").click()
    # Signed in (the code still to come) the pages are staff's, in English.
    expect(desk.locator("html")).to_have_attribute("lang", "en-gb")
    enter_code(desk, axe, other_clinician)
    flags = desk.get_by_role("region", name="Flags to review", exact=True)
    expect(flags).to_contain_text("Reports possible cauda equina symptoms")
    expect(flags.get_by_role("link", name="Rosa Patient", exact=True)).to_be_visible()
    axe.scan(desk)
    flag = Flag.objects.get(patient=rosa, rule="cauda_equina")
    desk.goto(f"{live_server.url}/reports/flags/{flag.pk}/")
    expect(desk.locator("main")).to_contain_text("Reports possible cauda equina symptoms")
    axe.scan(desk)
    staff.close()
