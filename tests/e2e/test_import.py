"""Upload a spreadsheet of 50 companies in a real browser, follow the progress, send the
requests and see the result."""

import io
import json
import os
import time
from pathlib import Path

import openpyxl
import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from ketenmachtigingen.imports import build_template
from ketenmachtigingen.models import Ketenmachtiging
from tests.e2e.test_login import log_in
from tests.factories import LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db(transaction=True)
KVK_DATA = Path(__file__).resolve().parents[2] / "ketenmachtigingen" / "data" / "kvk_local.json"


def fifty_companies(tmp_path) -> Path:
    bedrijven = [
        b
        for b in json.loads(KVK_DATA.read_text())["bedrijven"]
        if b.get("kvk_nummer") and b.get("actief", True)
    ][:50]
    assert len(bedrijven) == 50
    wb = openpyxl.load_workbook(io.BytesIO(build_template()))
    ws = wb["Bedrijven"]
    for r, b in enumerate(bedrijven, start=2):
        for c, value in enumerate(
            [
                b["kvk_nummer"],
                "A.",
                "",
                f"Contact {r}",
                f"contact{r}@example.nl",
                f"06 1234 {r:04d}",
                f"R{r}",
            ],
            start=1,
        ):
            ws.cell(row=r, column=c, value=value)
    path = tmp_path / "vijftig-relaties.xlsx"
    wb.save(path)
    return path


def test_upload_fifty_companies_and_send(page: Page, live_server, tmp_path, settings):
    # On PostgreSQL the tasks run in a background thread, so the progress bar is real; the
    # in-memory SQLite of a plain run cannot be shared with another thread.
    settings.TASKS_IN_BACKGROUND_THREAD = os.environ.get("DATABASE_URL", "").startswith("postgres")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.", kvk_nummer="30999999")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    log_in(page, live_server.url, beheerder)
    page.goto(f"{live_server.url}/ketenmachtigingen/van-relaties/nieuw/")
    page.get_by_role("link", name="Meerdere bedrijven").click()
    page.get_by_label("Kies een bestand").set_input_files(str(fifty_companies(tmp_path)))
    page.get_by_role("button", name="Importeer bedrijven").click()
    expect(page.get_by_role("heading", name="Import van 50 bedrijven")).to_be_visible(
        timeout=90_000
    )
    page.get_by_role("button", name="Ga verder").click()

    page.get_by_role("button", name="Kies diensten").click()
    page.get_by_role("dialog").get_by_role("checkbox", name="Algemene bevoegdheid").check()
    page.get_by_role("dialog").get_by_role("button", name="Voeg machtiging(en) toe").click()
    page.get_by_role("button", name="Voeg gebruikers toe").click()
    page.get_by_role("button", name="Volgende").click()
    page.get_by_role("link", name="Verstuur aanvraag tot goedkeuring").click()
    page.get_by_label("Initialen").fill("A.B.")
    page.get_by_label("Achternaam").fill("Pietersen")
    page.locator("#id_telefoon").fill("030 123 4567")
    page.get_by_label("Ja, ik ga akkoord met de kosten").check()
    page.get_by_role("button", name="Verstuur aanvraag tot goedkeuring").click()
    if settings.TASKS_IN_BACKGROUND_THREAD:
        expect(page.locator("progress")).to_be_visible()
    expect(page.get_by_text("50 aanvragen zijn verstuurd.")).to_be_visible(timeout=180_000)
    assert Ketenmachtiging.objects.filter(intermediair=organisatie).count() == 50
    # The invitations go out after the requests; wait for them so nothing runs on into the
    # next test.
    sent = Ketenmachtiging.objects.filter(
        intermediair=organisatie, uitnodiging_verzonden_op__isnull=False
    )
    deadline = time.monotonic() + 90
    while sent.count() < 50 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert sent.count() == 50
    invitations = [m for m in mail.outbox if m.attachments]
    assert len(invitations) == 50
    # and one e-mail to the beheerder that the import's message waits in the berichtenbox
    assert len(mail.outbox) == 51
