"""The API as a beheerder meets it: make a key in the browser, use it, revoke it; the reference
page renders under the strict CSP."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from tests.e2e.test_login import log_in
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _get(url: str, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_make_use_and_revoke_an_api_key(page: Page, live_server):
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    km = KetenmachtigingFactory(
        intermediair=organisatie, actief=True, relatie_naam="Bakkerij Jansen"
    )

    log_in(page, live_server.url, beheerder)
    page.get_by_text("Instellingen", exact=True).click()
    page.get_by_role("link", name="API-sleutels").click()
    expect(page.get_by_role("heading", name="API-sleutels")).to_be_visible()
    page.get_by_role("link", name="+ Nieuwe API-sleutel").click()
    page.get_by_label("Naam").fill("Praktijkbeheer")
    page.get_by_label("Lezen en schrijven").check()
    page.get_by_role("button", name="Maak sleutel").click()

    expect(page.get_by_text("alleen deze ene keer getoond")).to_be_visible()
    key = page.get_by_label("API-sleutel “Praktijkbeheer”").input_value()
    assert key.startswith("kp_")

    status, body = _get(f"{live_server.url}/api/v1/ketenmachtigingen/?tab=actief", key)
    assert status == 200
    assert [row["id"] for row in body["results"]] == [km.pk]

    page.get_by_role("link", name="Ik heb de sleutel gekopieerd").click()
    row = page.get_by_role("row", name="Praktijkbeheer")
    expect(row).to_contain_text(key[:11])
    expect(row).not_to_contain_text(key)
    row.get_by_role("link", name="Intrekken").click()
    page.get_by_role("button", name="Ja, trek sleutel in").click()
    expect(page.get_by_text("is ingetrokken; hij werkt niet meer")).to_be_visible()
    status, body = _get(f"{live_server.url}/api/v1/ketenmachtigingen/", key)
    assert status == 401 and body["status"] == 401


def test_the_reference_page_renders_under_the_strict_csp(page: Page, live_server):
    problems = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.get_by_role("heading", name="Ketenportal API")).to_be_visible()
    expect(page.get_by_text("ketenmachtiging.status_changed")).to_be_visible()
    assert problems == []
