"""Issue 20 (subscriptions) in a real browser: a beheerder without a subscription finds the
explanation under Ketenmachtigingen and asks for access once; the back office activates the
subscription; the ketenmachtigingen open."""

import pytest
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from tests.e2e.test_login import log_in
from tests.factories import LidmaatschapFactory, OrganisatieFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_request_access_and_the_back_office_activates(page: Page, live_server, browser, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    kantoor = OrganisatieFactory(naam="Nieuw Kantoor B.V.", abonnement=False)
    beheerder = LidmaatschapFactory(organisatie=kantoor, rol=Rol.BEHEERDER).user
    staff = UserFactory(is_staff=True, with_totp_device=True, last_name="Backoffice")

    log_in(page, live_server.url, beheerder)
    page.get_by_role("link", name="van relaties", exact=True).click()
    expect(page.get_by_role("heading", name="Abonnement voor ketenmachtigingen")).to_be_visible()
    page.get_by_role("button", name="Vraag toegang aan").click()
    expect(
        page.get_by_text("Uw aanvraag voor toegang is naar de backoffice gestuurd")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Vraag toegang aan")).to_have_count(0)
    expect(page.get_by_text("Toegang aangevraagd").first).to_be_visible()

    backoffice = browser.new_context(locale="nl-NL").new_page()
    log_in(backoffice, live_server.url, staff)
    backoffice.goto(f"{live_server.url}/backoffice/abonnementen/?status=open")
    backoffice.get_by_role("link", name="Nieuw Kantoor B.V.").click()
    backoffice.get_by_role("button", name="Activeer").click()
    expect(backoffice.get_by_text("is nu „Actief”")).to_be_visible()
    backoffice.context.close()

    page.get_by_role("link", name="van relaties", exact=True).click()
    expect(page.get_by_role("heading", name="Ketenmachtigingen", exact=True)).to_be_visible()
    page.get_by_role("link", name="berichtenbox").click()
    expect(
        page.get_by_role("link", name="Abonnement voor Ketenmachtigingen actief")
    ).to_be_visible()
