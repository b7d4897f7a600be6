"""At phone width (375 px): the header keeps the brand and the language switch on one line, the
main menu folds behind "Menu", and no page scrolls sideways (issue 21)."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_accessibility import log_in_checked, seed_world

pytestmark = pytest.mark.django_db(transaction=True)

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
ONE_LINE = """(selector) => {
  const range = document.createRange();
  range.selectNodeContents(document.querySelector(selector));
  const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top));
  return new Set(tops).size === 1;
}"""


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size({"width": 375, "height": 740})
    return page


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_page_scrolls_sideways_at_phone_width(phone: Page, live_server, settings, lang):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = seed_world(lang)
    log_in_checked(phone, live_server.url, w["beheerder"], lang, None)

    menu = phone.locator("summary.kp-sidebar__toggle")
    expect(menu).to_be_visible()
    # Folded: the first screen shows the page, not the menu.
    expect(phone.locator(".kp-nav").first).to_be_hidden()
    assert phone.evaluate(ONE_LINE, ".kp-brand span")
    assert phone.evaluate(ONE_LINE, ".kp-language .utrecht-button")
    menu.click()
    expect(phone.locator(".kp-nav").first).to_be_visible()

    paths = [
        "/",
        "/gebruikers/",
        f"/gebruikers/{w['collega'].pk}/",
        "/machtigingen/",
        *[
            f"/ketenmachtigingen/van-relaties/?tab={t}"
            for t in ("actief", "wachtend", "acties", "verlopen", "historie")
        ],
        w["km"].get_absolute_url(),
        f"{w['km'].get_absolute_url()}beeindig/",
        "/ketenmachtigingen/van-relaties/nieuw/",
        "/ketenmachtigingen/van-relaties/import/",
        "/ketenmachtigingen/afgegeven/",
        "/ketenmachtigingen/afgegeven/nieuw/",
        "/groepen/",
        f"/groepen/{w['groep'].pk}/",
        "/berichtenbox/",
        f"/berichtenbox/{w['bericht'].pk}/",
        "/overige-wijzigingen/",
        "/instellingen/afzender/",
        "/instellingen/api/",
        "/profiel/",
    ]
    wide = []
    for path in paths:
        phone.goto(f"{live_server.url}{path}")
        expect(phone.get_by_role("heading", level=1).first).to_be_visible()
        if not phone.evaluate(NO_SIDEWAYS_SCROLL):
            width = phone.evaluate("document.documentElement.scrollWidth")
            wide.append(f"{path}: {width}px")
    assert not wide, "pages wider than 375 px:\n" + "\n".join(wide)


def test_on_a_wide_screen_the_menu_is_simply_there(page: Page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = seed_world("nl")
    log_in_checked(page, live_server.url, w["beheerder"], "nl", None)
    expect(page.locator("summary.kp-sidebar__toggle")).to_be_hidden()
    expect(page.locator(".kp-nav").first).to_be_visible()
