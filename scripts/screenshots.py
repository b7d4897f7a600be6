"""``make screenshots``: every main page of the demo, as each demo account sees it, in Dutch and
English, as PNG files in ``docs/screens/`` (the issue's path), so a change's look can be reviewed
page by page: run it before and after, and compare the two folders.

Runs its own server on a free port with a throw-away SQLite database and the demo data, logs in
as each demo account with the real two-factor pages (the login steps themselves are saved too),
walks through the request wizard and an import up to its preview, and uses the system Chromium.

Files: ``docs/screens/<account>/<nl|en>/<nn>-<page>.png`` at desktop width (1280 px), the whole
page; with ``SCREENSHOT_PHONE=1`` also ``<nn>-<page>-phone.png`` at 375 px. Written into
``docs/screens/``, it also refreshes the README's picture (``docs/screenshot-nl.png`` and
``docs/screenshot-en.png``: Ketenmachtigingen van relaties, tab Actief, the top 1500 px).
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Ketenportal-demo-2026"
SUBMIT = ".kp-card button.utrecht-button--primary-action"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
VR = "/ketenmachtigingen/van-relaties/"
#: KvK numbers of the shipped test dataset (ketenmachtigingen/data/kvk_local.json).
KVK_WIZARD = "49335443"
KVK_IMPORT = ["01098765", "85327561", "97963024"]

#: Per account, the pages to save: (name, path or a step that produces the page).
BEHEERDER_PAGES = [
    ("start", "/"),
    ("van-relaties-actief", f"{VR}?tab=actief"),
    ("van-relaties-wachtend", f"{VR}?tab=wachtend"),
    ("van-relaties-acties", f"{VR}?tab=acties"),
    ("van-relaties-verlopen", f"{VR}?tab=verlopen"),
    ("van-relaties-historie", f"{VR}?tab=historie"),
    ("van-relaties-detail", "detail"),
    ("wizard-1-bedrijf", "wizard"),
    ("import-uploaden", f"{VR}import/"),
    ("import-voorbeeld", "import"),
    ("afgegeven", "/ketenmachtigingen/afgegeven/"),
    ("gebruikers", "/gebruikers/"),
    ("groepen", "/groepen/"),
    ("machtigingen", "/machtigingen/?q=loon"),
    ("berichtenbox", "/berichtenbox/"),
    ("overige-wijzigingen", "/overige-wijzigingen/"),
    ("afzender", "/instellingen/afzender/"),
    ("api-sleutels", "/instellingen/api/"),
    ("webhooks", "/instellingen/webhooks/"),
    ("eh-middelen", "/eh-middelen/"),
    ("eh-middel-aanvragen", "/eh-middelen/aanvragen/"),
    ("abonnement", "/abonnement/"),
    ("profiel", "/profiel/"),
]
ACCOUNTS = {
    "beheerder": BEHEERDER_PAGES,
    "beheerder2": [
        ("start", "/"),
        ("van-relaties-actief", f"{VR}?tab=actief"),
        ("van-relaties-wachtend", f"{VR}?tab=wachtend"),
        ("berichtenbox", "/berichtenbox/"),
    ],
    "multi.beheerder": [("start", "/"), ("van-relaties-actief", f"{VR}?tab=actief")],
    "bedrijf.beheerder": [
        ("start", "/"),
        ("afgegeven", "/ketenmachtigingen/afgegeven/"),
        # A company without a subscription: the module explains how to get access.
        ("van-relaties-zonder-abonnement", f"{VR}?tab=actief"),
        ("eh-middelen", "/eh-middelen/"),
        ("berichtenbox", "/berichtenbox/"),
        ("profiel", "/profiel/"),
    ],
    "backoffice": [
        ("backoffice", "/backoffice/"),
        ("backoffice-detail", "backoffice-detail"),
        ("abonnementen", "/backoffice/abonnementen/"),
        ("eh-middel-aanvragen", "/backoffice/eh-middelen/"),
        ("profiel", "/profiel/"),
    ],
}
#: The page the README shows (docs/screenshot-nl.png and -en.png, written with docs/screens/).
README_PAGE = ("beheerder", "van-relaties-actief")
#: Whose login steps are saved in which language (a TOTP code is accepted once per account).
LOGIN_STEPS = {"beheerder": "nl", "beheerder2": "en"}

_POST = """([action, data]) => {
  const form = document.createElement('form');
  form.method = 'post';
  form.action = action;
  for (const [name, values] of Object.entries(data)) {
    for (const value of [].concat(values)) {
      const input = document.createElement('input');
      input.type = 'hidden'; input.name = name; input.value = value;
      form.appendChild(input);
    }
  }
  document.body.appendChild(form);
  form.submit();
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Shooter:
    def __init__(self, base: str, out: Path, manage: list[str], env: dict) -> None:
        self.base, self.out, self.manage, self.env = base, out, manage, env
        self.phone = os.environ.get("SCREENSHOT_PHONE") == "1"
        self.count = 0

    def code(self, username: str) -> str:
        result = subprocess.run(
            [*self.manage, "demo_code", username], env=self.env, capture_output=True, text=True
        )
        return result.stdout.split()[-1]

    def save(self, page: Page, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        page.wait_for_load_state()
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        self.count += 1
        if self.phone:
            page.set_viewport_size(PHONE)
            page.screenshot(path=str(folder / f"{name}-phone.png"), full_page=True)
            page.set_viewport_size(DESKTOP)
            self.count += 1

    def post(self, page: Page, path: str, data: dict) -> None:
        """Post a form as the page would (with its CSRF token), and follow the redirect."""
        token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
        with page.expect_navigation():
            page.evaluate(_POST, [path, {**data, "csrfmiddlewaretoken": token}])

    def login(self, page: Page, username: str, steps_lang: str | None) -> None:
        page.goto(f"{self.base}/")
        folder = self.out / "login" / (steps_lang or "")
        if steps_lang:
            self.save(page, folder, "01-wachtwoord")
        page.locator("#id_auth-username").fill(username)
        page.locator("#id_auth-password").fill(PASSWORD)
        page.locator(SUBMIT).first.click()
        page.wait_for_selector("#id_token-otp_token")
        if steps_lang:
            self.save(page, folder, "02-code")
        page.locator("#id_token-otp_token").fill(self.code(username))
        page.locator(SUBMIT).first.click()
        page.wait_for_load_state()

    def choose_language(self, page: Page, lang: str) -> None:
        """The person's own language wins over the browser's: choose it as they would."""
        switch = page.locator(".kp-language button[name=language]")
        if switch.count() and switch.first.get_attribute("value") == lang:
            with page.expect_navigation():
                switch.first.click()

    def first_link(self, page: Page, pattern: str) -> str | None:
        for href in page.eval_on_selector_all(
            "a[href]", "els => els.map(e => e.getAttribute('href'))"
        ):
            if re.fullmatch(pattern, href or ""):
                return href
        return None

    def special(self, page: Page, what: str, folder: Path, number: int, name: str) -> None:
        if what == "detail":
            page.goto(f"{self.base}{VR}?tab=actief")
            href = self.first_link(page, rf"{VR}\d+/")
            if href:
                page.goto(f"{self.base}{href}")
                self.save(page, folder, f"{number:02d}-{name}")
        elif what == "backoffice-detail":
            page.goto(f"{self.base}/backoffice/")
            href = self.first_link(page, r"/backoffice/\d+/")
            if href:
                page.goto(f"{self.base}{href}")
                self.save(page, folder, f"{number:02d}-{name}")
        elif what == "wizard":
            self.wizard(page, folder, number)
        elif what == "import":
            self.import_preview(page, folder, number, name)

    def wizard(self, page: Page, folder: Path, number: int) -> None:
        """Every step of Voeg toe > Eén bedrijf, filled as a beheerder would, up to sending."""
        wizard = f"{VR}nieuw/"
        page.goto(f"{self.base}{wizard}")
        self.save(page, folder, f"{number:02d}-wizard-1-bedrijf")
        steps = [
            ({"stap": "1", "nummer": KVK_WIZARD}, "wizard-2-diensten"),
            ({"stap": "2", "scope-algemeen": "on"}, "wizard-3-gebruikers"),
            ({"stap": "3"}, "wizard-4-looptijd"),
            ({"stap": "4", "looptijd": "5", "referentie": "dossier 42"}, "wizard-5-controleren"),
        ]
        for data, name in steps:
            self.post(page, wizard, data)
            self.save(page, folder, f"{number:02d}-{name}")
            if name == "wizard-2-diensten":
                self.picker(page, folder, f"{number:02d}-wizard-2-dienstenkiezer")
        page.goto(f"{self.base}{wizard}versturen/")
        self.save(page, folder, f"{number:02d}-wizard-6-versturen")
        # Leave nothing half-done for the next language.
        page.goto(f"{self.base}{wizard}")
        cancel = page.locator(f"form[action='{wizard}annuleren/'] button")
        if cancel.count():
            with page.expect_navigation():
                cancel.first.click()

    def picker(self, page: Page, folder: Path, name: str) -> None:
        """The service picker opened in its dialog, after a search that finds namesakes."""
        if not page.locator("dialog.kp-dialog").count():
            return
        opener = page.locator(
            "xpath=//dialog[contains(@class,'kp-dialog')]/preceding-sibling::button[1]"
        )
        opener.first.click()
        page.locator("dialog.kp-dialog input[type=search]").fill("loon")
        page.wait_for_timeout(1500)  # the search runs as you type (htmx)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"))
        self.count += 1
        page.keyboard.press("Escape")

    def import_preview(self, page: Page, folder: Path, number: int, name: str) -> None:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(["KVK-nummer", "Voorletter(s)", "Achternaam", "E-mailadres", "Telefoonnummer"])
        for i, kvk in enumerate(KVK_IMPORT):
            sheet.append(
                [kvk, "A.", f"Contact {i + 1}", f"contact{i + 1}@example.nl", "0612345678"]
            )
        path = Path(tempfile.mkdtemp()) / "relaties.xlsx"
        book.save(path)
        page.goto(f"{self.base}{VR}import/")
        page.locator("input[type=file]").first.set_input_files(str(path))
        with page.expect_navigation():
            page.locator("input[type=file]").first.evaluate("el => el.form.submit()")
        # The import is read in the background; its page refreshes itself until it is done.
        for _ in range(20):
            if "voortgang" not in page.content():
                break
            time.sleep(0.5)
            page.reload()
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        self.save(page, folder, f"{number:02d}-{name}")

    def account(self, browser, username: str, pages: list) -> None:
        steps_lang = LOGIN_STEPS.get(username)
        locale = "en-GB" if steps_lang == "en" else "nl-NL"
        context = browser.new_context(viewport=DESKTOP, locale=locale)
        page = context.new_page()
        self.login(page, username, steps_lang)
        for lang in ("nl", "en"):
            self.choose_language(page, lang)
            folder = self.out / username / lang
            for number, (name, target) in enumerate(pages, start=1):
                if target.startswith("/"):
                    page.goto(f"{self.base}{target}")
                    self.save(page, folder, f"{number:02d}-{name}")
                    if (
                        username,
                        name,
                    ) == README_PAGE and self.out.resolve().parent == ROOT / "docs":
                        # The README's picture of the portal (its top 1500 px), kept fresh.
                        page.screenshot(
                            path=str(ROOT / "docs" / f"screenshot-{lang}.png"),
                            full_page=True,
                            clip={"x": 0, "y": 0, "width": 1280, "height": 1500},
                        )
                else:
                    self.special(page, target, folder, number, name)
        context.close()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    db = Path(tempfile.mkdtemp()) / "screenshots.sqlite3"
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketenportal.settings.dev",
        "DATABASE_URL": f"sqlite:///{db}",
        "SITE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("REDIS_URL", None)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{base}/health/?worker=0", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        shooter = Shooter(base, out, manage, env)
        only = [a for a in os.environ.get("SCREENSHOT_ACCOUNTS", "").split(",") if a]
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            for username, pages in ACCOUNTS.items():
                if not only or username in only:
                    shooter.account(browser, username, pages)
            browser.close()
        print(f"Screenshots in {out}/ ({shooter.count} files)")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screens"))
