"""Accessibility in a real browser: axe-core on every main page, in Dutch and in English, and the
request wizard completed with the keyboard alone.

axe runs through axe-playwright-python; a violation with impact "serious" or "critical" fails the
test, with every violation's id, impact, help and failing nodes in the message so it can be fixed.
"""

import io
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from berichtenbox.services import bericht_create
from diensten.demo import seed as seed_catalogue
from diensten.models import Dienst
from ketenmachtigingen.models import Ketenmachtiging
from tests.e2e.test_login import totp_code
from tests.factories import (
    TEST_PASSWORD,
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

BLOCKING = {"serious", "critical"}

# What the screens say, per language: the tests find things the way a person reads them.
T = {
    "nl": {
        "login": "Inloggen",
        "username": "Gebruikersnaam",
        "password": "Wachtwoord",
        "verify": "Bevestig",
        "kvk": "KvK-nummer of fiscaal nummer",
        "select": "Selecteer bedrijf",
        "choose_services": "Kies diensten",
        "algemeen": "Algemene bevoegdheid",
        "add_services": "Voeg machtiging(en) toe",
        "add_users": "Voeg gebruikers toe",
        "next": "Volgende",
        "send": "Verstuur aanvraag tot goedkeuring",
        "approved": "Ik heb al goedkeuring ontvangen",
        "register": "Ja, leg de ketenmachtiging vast",
        "process": "Verwerk als goedgekeurd",
        "organisation": "Kies organisatie",
        "choose_organisation": "Kies de organisatie waar deze is vastgelegd.",
        "save_password": "Sla wachtwoord op",
        "password2": "Nieuw wachtwoord bevestigen",
        "password_errors": ("te algemeen", "alleen cijfers"),
    },
    "en": {
        "login": "Log in",
        "username": "Username",
        "password": "Password",
        "verify": "Verify",
        "kvk": "KvK number or fiscal number",
        "select": "Select company",
        "choose_services": "Choose services",
        "algemeen": "General authority",
        "add_services": "Add authorisation(s)",
        "add_users": "Add users",
        "next": "Next",
        "send": "Send request for approval",
        "approved": "I have already received approval",
        "register": "Yes, register the ketenmachtiging",
        "process": "Process as approved",
        "organisation": "Choose organisation",
        "choose_organisation": "Choose the organisation where it was registered.",
        "save_password": "Save password",
        "password2": "New password confirmation",
        "password_errors": ("too common", "entirely numeric"),
    },
}


def blocking_violations(page: Page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING]


def describe(found: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"][:10]:
                target = " ".join(str(t) for t in node["target"])
                summary = (node.get("failureSummary") or "").replace("\n", " ")
                lines.append(f"    {target}  {summary}")
    return "\n".join(lines)


class Checker:
    """Runs axe on each page visited; collects every blocking violation for one report."""

    def __init__(self, page: Page, lang: str) -> None:
        self.page = page
        self.lang = lang
        self.found: dict[str, list[dict]] = {}
        self.checked: list[str] = []

    def __call__(self, name: str) -> None:
        expect(self.page.locator("html")).to_have_attribute("lang", self.lang)
        where = f"[{self.lang}] {name} ({self.page.url})"
        self.checked.append(name)
        violations = blocking_violations(self.page)
        if violations:
            self.found[where] = violations

    def visit(self, name: str, path: str) -> None:
        base = self.page.url.split("/", 3)[:3]
        self.page.goto("/".join(base) + path)
        expect(self.page.get_by_role("heading", level=1).first).to_be_visible()
        self(name)

    def assert_clean(self) -> None:
        assert len(self.checked) > 30, self.checked
        assert not self.found, "axe found serious/critical violations:\n" + describe(self.found)


def seed_world(taal: str):
    """An intermediair with data on every page: users, a group, ketenmachtigingen in each tab,
    one it granted, messages, and the shipped catalogue."""
    seed_catalogue(io.StringIO())
    today = timezone.localdate()
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.", kvk_nummer="30999999")
    beheerder = LidmaatschapFactory(
        organisatie=organisatie,
        rol=Rol.BEHEERDER,
        user__voorletters="A.B.M.",
        user__last_name="Pietersen",
        user__taal=taal,
    ).user
    collega = LidmaatschapFactory(organisatie=organisatie, user__last_name="Collega")
    LidmaatschapFactory(organisatie=organisatie, user__last_name="Laag", user__eh2plus=True)
    LidmaatschapFactory(
        organisatie=organisatie, user__last_name="Fiscaal", user__belastingdienst_only=True
    )
    groep = GroepFactory(organisatie=organisatie, naam="Loonadministratie")
    groep.leden.add(collega)
    beperkt = GroepFactory(organisatie=organisatie, naam="Fiscalisten", algemene_bevoegdheid=False)
    beperkt.diensten.add(*Dienst.objects.filter(naam_nl__icontains="omzetbelasting")[:2])

    actief = KetenmachtigingFactory(
        intermediair=organisatie, actief=True, relatie_naam="Bakkerij De Korenaar B.V."
    )
    actief.gebruikers.add(collega)
    actief.groepen.add(groep)
    KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        relatie_naam="Garage Snel B.V.",
        einddatum=today + relativedelta(months=1),
    )
    KetenmachtigingFactory(intermediair=organisatie, relatie_naam="Kapsalon Knip B.V.")
    KetenmachtigingFactory(intermediair=organisatie, fout=True, relatie_naam="Drukkerij Fout B.V.")
    KetenmachtigingFactory(intermediair=organisatie, verlopen=True, relatie_naam="Oud Bedrijf B.V.")
    beeindigd = KetenmachtigingFactory(
        intermediair=organisatie, beeindigd=True, relatie_naam="Gestopt Bedrijf B.V."
    )
    beeindigd.gebruikers.add(collega)
    KetenmachtigingFactory(
        intermediair=OrganisatieFactory(naam="Administratiekantoor Beta B.V."),
        relatie_organisatie=organisatie,
        relatie_naam=organisatie.naam,
        relatie_kvk_nummer=organisatie.kvk_nummer,
        actief=True,
    )
    bericht = bericht_create(
        organisatie=organisatie,
        soort="status",
        onderwerp="Status van uw ketenmachtiging gewijzigd",
        tekst="De ketenmachtiging van Bakkerij De Korenaar B.V. is actief.",
        link=actief.get_absolute_url(),
    )
    bericht_create(
        organisatie=organisatie,
        soort="verlenging",
        onderwerp="Ketenmachtiging verloopt binnenkort",
        tekst="Vraag tijdig een verlenging aan.",
    )
    staff = UserFactory(is_staff=True, with_totp_device=True, taal=taal)
    return {
        "beheerder": beheerder,
        "collega": collega,
        "groep": beperkt,
        "km": actief,
        "beeindigd": beeindigd,
        "bericht": bericht,
        "staff": staff,
    }


def log_in_checked(page: Page, base_url: str, user, lang: str, check: Checker | None) -> None:
    """Log in through both login steps, running axe on each (unless ``check`` is None)."""
    check = check or (lambda name: None)
    t = T[lang]
    user.totpdevice_set.update(last_t=-1)
    page.goto(f"{base_url}/")
    if lang == "en":
        page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name=t["login"])).to_be_visible()
    check("login")
    page.get_by_label(t["username"]).fill(user.username)
    page.get_by_label(t["password"]).fill(TEST_PASSWORD)
    page.get_by_role("button", name=t["login"]).click()
    expect(page.get_by_label("Code")).to_be_visible()
    check("login: code")
    page.get_by_label("Code").fill(totp_code(user))
    page.get_by_role("button", name=t["verify"]).click()
    expect(page.locator(".kp-sidebar")).to_be_visible()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_main_pages_have_no_serious_axe_violations(page: Page, live_server, settings, lang):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    w = seed_world(lang)
    t = T[lang]
    check = Checker(page, lang)

    log_in_checked(page, live_server.url, w["beheerder"], lang, check)
    check("start")
    check.visit("gebruikers", "/gebruikers/")
    check.visit("gebruiker detail", f"/gebruikers/{w['collega'].pk}/")
    check.visit("machtigingen (catalogue)", "/machtigingen/")
    for tab in ("actief", "wachtend", "acties", "verlopen", "historie"):
        check.visit(f"van relaties: {tab}", f"/ketenmachtigingen/van-relaties/?tab={tab}")
        if tab == "actief":
            # An unfolded row and the open export menu.
            page.locator("summary", has_text="Bakkerij De Korenaar").click()
            page.locator("summary.kp-export__toggle").click()
            check("van relaties: actief, row and export open")
        if tab == "historie":
            page.locator("summary", has_text="Gestopt Bedrijf").click()
            check("van relaties: historie, row open")
    # A search that finds matches in other tabs says so, with links.
    check.visit("van relaties: search", "/ketenmachtigingen/van-relaties/?tab=actief&q=bedrijf")
    # Sorted and filtered (chips, counts per tab), with a value that is ignored with a message.
    check.visit(
        "van relaties: sorted and filtered",
        f"/ketenmachtigingen/van-relaties/?tab=actief&sort=-einddatum&bron=aangevraagd"
        f"&groep={w['groep'].pk}&einde_binnen=12&einde_van=2020-01-01&verlenging=nee"
        "&per_pagina=25&page=abc",
    )
    check.visit("ketenmachtiging detail", w["km"].get_absolute_url())
    check.visit("ended ketenmachtiging detail", w["beeindigd"].get_absolute_url())
    check.visit("beeindig", f"{w['km'].get_absolute_url()}beeindig/")

    check.visit("wizard step 1", "/ketenmachtigingen/van-relaties/nieuw/")
    page.get_by_label(t["kvk"]).fill("69599084")
    page.get_by_role("button", name=t["select"]).click()
    opener = page.get_by_role("button", name=t["choose_services"])
    expect(opener).to_be_visible()
    check("wizard step 2")
    opener.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    check("wizard step 2, picker dialog open")
    dialog.get_by_role("checkbox", name=t["algemeen"]).check()
    dialog.get_by_role("button", name=t["add_services"]).click()
    expect(page.get_by_role("button", name=t["add_users"])).to_be_visible()
    check("wizard step 3")
    page.get_by_label(str(w["collega"].user)).check()
    page.get_by_role("button", name=t["add_users"]).click()
    check("wizard step 4")
    page.get_by_role("button", name=t["next"]).click()
    page.get_by_role("link", name=t["send"]).click()
    expect(page.get_by_role("heading", name=t["send"])).to_be_visible()
    check("versturen")
    page.get_by_role("button", name=t["send"]).click()
    expect(page.locator(".utrecht-form-field-error-message").first).to_be_visible()
    check("versturen, with errors")

    # Ik heb al goedkeuring ontvangen: the warning, then Kies organisatie (sent without a choice).
    page.goto(f"{live_server.url}/ketenmachtigingen/van-relaties/nieuw/")
    page.get_by_role("link", name=t["approved"]).click()
    check("goedgekeurd: confirm")
    page.get_by_role("link", name=t["register"]).click()
    check("goedgekeurd: kies organisatie")
    page.get_by_role("button", name=t["process"]).click()
    leveranciers = page.get_by_role("group", name=t["organisation"])
    # The error is part of the radio group's description, not only shown next to it.
    expect(leveranciers).to_have_accessible_description(
        re.compile(re.escape(t["choose_organisation"]))
    )
    check("goedgekeurd: kies organisatie, with error")

    check.visit("import", "/ketenmachtigingen/van-relaties/import/")
    check.visit("groepen", "/groepen/")
    check.visit("groep detail", f"/groepen/{w['groep'].pk}/")
    check.visit("groep toegestane diensten", f"/groepen/{w['groep'].pk}/diensten/")
    check.visit("berichtenbox", "/berichtenbox/")
    check.visit("bericht", f"/berichtenbox/{w['bericht'].pk}/")
    check.visit("overige wijzigingen", "/overige-wijzigingen/")
    check.visit("afzenderinstellingen", "/instellingen/afzender/")
    check.visit("api-sleutels", "/instellingen/api/")
    check.visit("nieuwe api-sleutel", "/instellingen/api/nieuw/")
    check.visit("mijn profiel", "/profiel/")
    check.visit("wachtwoord wijzigen", "/profiel/wachtwoord/")
    # A weak password: several errors on one field.
    for field in page.locator("input[type=password]").all():
        field.fill("1234")
    page.get_by_role("button", name=t["save_password"]).click()
    # Every error of the field belongs to its description, not just the first one.
    for error in t["password_errors"]:
        expect(page.get_by_label(t["password2"])).to_have_accessible_description(re.compile(error))
    check("wachtwoord wijzigen, with errors")
    check.visit("afgegeven", "/ketenmachtigingen/afgegeven/")
    afgegeven = Ketenmachtiging.objects.get(relatie_organisatie__isnull=False)
    check.visit("afgegeven detail", f"/ketenmachtigingen/afgegeven/{afgegeven.pk}/")
    check.visit("te beoordelen", "/ketenmachtigingen/afgegeven/te-beoordelen/")
    check.visit(
        "te beoordelen detail", f"/ketenmachtigingen/afgegeven/te-beoordelen/{afgegeven.pk}/"
    )
    check.visit("afgeven (grant) step 1", "/ketenmachtigingen/afgegeven/nieuw/")

    page.context.clear_cookies()
    log_in_checked(page, live_server.url, w["staff"], lang, None)
    check.visit("backoffice", "/backoffice/")
    check.visit("backoffice detail", f"/backoffice/{w['km'].pk}/")

    check.assert_clean()


# --- Keyboard only -------------------------------------------------------------------------------

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const s = getComputedStyle(el);
  const label = (el.labels && el.labels[0] && el.labels[0].innerText)
    || el.getAttribute("aria-label") || el.innerText || el.value || "";
  return {
    what: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} “${label.trim().slice(0, 40)}”`,
    outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, boxShadow: s.boxShadow,
  };
}"""
INVISIBLE_SHADOW = re.compile(r"^(none|(rgba\(0, 0, 0, 0\) 0px 0px 0px 0px(, )?)+)$")


class Keyboard:
    """Moves focus with Tab / Shift+Tab only, and checks every element it lands on shows focus."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.invisible: list[str] = []
        self.stops = 0

    def _check_focus(self) -> None:
        style = self.page.evaluate(FOCUS_STYLE)
        if style is None:
            return
        self.stops += 1
        # The browser's own 1px ring is what is left when the theme's focus style does not
        # apply; the portal promises a ring of at least 2px (outline or box-shadow).
        outline = style["outlineStyle"] != "none" and float(style["outlineWidth"][:-2]) >= 2
        shadow = not INVISIBLE_SHADOW.match(style["boxShadow"])
        if not (outline or shadow):
            self.invisible.append(
                f"{self.page.url} {style['what']}: outline {style['outlineStyle']} "
                f"{style['outlineWidth']}, box-shadow {style['boxShadow']}"
            )

    def tab_to(self, target, *, backwards: bool = False, limit: int = 80) -> None:
        """Press Tab (or Shift+Tab) until ``target`` (a locator) has focus."""
        key = "Shift+Tab" if backwards else "Tab"
        if focused(target):
            return
        for _ in range(limit):
            self.page.keyboard.press(key)
            self._check_focus()
            if focused(target):
                return
        raise AssertionError(f"{key} never reached {target}")

    def assert_focus_always_visible(self) -> None:
        assert self.stops > 20
        assert not self.invisible, "focus not visible on:\n" + "\n".join(self.invisible)


def focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def test_request_wizard_with_the_keyboard_only(page: Page, live_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    seed_catalogue(io.StringIO())
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    collega = LidmaatschapFactory(organisatie=organisatie, user__last_name="Collega").user
    beheerder.totpdevice_set.update(last_t=-1)
    kb = Keyboard(page)
    keys = page.keyboard

    # Log in: username, password, Enter; code, Enter.
    page.goto(f"{live_server.url}/")
    kb.tab_to(page.get_by_label("Gebruikersnaam"))
    keys.type(beheerder.username)
    kb.tab_to(page.get_by_label("Wachtwoord"))
    keys.type(TEST_PASSWORD)
    keys.press("Enter")
    code = page.get_by_label("Code")
    expect(code).to_be_visible()
    kb.tab_to(code)
    keys.type(totp_code(beheerder))
    keys.press("Enter")

    # ketenmachtigingen | van relaties > + Voeg toe
    expect(page.get_by_role("heading", name="Welkom")).to_be_visible()
    kb.tab_to(page.get_by_role("link", name="van relaties", exact=True))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Ketenmachtigingen", exact=True)).to_be_visible()
    kb.tab_to(page.get_by_role("link", name="+ Voeg toe"))
    keys.press("Enter")

    # 1. Selecteer bedrijf: type the KvK number, Enter.
    kb.tab_to(page.get_by_label("KvK-nummer of fiscaal nummer"))
    keys.type("69599084")
    keys.press("Enter")
    expect(page.get_by_text("Eenmanszaak Test Kraan")).to_be_visible()

    # 2. Kies diensten: open the picker with the keyboard; Escape closes it and focus returns
    # to the button that opened it.
    opener = page.get_by_role("button", name="Kies diensten")
    kb.tab_to(opener)
    keys.press("Enter")
    dialog = page.get_by_role("dialog", name="Diensten")
    expect(dialog).to_be_visible()
    search = dialog.get_by_label("Zoek op dienst of dienstverlener")
    assert focused(search), "opening the picker puts focus in its search field"
    keys.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(opener), "Escape returns focus to the button that opened the picker"

    # Space opens it again. Confirming without a choice brings the page back with the picker
    # open (by the page, not by the button) and the error.
    keys.press("Space")
    expect(dialog).to_be_visible()
    # Focus stays in the modal dialog: from its first element Shift+Tab goes round to its
    # last, the confirm button below the (long) list of services.
    kb.tab_to(dialog.get_by_role("button", name="Voeg machtiging(en) toe"), backwards=True, limit=2)
    keys.press("Enter")
    expect(dialog.get_by_role("alert")).to_contain_text("Kies algemene bevoegdheid")
    expect(dialog).to_be_visible()
    keys.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(opener), "Escape returns focus to the button, also when the page opened it"

    keys.press("Enter")
    expect(dialog).to_be_visible()
    assert focused(search)
    # Shift+Tab stays inside the modal dialog: it reaches its close button.
    kb.tab_to(dialog.get_by_role("button", name="Sluit"), backwards=True, limit=3)
    kb.tab_to(search, limit=3)
    keys.type("omzetbelasting")
    keys.press("Enter")
    dienst = dialog.get_by_role("checkbox", name="Omzetbelasting", exact=True)
    expect(dienst).to_be_visible()
    expect(dialog.get_by_role("checkbox", name="Verzuim Ziektewet")).to_have_count(0)
    expect(dialog).to_be_visible()  # Enter searched; it did not submit the form
    kb.tab_to(dienst)
    keys.press("Space")
    expect(dienst).to_be_checked()
    kb.tab_to(dialog.get_by_role("button", name="Voeg machtiging(en) toe"))
    keys.press("Enter")
    expect(page.get_by_text("1 dienst: Omzetbelasting (Belastingdienst)")).to_be_visible()

    # 3. Kies gebruikers. The skip link jumps over the header and the menu.
    kb.tab_to(page.get_by_role("link", name="Direct naar de inhoud"), limit=1)
    keys.press("Enter")
    keys.press("Tab")
    assert page.evaluate("() => document.getElementById('main').contains(document.activeElement)")
    gebruiker = page.get_by_role("checkbox", name=str(collega))
    kb.tab_to(gebruiker)
    keys.press("Space")
    expect(gebruiker).to_be_checked()
    kb.tab_to(page.get_by_role("button", name="Voeg gebruikers toe"))
    keys.press("Enter")

    # 4. Kies de duur: arrow keys on the select (5 → 4 → 3 years), Volgende.
    duur = page.get_by_label("Kies de duur van de machtigingen", exact=True)
    kb.tab_to(duur)
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    expect(duur).to_have_value("3")
    kb.tab_to(page.get_by_role("button", name="Volgende"))
    keys.press("Enter")

    # Verstuur aanvraag tot goedkeuring: fill the form and send.
    kb.tab_to(page.get_by_role("link", name="Verstuur aanvraag tot goedkeuring"))
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Verstuur aanvraag tot goedkeuring")).to_be_visible()
    for field, value in (
        (page.locator("#id_voorletters"), "A.B."),
        (page.locator("#id_achternaam"), "Pietersen"),
        (page.locator("#id_telefoon"), "06 1234 5678"),
        (page.locator("#id_relatie_voorletters"), "K."),
        (page.locator("#id_relatie_achternaam"), "Kraan"),
        (page.locator("#id_relatie_email"), "directie@kraan.nl"),
        (page.locator("#id_relatie_telefoon"), "020 123 4567"),
    ):
        kb.tab_to(field)
        keys.press("ControlOrMeta+a")
        keys.type(value)
    akkoord = page.get_by_label("Ja, ik ga akkoord met de kosten")
    kb.tab_to(akkoord)
    keys.press("Space")
    expect(akkoord).to_be_checked()
    kb.tab_to(page.get_by_role("button", name="Verstuur aanvraag tot goedkeuring"))
    keys.press("Enter")

    expect(page.get_by_text("De aanvraag is verstuurd.")).to_be_visible()
    km = Ketenmachtiging.objects.get(intermediair=organisatie, relatie_kvk_nummer="69599084")
    assert km.looptijd_jaren == 3
    assert not km.algemene_bevoegdheid
    assert [d.naam_nl for d in km.diensten.all()] == ["Omzetbelasting"]
    assert [m.user for m in km.gebruikers.all()] == [collega]
    assert km.relatie_contact_email == "directie@kraan.nl"
    kb.assert_focus_always_visible()
