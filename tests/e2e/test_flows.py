"""The everyday flows of the manual, in a real browser, as a new user would go through them:
register an already approved ketenmachtiging, export the overview, renew from Acties, end one at
once and one on a date, read the berichtenbox, and grant one as a company."""

import csv
import re

import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from berichtenbox.models import Bericht
from berichtenbox.services import bericht_create
from ketenmachtigingen.constants import Status
from ketenmachtigingen.models import Ketenmachtiging
from tests.e2e.test_login import log_in
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def intermediair(db):
    """An intermediair with a beheerder and a colleague who may use ketenmachtigingen."""
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.", kvk_nummer="30999999")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    collega = LidmaatschapFactory(organisatie=organisatie, user__last_name="Collega").user
    return organisatie, beheerder, collega


def open_overview(page: Page, tab: str = "Actief") -> None:
    page.get_by_role("link", name="van relaties", exact=True).click()
    page.get_by_role("navigation", name="Tabbladen").get_by_role(
        "link", name=re.compile(f"^{tab}")
    ).click()


def row(page: Page, naam: str):
    return page.locator(".kp-row", has_text=naam)


def test_register_as_already_approved(page: Page, live_server, intermediair):
    organisatie, beheerder, collega = intermediair

    log_in(page, live_server.url, beheerder)
    page.get_by_role("link", name="van relaties", exact=True).click()
    page.get_by_role("link", name="+ Voeg toe").click()
    page.get_by_label("KvK-nummer of fiscaal nummer").fill("69599084")
    page.get_by_role("button", name="Selecteer bedrijf").click()
    expect(page.get_by_text("Eenmanszaak Test Kraan")).to_be_visible()

    page.get_by_role("button", name="Kies diensten").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("checkbox", name="Algemene bevoegdheid").check()
    dialog.get_by_role("button", name="Voeg machtiging(en) toe").click()
    expect(page.get_by_text("Algemene bevoegdheid: alle diensten")).to_be_visible()
    page.get_by_label(str(collega)).check()
    page.get_by_role("button", name="Voeg gebruikers toe").click()
    page.get_by_label("Kies de duur van de machtigingen", exact=True).select_option("3")
    page.get_by_role("button", name="Volgende").click()

    page.get_by_role("link", name="Ik heb al goedkeuring ontvangen").click()
    expect(
        page.get_by_role("heading", name="Wilt u deze ketenmachtiging verwerken als goedgekeurd?")
    ).to_be_visible()
    page.get_by_role("link", name="Ja, leg de ketenmachtiging vast").click()
    expect(page.get_by_role("heading", name="Kies organisatie")).to_be_visible()
    page.get_by_label("KPN", exact=True).check()
    page.get_by_role("button", name="Verwerk als goedgekeurd").click()

    expect(page.get_by_text("De ketenmachtiging is toegevoegd.")).to_be_visible()
    expect(page.get_by_role("heading", name="Eenmanszaak Test Kraan")).to_be_visible()
    open_overview(page, "Actief")
    kraan = row(page, "Eenmanszaak Test Kraan")
    expect(kraan.locator(".kp-badge")).to_have_text("Actief")
    kraan.locator("summary").click()
    expect(kraan.locator(".kp-linked")).to_contain_text(str(collega))

    km = Ketenmachtiging.objects.get(intermediair=organisatie, relatie_kvk_nummer="69599084")
    assert (km.status, km.leverancier, km.looptijd_jaren) == (Status.ACTIEF, "KPN", 3)
    assert km.algemene_bevoegdheid
    assert [m.user for m in km.gebruikers.all()] == [collega]


def test_export_xlsx_and_csv(page: Page, live_server, intermediair, tmp_path):
    organisatie, beheerder, _ = intermediair
    KetenmachtigingFactory(
        intermediair=organisatie, actief=True, relatie_naam="Bakkerij De Korenaar B.V."
    )
    KetenmachtigingFactory(intermediair=organisatie, relatie_naam="Kapsalon Nog Niet B.V.")

    log_in(page, live_server.url, beheerder)
    open_overview(page, "Actief")
    export = page.locator("details.kp-export")
    export.get_by_text("Export", exact=True).click()

    export.get_by_label(".xlsx").check()
    with page.expect_download() as info:
        export.get_by_role("button", name="Downloaden").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = openpyxl.load_workbook(path, read_only=True).active
    cells = {str(c) for r in sheet.iter_rows(values_only=True) for c in r if c is not None}
    assert "Bakkerij De Korenaar B.V." in cells
    assert "Kapsalon Nog Niet B.V." not in cells  # waiting, not active

    expect(export.get_by_role("button", name="Downloaden")).to_be_visible()
    export.get_by_label(".csv").check()
    with page.expect_download() as info:
        export.get_by_role("button", name="Downloaden").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert len(rows) == 2  # header and the one active ketenmachtiging
    assert "Bakkerij De Korenaar B.V." in rows[1]


def test_renew_from_acties(page: Page, live_server, intermediair, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    organisatie, beheerder, collega = intermediair
    km = KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        relatie_naam="Garage Snel B.V.",
        relatie_contact_email="oud@garagesnel.nl",
        einddatum=timezone.localdate() + relativedelta(months=2),
    )
    km.gebruikers.add(collega.lidmaatschappen.get())

    log_in(page, live_server.url, beheerder)
    open_overview(page, "Acties")
    email = page.get_by_label("E-mailadres ontvanger bij Garage Snel B.V.")
    expect(email).to_have_value("oud@garagesnel.nl")
    email.fill("directie@garagesnel.nl")
    keuze = page.get_by_role("checkbox", name="Garage Snel B.V.")
    expect(keuze).not_to_be_checked()  # nothing is chosen for the beheerder
    keuze.check()
    # Sent without agreeing to the costs: the page comes back with everything as typed.
    page.get_by_role("button", name="Verleng selectie").click()
    expect(page.get_by_text("Ga akkoord met de kosten om de verlengingsverzoeken")).to_be_visible()
    expect(email).to_have_value("directie@garagesnel.nl")
    expect(keuze).to_be_checked()
    # The office's contact is prefilled from the beheerder.
    expect(page.locator("#id_email")).to_have_value(beheerder.email)
    page.locator("#id_telefoon").fill("030 123 4567")
    page.get_by_label("Ja, ik ga akkoord met de kosten").check()
    page.get_by_role("button", name="Verleng selectie").click()

    expect(page.get_by_text("1 verlengingsverzoek wordt verstuurd.")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Tabbladen")
    expect(tabs.get_by_role("link", name=re.compile("^Wachtend op afhandeling"))).to_have_attribute(
        "aria-current", "page"
    )
    expect(row(page, "Garage Snel B.V.").locator(".kp-badge")).to_have_text("Aanvraag verstuurd")

    renewal = Ketenmachtiging.objects.get(vernieuwing_van=km)
    assert renewal.status == Status.VERSTUURD
    assert renewal.relatie_contact_email == "directie@garagesnel.nl"
    assert renewal.contact_email == beheerder.email and renewal.akkoord_kosten_op
    assert [m.to for m in mail.outbox] == [["directie@garagesnel.nl"]]


def test_end_at_once_and_on_a_date(page: Page, live_server, intermediair):
    organisatie, beheerder, _ = intermediair
    direct = KetenmachtigingFactory(
        intermediair=organisatie, actief=True, relatie_naam="Bakkerij Per Direct B.V."
    )
    later = KetenmachtigingFactory(
        intermediair=organisatie, actief=True, relatie_naam="Drukkerij Later B.V."
    )
    einde = timezone.localdate() + relativedelta(months=1)

    log_in(page, live_server.url, beheerder)
    open_overview(page, "Actief")
    row(page, "Bakkerij Per Direct B.V.").locator("summary").click()
    row(page, "Bakkerij Per Direct B.V.").get_by_role(
        "link", name="Alle gegevens en historie"
    ).click()
    page.get_by_role("link", name="Verwijder bedrijf").click()
    expect(page.get_by_label("Per direct")).to_be_checked()
    expect(page.get_by_label("Kies een opzeggingsdatum")).to_be_hidden()
    page.get_by_role("button", name="Ja, verwijder bedrijf").click()
    expect(page.get_by_text("Het bedrijf is verwijderd uit het overzicht.")).to_be_visible()
    expect(row(page, "Bakkerij Per Direct B.V.")).to_have_count(0)

    row(page, "Drukkerij Later B.V.").locator("summary").click()
    row(page, "Drukkerij Later B.V.").get_by_role("link", name="Alle gegevens en historie").click()
    page.get_by_role("link", name="Verwijder bedrijf").click()
    page.get_by_label("Op een specifieke einddatum in de toekomst").check()
    page.get_by_label("Kies een opzeggingsdatum").fill(einde.isoformat())
    page.get_by_role("button", name="Ja, verwijder bedrijf").click()
    expect(page.get_by_text(f"De ketenmachtiging eindigt op {einde:%d-%m-%Y}.")).to_be_visible()
    expect(page.get_by_text(f"Eindigt op {einde:%d-%m-%Y}", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Verwijder bedrijf")).to_have_count(0)

    open_overview(page, "Actief")
    expect(row(page, "Drukkerij Later B.V.").locator(".kp-badge")).to_have_text(
        f"Eindigt op {einde:%d-%m-%Y}"
    )
    direct.refresh_from_db()
    later.refresh_from_db()
    assert direct.status == Status.BEEINDIGD
    assert (later.status, later.einde_gepland_op) == (Status.ACTIEF, einde)


def test_read_the_berichtenbox(page: Page, live_server, intermediair, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    organisatie, beheerder, _ = intermediair
    for onderwerp in ("Ketenmachtiging verloopt binnenkort", "Status gewijzigd", "Welkom"):
        bericht_create(
            organisatie=organisatie, soort="status", onderwerp=onderwerp, tekst=f"{onderwerp}."
        )

    log_in(page, live_server.url, beheerder)
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    expect(menu.get_by_role("link", name="berichtenbox 3 ongelezen")).to_be_visible()
    menu.get_by_role("link", name="berichtenbox").click()
    expect(page.get_by_role("heading", name="Berichtenbox")).to_be_visible()
    expect(page.locator("tbody tr.kp-unread")).to_have_count(3)

    page.get_by_role("link", name="Status gewijzigd").click()
    expect(page.get_by_role("heading", name="Status gewijzigd")).to_be_visible()
    expect(page.get_by_text("Status gewijzigd.")).to_be_visible()
    page.get_by_role("link", name="Alle berichten").click()
    expect(menu.get_by_role("link", name="berichtenbox 2 ongelezen")).to_be_visible()
    expect(page.locator("tbody tr.kp-unread")).to_have_count(2)

    page.get_by_role("button", name="Markeer alles als gelezen").click()
    expect(page.get_by_text("2 berichten zijn als gelezen gemarkeerd.")).to_be_visible()
    expect(menu.get_by_role("link", name="berichtenbox", exact=True)).to_be_visible()
    expect(page.locator("tbody tr.kp-unread")).to_have_count(0)
    assert not Bericht.objects.filter(organisatie=organisatie, gelezen_op__isnull=True).exists()


def test_grant_as_a_company(page: Page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    bedrijf = OrganisatieFactory(naam="Test BV Donald", kvk_nummer="68750110")
    bedrijf_beheerder = LidmaatschapFactory(organisatie=bedrijf, rol=Rol.BEHEERDER).user
    kantoor = OrganisatieFactory(
        naam="Accountantskantoor Jansen & De Boer B.V.", kvk_nummer="30123456"
    )
    kantoor_beheerder = LidmaatschapFactory(organisatie=kantoor, rol=Rol.BEHEERDER).user

    log_in(page, live_server.url, bedrijf_beheerder)
    page.get_by_role("link", name="afgegeven", exact=True).click()
    page.get_by_role("link", name="+ Voeg toe").click()
    page.get_by_label("KvK-nummer of fiscaal nummer").fill("30123456")
    page.get_by_role("button", name="Selecteer bedrijf").click()
    expect(page.get_by_text("Accountantskantoor Jansen & De Boer B.V.")).to_be_visible()

    page.get_by_role("button", name="Kies diensten").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("checkbox", name="Algemene bevoegdheid").check()
    # The picker's own button keeps the choice and comes back to step 3, costs not yet agreed.
    dialog.get_by_role("button", name="Voeg machtiging(en) toe").click()
    expect(page.get_by_text("Gekozen: Algemene bevoegdheid: alle diensten")).to_be_visible()
    expect(page.get_by_role("dialog")).to_be_hidden()
    page.get_by_label("Kies de duur van de machtigingen", exact=True).select_option("5")
    page.get_by_label("Ja, ik ga akkoord met de kosten").check()
    page.get_by_role("button", name="Leg ketenmachtiging vast").click()

    expect(
        page.get_by_role(
            "heading", name="Ketenmachtiging voor Accountantskantoor Jansen & De Boer B.V."
        )
    ).to_be_visible()
    feiten = page.locator("ol.kp-facts > li")
    expect(feiten).to_have_count(4)
    expect(feiten.nth(0)).to_contain_text("68750110")
    expect(feiten.nth(1)).to_contain_text("30123456")
    expect(feiten.nth(2)).to_contain_text("Algemene bevoegdheid")

    # The intermediair works with this platform too: it is active for them at once.
    page.context.clear_cookies()
    log_in(page, live_server.url, kantoor_beheerder)
    open_overview(page, "Actief")
    expect(row(page, "Test BV Donald").locator(".kp-badge")).to_have_text("Actief")
    page.get_by_role("link", name="berichtenbox 1 ongelezen").click()
    page.get_by_role(
        "link", name="Test BV Donald heeft een ketenmachtiging aan u afgegeven"
    ).click()
    expect(page.get_by_text("KvK 68750110")).to_be_visible()
    page.get_by_role("link", name="Ga naar de ketenmachtiging").click()
    expect(page.get_by_role("heading", name="Test BV Donald")).to_be_visible()

    km = Ketenmachtiging.objects.get(relatie_organisatie=bedrijf)
    assert (km.intermediair, km.status, km.bron) == (kantoor, Status.ACTIEF, "afgegeven")
