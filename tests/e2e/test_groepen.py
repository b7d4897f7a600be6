"""Create a group with restricted services in a real browser, with the picker as a dialog."""

import io

import pytest
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from diensten.demo import seed as seed_catalogue
from groepen.models import Groep
from tests.e2e.test_login import log_in
from tests.factories import LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_group_with_restricted_services(page: Page, live_server):
    seed_catalogue(io.StringIO())
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    collega = LidmaatschapFactory(organisatie=organisatie, user__last_name="Collega").user
    LidmaatschapFactory(organisatie=organisatie, user__last_name="Laag", user__eh2plus=True)

    log_in(page, live_server.url, beheerder)
    page.get_by_role("link", name="groepen", exact=True).click()
    page.get_by_role("link", name="+ Voeg toe").click()
    page.get_by_label("Groepsnaam").fill("Loonadministratie")
    page.get_by_role("button", name="Sla op en voeg gebruikers toe").click()

    expect(page.get_by_text("minimaal niveau EH3")).to_be_visible()
    page.get_by_label(str(collega)).check()
    page.get_by_role("button", name="Voeg gebruikers toe en kies toegestane diensten").click()

    page.get_by_label("Beperk toegestane diensten").check()
    page.get_by_role("button", name="Kies diensten").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Zoek op dienst of dienstverlener").fill("ziektewet")
    dialog.get_by_label("Verzuim Ziektewet").check()
    dialog.get_by_label("Zoek op dienst of dienstverlener").fill("omzetbelasting")
    expect(dialog.get_by_label("Verzuim Ziektewet")).to_have_count(0)
    dialog.get_by_label("Omzetbelasting", exact=True).check()
    dialog.get_by_role("button", name="Voeg machtiging(en) toe").click()

    expect(page.get_by_role("heading", name="Loonadministratie")).to_be_visible()
    expect(page.get_by_text("2 diensten: ")).to_be_visible()
    groep = Groep.objects.get(naam="Loonadministratie")
    assert {d.naam_nl for d in groep.diensten.all()} == {"Omzetbelasting", "Verzuim Ziektewet"}
    assert [m.user for m in groep.leden.all()] == [collega]


def test_the_user_lists_filter_as_you_type_and_keep_what_is_checked(page: Page, live_server):
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    LidmaatschapFactory(organisatie=organisatie, user__voorletters="A.", user__last_name="Bakker")
    LidmaatschapFactory(organisatie=organisatie, user__voorletters="P.", user__last_name="Jansen")
    groep = Groep.objects.create(organisatie=organisatie, naam="Loon")

    log_in(page, live_server.url, beheerder)
    page.goto(f"{live_server.url}/groepen/{groep.pk}/gebruikers/")
    search = page.get_by_label("Zoek op gebruiker")
    # With JavaScript the list filters itself; the server search button is not needed.
    expect(page.get_by_role("button", name="Zoek", exact=True)).to_be_hidden()
    search.fill("jans")
    expect(page.get_by_label("P. Jansen")).to_be_visible()
    expect(page.get_by_label("A. Bakker")).to_be_hidden()
    expect(page.get_by_text("Getoonde gebruikers: 1")).to_be_visible()
    page.get_by_label("P. Jansen").check()
    search.fill("bakk")
    # The checked one stays in view: nothing chosen disappears.
    expect(page.get_by_label("A. Bakker")).to_be_visible()
    expect(page.get_by_label("P. Jansen")).to_be_checked()
    page.get_by_label("A. Bakker").check()
    page.get_by_role("button", name="Voeg gebruikers toe", exact=True).click()
    assert sorted(m.user.last_name for m in groep.leden.all()) == ["Bakker", "Jansen"]
