"""The overview filtered and sorted in a real browser (issue 17): through the filter form, then
a column header, then a chip; the URL holds it all, so the view can be bookmarked. Also without
JavaScript."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.constants import Rol
from tests.e2e.test_login import log_in
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def beheerder():
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    today = timezone.localdate()
    for naam, kvk, days in (
        ("Bakkerij Eerst B.V.", "30000001", 400),
        ("Garage Later B.V.", "10000001", 900),
        ("Drukkerij Midden B.V.", "20000001", 600),
    ):
        KetenmachtigingFactory(
            intermediair=organisatie,
            actief=True,
            bron="geregistreerd",
            relatie_naam=naam,
            relatie_kvk_nummer=kvk,
            einddatum=today + timedelta(days=days),
        )
    KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        relatie_naam="Aangevraagd Anders B.V.",
        einddatum=today + timedelta(days=500),
    )
    return LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user


def titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(".kp-row .kp-row__title").all_inner_texts()]


def _filter_and_sort(page: Page, base_url: str, user) -> None:
    log_in(page, base_url, user)
    page.goto(f"{base_url}/ketenmachtigingen/van-relaties/")
    form = page.get_by_role("search", name="Zoeken en filteren")
    form.get_by_label("Herkomst").select_option("geregistreerd")
    form.get_by_label("Sorteer op").select_option("-einddatum")
    form.get_by_label("Per pagina").select_option("25")
    form.get_by_role("button", name="Zoek").click()

    expect(page.get_by_role("link", name="Wis filters")).to_be_visible()
    for part in ("tab=actief", "bron=geregistreerd", "sort=-einddatum", "per_pagina=25"):
        assert part in page.url
    assert titles(page) == ["Garage Later B.V.", "Drukkerij Midden B.V.", "Bakkerij Eerst B.V."]
    expect(page.get_by_role("columnheader", name="Einddatum")).to_have_attribute(
        "aria-sort", "descending"
    )
    # The tabs count the matches of the filters.
    tabs = page.get_by_role("navigation", name="Tabbladen")
    expect(tabs.get_by_role("link", name="Actief")).to_contain_text("3")

    # A column header sorts by its column, ascending first, and keeps the filters.
    page.get_by_role("columnheader", name="KvK-nummer").get_by_role("link").click()
    assert "sort=kvk" in page.url and "bron=geregistreerd" in page.url
    assert titles(page) == ["Garage Later B.V.", "Drukkerij Midden B.V.", "Bakkerij Eerst B.V."]
    expect(page.get_by_role("columnheader", name="KvK-nummer")).to_have_attribute(
        "aria-sort", "ascending"
    )
    page.get_by_role("columnheader", name="KvK-nummer").get_by_role("link").click()
    assert "sort=-kvk" in page.url
    assert titles(page)[0] == "Bakkerij Eerst B.V."

    # The chip removes its filter; the sort stays.
    page.get_by_role("link", name="Herkomst: Verwerkt als goedgekeurd").click()
    assert "bron=" not in page.url and "sort=-kvk" in page.url
    assert "Aangevraagd Anders B.V." in titles(page)

    # A bookmark with a bad date and a bad page: a message, and the first page.
    page.goto(f"{base_url}/ketenmachtigingen/van-relaties/?tab=actief&einde_van=2027-13-01&page=9")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Vul de eerste einddatum in als datum")
    expect(alert).to_contain_text("Pagina “9” bestaat niet")
    assert len(titles(page)) == 4


def test_filter_and_sort_through_the_form(page: Page, live_server, beheerder):
    _filter_and_sort(page, live_server.url, beheerder)


def test_filter_and_sort_without_javascript(browser: Browser, live_server, beheerder):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    try:
        _filter_and_sort(context.new_page(), live_server.url, beheerder)
    finally:
        context.close()
