"""Start in a real browser (issue 17): axe on the home page with its figures, chart and tables
open, in Dutch and in English; the back office's start page; and a bar of the chart that leads
to the overview of its month."""

import calendar

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from outbox.models import Mail
from tests.e2e.test_accessibility import blocking_violations, describe, log_in_checked
from tests.factories import (
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


def seed(taal: str):
    today = timezone.localdate()
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    beheerder = LidmaatschapFactory(
        organisatie=organisatie, rol=Rol.BEHEERDER, user__taal=taal, user__last_name="Pietersen"
    ).user
    tweede = OrganisatieFactory(naam="Zeta Administraties B.V.")
    LidmaatschapFactory(organisatie=tweede, user=beheerder, rol=Rol.BEHEERDER)
    for months in (1, 1, 2, 7, 13, 30):
        einde = today + relativedelta(months=months)
        KetenmachtigingFactory(
            intermediair=organisatie,
            actief=True,
            startdatum=einde - relativedelta(years=5),
            einddatum=einde,
        )
    renewed = KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        startdatum=today - relativedelta(years=5) + relativedelta(months=2),
        einddatum=today + relativedelta(months=2),
    )
    KetenmachtigingFactory(intermediair=organisatie, vernieuwing_van=renewed)
    fout = KetenmachtigingFactory(intermediair=organisatie, fout=True)
    KetenmachtigingFactory(intermediair=organisatie, incompleet=True)
    KetenmachtigingFactory(
        intermediair=organisatie, uitnodiging_geldig_tot=today + relativedelta(days=5)
    )
    Mail.objects.create(
        soort="ketenmachtigingen.uitnodiging",
        ontvanger="fout@relatie.nl",
        status="mislukt",
        betreft=fout,
    )
    KetenmachtigingFactory(
        intermediair=tweede, relatie_organisatie=organisatie, relatie_naam=organisatie.naam
    )
    KetenmachtigingFactory(intermediair=tweede, actief=True)
    return beheerder


def open_all_details(page: Page) -> None:
    # The page's own disclosures (the header menus and the folding main menu have their own).
    for summary in page.locator("main details > summary").all():
        if summary.is_visible():
            summary.click()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_home_page_has_no_serious_axe_violations(page: Page, live_server, lang):
    beheerder = seed(lang)
    log_in_checked(page, live_server.url, beheerder, lang, None)
    expect(page.locator("svg.kp-chart__svg")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    found = {}
    violations = blocking_violations(page)
    if violations:
        found[f"[{lang}] home"] = violations
    open_all_details(page)
    expect(page.locator("section[aria-labelledby=home-alle] table")).to_be_visible()
    violations = blocking_violations(page)
    if violations:
        found[f"[{lang}] home, tables open"] = violations
    # A bar reached with the keyboard has a name.
    link = page.locator("a.kp-chart__link").first
    link.focus()
    expect(link).to_be_focused()
    assert link.get_attribute("aria-label")
    assert not found, "axe found serious/critical violations:\n" + describe(found)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_back_office_start_page_has_no_serious_axe_violations(page: Page, live_server, lang):
    KetenmachtigingFactory(ontvangen=True, ontvangen_op=timezone.now())
    KetenmachtigingFactory(uitnodiging_geldig_tot=timezone.localdate() + relativedelta(days=3))
    staff = UserFactory(is_staff=True, with_totp_device=True, taal=lang)
    log_in_checked(page, live_server.url, staff, lang, None)
    # Staff without an organisation land on the back office's start page.
    expect(page).to_have_url(f"{live_server.url}/backoffice/start/")
    expect(page.locator("svg.kp-chart__svg[role=img]")).to_be_visible()
    open_all_details(page)
    violations = blocking_violations(page)
    assert not violations, describe({f"[{lang}] backoffice start": violations})


def test_a_bar_leads_to_the_overview_of_its_month(page: Page, live_server):
    beheerder = seed("nl")
    log_in_checked(page, live_server.url, beheerder, "nl", None)
    month = timezone.localdate().replace(day=1) + relativedelta(months=2)
    last = calendar.monthrange(month.year, month.month)[1]
    bar = page.locator("a.kp-chart__link").nth(2)
    expect(bar).to_have_attribute("aria-label", f"{_maand(month)}: 2 lopen af, waarvan 1 verlengd")
    bar.click()
    expected = (
        f"{live_server.url}/ketenmachtigingen/van-relaties/?tab=actief"
        f"&einde_van={month:%Y-%m}-01&einde_tot={month:%Y-%m}-{last:02d}"
    )
    expect(page).to_have_url(expected)
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def _maand(day) -> str:
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override("nl"):
        return date_format(day, "F Y")
