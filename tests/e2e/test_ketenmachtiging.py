"""Request one ketenmachtiging in a real browser, find the e-mail with its PDF, approve it in the
back office and see it become active."""

import io

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from diensten.demo import seed as seed_catalogue
from ketenmachtigingen.constants import Status
from ketenmachtigingen.models import Ketenmachtiging
from tests.e2e.test_login import log_in
from tests.factories import LidmaatschapFactory, OrganisatieFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_then_approve_in_the_back_office(page: Page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seed_catalogue(io.StringIO())
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    collega = LidmaatschapFactory(organisatie=organisatie, user__last_name="Collega").user

    log_in(page, live_server.url, beheerder)
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
    expect(page.get_by_text("nieuwe aanvraag")).to_be_visible()

    page.get_by_label(str(collega)).check()
    page.get_by_role("button", name="Voeg gebruikers toe").click()
    page.get_by_label("Kies de duur van de machtigingen", exact=True).select_option("5")
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("link", name="Verstuur aanvraag tot goedkeuring").click()

    page.locator("#id_voorletters").fill("A.B.")
    page.locator("#id_achternaam").fill("Pietersen")
    page.locator("#id_telefoon").fill("06 1234 5678")
    # The relatie's contact person, as the manual asks: the e-mail greets this person.
    page.locator("#id_relatie_voorletters").fill("D.")
    page.locator("#id_relatie_tussenvoegsel").fill("van")
    page.locator("#id_relatie_achternaam").fill("Duck")
    page.locator("#id_relatie_email").fill("directie@donald.nl")
    page.locator("#id_relatie_telefoon").fill("020 123 4567")
    page.get_by_label("Ja, ik ga akkoord met de kosten").check()
    page.get_by_role("button", name="Verstuur aanvraag tot goedkeuring").click()
    expect(page.get_by_text("De aanvraag is verstuurd.")).to_be_visible()
    expect(page.get_by_text("Aanvraag verstuurd").first).to_be_visible()

    km = Ketenmachtiging.objects.get(relatie_kvk_nummer="68750110")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["directie@donald.nl"]
    assert mail.outbox[0].attachments[0][1].startswith(b"%PDF")
    assert mail.outbox[0].body.startswith("Beste D. van Duck,")

    # The back office receives the signed form and approves it.
    staff = UserFactory(is_staff=True, with_totp_device=True)
    page.context.clear_cookies()
    log_in(page, live_server.url, staff)
    page.goto(f"{live_server.url}/backoffice/")
    page.get_by_label("Kenmerk, KvK-nummer of naam").fill(km.kenmerk)
    page.get_by_role("button", name="Zoek").click()
    page.get_by_role("link", name=km.kenmerk).click()
    page.get_by_role("button", name="Markeer als ontvangen").click()
    page.get_by_role("button", name="Keur goed: maak actief").click()
    km.refresh_from_db()
    assert km.status == Status.ACTIEF

    # The beheerder sees it under Actief.
    page.context.clear_cookies()
    log_in(page, live_server.url, beheerder)
    page.goto(f"{live_server.url}/ketenmachtigingen/van-relaties/?tab=actief")
    expect(page.get_by_text("Test BV Donald")).to_be_visible()
