"""Issue 15 part 2 in a real browser: an intermediair requests a ketenmachtiging from a company
that is on this platform too; the company's beheerder finds it under Afgegeven > Te beoordelen
(with the count in the menu), approves it, and the intermediair sees it active."""

import io

import pytest
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from diensten.demo import seed as seed_catalogue
from ketenmachtigingen.constants import Kanaal, Status
from ketenmachtigingen.models import Ketenmachtiging
from tests.e2e.test_flows import open_overview, row
from tests.e2e.test_login import log_in
from tests.factories import LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_keur_goed_between_two_platform_organisations(page: Page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seed_catalogue(io.StringIO())
    kantoor = OrganisatieFactory(naam="Accountants Alpha B.V.", kvk_nummer="30999999")
    kantoor_beheerder = LidmaatschapFactory(organisatie=kantoor, rol=Rol.BEHEERDER).user
    collega = LidmaatschapFactory(organisatie=kantoor, user__last_name="Collega").user
    bedrijf = OrganisatieFactory(naam="Test BV Donald", kvk_nummer="68750110")
    bedrijf_beheerder = LidmaatschapFactory(organisatie=bedrijf, rol=Rol.BEHEERDER).user

    # The intermediair sends a request to the company.
    log_in(page, live_server.url, kantoor_beheerder)
    page.get_by_role("link", name="van relaties", exact=True).click()
    page.get_by_role("link", name="+ Voeg toe").click()
    page.get_by_label("KvK-nummer of fiscaal nummer").fill("68750110")
    page.get_by_role("button", name="Selecteer bedrijf").click()
    expect(page.get_by_text("Test BV Donald")).to_be_visible()
    page.get_by_role("button", name="Kies diensten").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Zoek op dienst of dienstverlener").fill("omzetbelasting")
    dialog.get_by_label("Omzetbelasting", exact=True).check()
    dialog.get_by_role("button", name="Voeg machtiging(en) toe").click()
    expect(page.get_by_text("1 dienst: Omzetbelasting (Belastingdienst)")).to_be_visible()
    page.get_by_label(str(collega)).check()
    page.get_by_role("button", name="Voeg gebruikers toe").click()
    page.get_by_label("Kies de duur van de machtigingen", exact=True).select_option("5")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("link", name="Verstuur aanvraag tot goedkeuring").click()
    page.locator("#id_voorletters").fill("A.B.")
    page.locator("#id_achternaam").fill("Pietersen")
    page.locator("#id_telefoon").fill("06 1234 5678")
    page.locator("#id_relatie_voorletters").fill("D.")
    page.locator("#id_relatie_achternaam").fill("Duck")
    page.locator("#id_relatie_email").fill("directie@donald.nl")
    page.locator("#id_relatie_telefoon").fill("020 123 4567")
    page.locator("#id_persoonlijk_bericht").fill("Graag uw akkoord.")
    page.get_by_label("Ja, ik ga akkoord met de kosten").check()
    page.get_by_role("button", name="Verstuur aanvraag tot goedkeuring").click()
    expect(page.get_by_text("De aanvraag is verstuurd.")).to_be_visible()
    km = Ketenmachtiging.objects.get(relatie_kvk_nummer="68750110")
    assert km.relatie_organisatie == bedrijf and km.status == Status.VERSTUURD

    # The company's beheerder sees it waiting, with the count in the menu, and approves it.
    page.context.clear_cookies()
    log_in(page, live_server.url, bedrijf_beheerder)
    page.get_by_role("link", name="afgegeven 1 te beoordelen").click()
    page.get_by_role("link", name="Te beoordelen 1 verzoek wacht op uw antwoord").click()
    page.get_by_role("link", name="Accountants Alpha B.V.").click()
    expect(page.get_by_role("heading", name="Verzoek van Accountants Alpha B.V.")).to_be_visible()
    expect(page.get_by_text("Omzetbelasting (Belastingdienst)")).to_be_visible()
    expect(page.get_by_text("Graag uw akkoord.")).to_be_visible()
    page.get_by_role("button", name="Keur goed: nu actief maken").click()
    expect(page.get_by_text("U heeft de ketenmachtiging goedgekeurd")).to_be_visible()
    km.refresh_from_db()
    assert (km.status, km.kanaal) == (Status.ACTIEF, Kanaal.PLATFORM)

    # The intermediair sees it active, and was told.
    page.context.clear_cookies()
    log_in(page, live_server.url, kantoor_beheerder)
    open_overview(page, "Actief")
    expect(row(page, "Test BV Donald").locator(".kp-badge")).to_have_text("Actief")
