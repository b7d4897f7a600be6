"""Requesting a means for a colleague, end to end: the beheerder requests it on EH-middelen, the
back office issues it, and the colleague sets a password with the link in the e-mail."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.constants import MiddelAanvraagStatus, Rol
from accounts.models import EHMiddelAanvraag, User
from tests.e2e.test_login import log_in
from tests.factories import LidmaatschapFactory, OrganisatieFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Sterk-nieuw-wachtwoord-2026"


def test_request_issue_and_set_password(page: Page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    staff = UserFactory(is_staff=True, with_totp_device=True, last_name="Backoffice")

    # The beheerder requests a means for a colleague.
    log_in(page, live_server.url, beheerder)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    menu.get_by_role("link", name="EH-middelen").click()
    expect(page.get_by_role("heading", name="EH-middelen", exact=True)).to_be_visible()
    page.get_by_role("link", name="Vraag een middel aan voor een collega").click()
    page.get_by_label("Voornaam").fill("Sanne")
    page.get_by_label("Achternaam").fill("de Wit")
    page.get_by_label("E-mailadres").fill("sanne.dewit@example.nl")
    page.get_by_label("Mobiel telefoonnummer").fill("0612345678")
    page.get_by_label("Niveau").select_option(label="EH3")
    page.get_by_label("SMS").check()
    page.get_by_role("button", name="Verstuur aanvraag").click()
    expect(page.get_by_text("De aanvraag is naar de backoffice verstuurd.")).to_be_visible()
    expect(page.get_by_role("cell", name="sanne.dewit@example.nl")).to_be_visible()
    aanvraag = EHMiddelAanvraag.objects.get(email="sanne.dewit@example.nl")
    assert aanvraag.organisatie == organisatie

    # The back office issues it.
    page.context.clear_cookies()
    log_in(page, live_server.url, staff)
    page.goto(f"{live_server.url}/backoffice/eh-middelen/")
    page.get_by_role("link", name="Sanne de Wit").click()
    page.get_by_role("button", name="Identiteit gecontroleerd: geef het middel uit").click()
    expect(page.get_by_text("Het middel is uitgegeven")).to_be_visible()
    aanvraag.refresh_from_db()
    assert aanvraag.status == MiddelAanvraagStatus.UITGEGEVEN

    # The colleague sets a password with the link in the e-mail.
    (message,) = [m for m in mail.outbox if m.to == ["sanne.dewit@example.nl"]]
    link = re.search(r"(http://\S+/account/wachtwoord-herstellen/\S+)", message.body).group(1)
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Nieuw wachtwoord bevestigen").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sla wachtwoord op").click()
    colleague = User.objects.get(email="sanne.dewit@example.nl")
    expect(page).to_have_url(re.compile(r"/account/wachtwoord-herstellen/klaar/"))
    colleague.refresh_from_db()
    assert colleague.check_password(NEW_PASSWORD)

    # At the first login the colleague is sent to set up a second factor.
    page.goto(f"{live_server.url}/")
    page.get_by_label("Gebruikersnaam").fill(colleague.username)
    page.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(re.compile(r"/account/two_factor/setup/"))
