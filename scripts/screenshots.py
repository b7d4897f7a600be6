"""``make screenshots``: the main pages of the demo, at desktop width (1280 px) and at phone
width (375 px), in Dutch and English, as PNG files in ``docs/screenshots/``.

Runs its own server on a free port with a throw-away SQLite database and the demo data, logs in
as the demo beheerder with the real two-factor pages, and uses the system Chromium.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Ketenportal-demo-2026"
PAGES = [
    ("start", "/"),
    ("van-relaties", "/ketenmachtigingen/van-relaties/?tab=actief"),
    ("acties", "/ketenmachtigingen/van-relaties/?tab=acties"),
    ("aanvragen", "/ketenmachtigingen/van-relaties/nieuw/"),
    ("afgegeven", "/ketenmachtigingen/afgegeven/"),
    ("gebruikers", "/gebruikers/"),
    ("groepen", "/groepen/"),
    ("berichtenbox", "/berichtenbox/"),
    ("overige-wijzigingen", "/overige-wijzigingen/"),
    ("api-sleutels", "/instellingen/api/"),
    ("profiel", "/profiel/"),
]
SUBMIT = ".kp-card button.utrecht-button--primary-action"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 740)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
                urllib.request.urlopen(f"{base}/health/", timeout=1)
                break
            except OSError:
                time.sleep(0.5)

        def code() -> str:
            result = subprocess.run(
                [*manage, "demo_code", "beheerder"], env=env, capture_output=True, text=True
            )
            return result.stdout.split()[-1]

        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            for lang, locale in (("nl", "nl-NL"), ("en", "en-GB")):
                for kind, (width, height) in WIDTHS.items():
                    page = browser.new_page(
                        viewport={"width": width, "height": height}, locale=locale
                    )
                    page.goto(f"{base}/")
                    page.locator("#id_auth-username").fill("beheerder")
                    page.locator("#id_auth-password").fill(PASSWORD)
                    page.locator(SUBMIT).first.click()
                    # One TOTP code is accepted once: wait for the next 30-second step.
                    time.sleep(31 - time.time() % 30)
                    page.locator("#id_token-otp_token").fill(code())
                    page.locator(SUBMIT).first.click()
                    page.wait_for_load_state()
                    # The person's own language wins over the browser's: choose it as they would.
                    switch = page.locator(".kp-language button[name=language]")
                    if switch.get_attribute("value") == lang:
                        switch.click()
                        page.wait_for_load_state()
                    for name, path in PAGES:
                        page.goto(f"{base}{path}")
                        page.screenshot(path=str(out / f"{name}-{lang}-{kind}.png"))
                    page.close()
            browser.close()
        print(f"Screenshots in {out}/ ({len(PAGES) * 4} files)")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"))
