"""History stays findable, in a real browser: a search on Actief points to the match in
Historie, the row there offers "Vraag opnieuw aan" and no "Voeg gebruiker toe", and the button
opens the wizard prefilled, up to the last step. Also without JavaScript."""

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.constants import Rol
from tests.e2e.test_login import log_in
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _request_again_from_historie(page: Page, base_url: str, beheerder, collega) -> None:
    log_in(page, base_url, beheerder)
    page.goto(f"{base_url}/ketenmachtigingen/van-relaties/?tab=actief&q=gestopt")
    expect(page.get_by_text("Gestopt Bedrijf B.V.")).to_have_count(0)
    page.get_by_role("link", name="1 in Historie").click()
    expect(page.get_by_role("link", name="Historie")).to_have_attribute("aria-current", "page")
    page.locator("summary", has_text="Gestopt Bedrijf B.V.").click()
    expect(page.get_by_role("link", name="Voeg gebruiker toe")).to_have_count(0)
    page.get_by_role("button", name="Vraag opnieuw aan").click()
    expect(page.get_by_text("Controleer de gegevens van de nieuwe aanvraag")).to_be_visible()
    expect(page.get_by_text("Gestopt Bedrijf B.V.").first).to_be_visible()
    expect(page.get_by_text(str(collega)).first).to_be_visible()
    page.get_by_role("link", name="Verstuur aanvraag tot goedkeuring").click()
    expect(page.locator("#id_relatie_email")).to_have_value("eigenaar@gestopt.nl")
    expect(page.locator("#id_taal")).to_have_value("en")


@pytest.fixture
def people():
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    collega = LidmaatschapFactory(organisatie=organisatie, user__last_name="Collega")
    km = KetenmachtigingFactory(
        intermediair=organisatie,
        beeindigd=True,
        relatie_naam="Gestopt Bedrijf B.V.",
        relatie_contact_email="eigenaar@gestopt.nl",
        taal="en",
    )
    km.gebruikers.add(collega)
    return beheerder, collega.user


def test_request_again_from_historie(page: Page, live_server, people):
    _request_again_from_historie(page, live_server.url, *people)


def test_request_again_from_historie_without_javascript(browser: Browser, live_server, people):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    try:
        _request_again_from_historie(context.new_page(), live_server.url, *people)
    finally:
        context.close()
