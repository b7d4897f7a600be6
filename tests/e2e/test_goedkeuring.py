"""The online path in a real browser: the link in the invitation e-mail, the code, the upload of
the signed form, then the back office approves from its "received online" queue."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from ketenmachtigingen.constants import Status
from outbox.delivery import deliver_due
from outbox.services import Envelope, mail_queue
from tests.e2e.test_login import log_in
from tests.factories import KetenmachtigingFactory, UserFactory
from tests.goedkeuring.conftest import PDF

pytestmark = pytest.mark.django_db(transaction=True)


def test_approve_online_then_back_office_makes_it_active(page: Page, live_server, tmp_path):
    km = KetenmachtigingFactory(intermediair_naam="Accountants Alpha B.V.", taal="nl")
    mail_queue(
        Envelope(
            soort="ketenmachtigingen.uitnodiging",
            ontvanger=km.relatie_contact_email,
            taal="nl",
            params={
                "km": km.pk,
                "verstuurd_op": timezone.localtime(km.verstuurd_op).isoformat(),
            },
        )
    )
    deliver_due()
    link = re.search(r"https?://\S+/uitnodiging/[A-Za-z0-9_-]+/", mail.outbox[-1].body).group(0)

    page.goto(live_server.url + urlsplit(link).path)
    expect(
        page.get_by_role("heading", name="Accountants Alpha B.V. vraagt u om een ketenmachtiging")
    ).to_be_visible()
    expect(page.get_by_text(km.relatie_naam)).to_have_count(0)
    page.get_by_role("button", name="Stuur mij een code").click()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Ga verder").click()
    expect(page.get_by_text(km.relatie_naam)).to_be_visible()

    page.get_by_role("link", name="Upload het ondertekende formulier").click()
    page.locator("#id_naam_1").fill("J. de Vries")
    page.locator("#id_functie_1").fill("Directeur")
    page.locator("#id_email_1").fill("j@relatie.nl")
    page.locator("#id_verklaring").check()
    signed = tmp_path / "getekend.pdf"
    signed.write_bytes(PDF)
    page.locator("#id_bestand").set_input_files(str(signed))
    page.get_by_role("button", name="Verstuur het ondertekende formulier").click()
    expect(page.get_by_role("heading", name="Bedankt")).to_be_visible()
    km.refresh_from_db()
    assert km.status == Status.ONTVANGEN and km.kanaal == "digitaal"

    staff = UserFactory(is_staff=True, with_totp_device=True)
    page.context.clear_cookies()
    log_in(page, live_server.url, staff)
    page.goto(f"{live_server.url}/backoffice/")
    page.get_by_role("link", name="Wachtrij: digitaal ontvangen formulieren").click()
    page.get_by_role("link", name=km.kenmerk).click()
    expect(page.get_by_text("J. de Vries, Directeur")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download het ondertekende formulier (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("button", name="Keur goed: maak actief").click()
    km.refresh_from_db()
    assert km.status == Status.ACTIEF


@pytest.mark.parametrize("taal", ["nl", "en"])
def test_the_public_pages_have_no_serious_axe_violations(page: Page, live_server, tmp_path, taal):
    """axe on every page the relatie's contact sees, in the invitation's language, on a phone
    screen: the code page, the facts and choices, approve online (with an error), decline, the
    neutral page of a link that does not work, and the thank-you page."""
    from goedkeuring.services import link_create
    from tests.e2e.test_accessibility import blocking_violations, describe

    page.set_viewport_size({"width": 390, "height": 844})
    km = KetenmachtigingFactory(intermediair_naam="Accountants Alpha B.V.", taal=taal)
    token = link_create(km=km)
    base = f"{live_server.url}/uitnodiging/{token}/"
    found = {}

    def check(name, *, lang=taal):
        if lang:
            expect(page.locator("html")).to_have_attribute("lang", lang)
        violations = blocking_violations(page)
        if violations:
            found[f"[{taal}] {name}"] = violations

    page.goto(base)
    check("start")
    page.locator("main form button[type=submit]").first.click()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    check("code sent")
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").last.click()
    expect(page.get_by_text(km.relatie_naam)).to_be_visible()
    check("facts and choices")
    page.goto(base + "goedkeuren/")
    check("approve online")
    page.locator("main form button[type=submit]").last.click()  # nothing filled in
    check("approve online with errors")
    page.goto(base + "afwijzen/")
    check("decline")
    page.goto(f"{live_server.url}/uitnodiging/{'x' * 43}/")
    check("a link that does not work", lang=None)  # nothing tells its language
    page.goto(base + "afwijzen/")
    page.locator("main form button[type=submit]").last.click()
    check("thank you")
    assert not found, "axe found serious/critical violations:\n" + describe(found)
