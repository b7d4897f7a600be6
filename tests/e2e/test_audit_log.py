"""Overige wijzigingen in a real browser at 1280 px: the table fits, the changes column is not
clipped (long addresses, lists of members and URLs wrap), in Dutch and in English."""

import pytest
from playwright.sync_api import Page, expect

from accounts.constants import AuditAction, AuditKind, Rol
from accounts.models import AuditEntry
from tests.e2e.test_login import log_in
from tests.factories import LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db(transaction=True)

LONG_URL = "https://webhooks.voorbeeld-administratiekantoor.nl/api/v2/ketenportal/" + "x" * 80
MEMBERS = [f"Medewerker met een lange naam {i}" for i in range(12)]

# Measured in the page: the table, every changes cell and the document stay within 1280 px.
OVERFLOW = """() => {
  const table = document.querySelector("table.kp-audit");
  const container = table.closest(".utrecht-table-container") || table.parentElement;
  // The changes column is the last one.
  const cells = [...table.querySelectorAll("tbody td:last-child")];
  return {
    page: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    table: table.getBoundingClientRect().right,
    container: container.getBoundingClientRect().right,
    containerScroll: container.scrollWidth - container.clientWidth,
    clippedCells: cells.filter(c => c.scrollWidth > c.clientWidth + 1).length,
    cellsOutside: cells.filter(c => c.getBoundingClientRect().right > window.innerWidth).length,
    cells: cells.length,
  };
}"""


@pytest.fixture
def beheerder():
    organisatie = OrganisatieFactory(naam="Accountants Alpha B.V.")
    user = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    rows = [
        (
            "api.webhookendpoint",
            AuditAction.CREATE,
            AuditKind.API,
            {
                "url": {"old": None, "new": LONG_URL},
                "events": {
                    "old": None,
                    "new": ["ketenmachtiging.created", "ketenmachtiging.ended"],
                },
            },
            "",
        ),
        (
            "groepen.groep",
            AuditAction.UPDATE,
            AuditKind.GROEP,
            {"leden": {"old": None, "new": MEMBERS}},
            "members added",
        ),
        (
            "ketenmachtigingen.ketenmachtiging",
            AuditAction.TRANSITION,
            AuditKind.KETENMACHTIGING,
            {
                "status": {"old": "aanvraag_verstuurd", "new": "actief"},
                "looptijd_jaren": {"old": 5, "new": 3},
            },
            "",
        ),
        (
            "accounts.user",
            AuditAction.UPDATE,
            AuditKind.GEBRUIKER,
            {
                "email": {
                    "old": "heel.lang.emailadres.van.een.medewerker@accountantskantoor-voorbeeld.nl",
                    "new": "nog.langer.emailadres.van.dezelfde.medewerker@accountantskantoor.nl",
                },
                "email_berichten": {"old": True, "new": False},
            },
            "",
        ),
    ]
    for object_type, action, kind, changes, message in rows:
        AuditEntry.objects.create(
            organisatie=organisatie,
            actor=user,
            actor_repr="Anne-Marie van der Heijden-Oosterhuis",
            action=action,
            kind=kind,
            object_type=object_type,
            object_id="1",
            object_repr="Bakkerij De Gouden Korenschoof Noord-Holland B.V. (12345678)",
            changes=changes,
            message=message,
        )
    return user


@pytest.mark.parametrize(
    ("taal", "words"),
    [
        ("nl", ["Aanvraag verstuurd", "5 jaar", "Leden toegevoegd aan de groep"]),
        ("en", ["Request sent", "5 years", "Members added to the group"]),
    ],
)
def test_the_audit_table_fits_1280_px(page: Page, live_server, beheerder, taal, words):
    beheerder.taal = taal
    beheerder.save(update_fields=["taal"])
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, beheerder)
    page.goto(f"{live_server.url}/overige-wijzigingen/")
    table = page.locator("table.kp-audit")
    for word in words:
        expect(table.get_by_text(word).first).to_be_visible()
    size = page.evaluate(OVERFLOW)
    assert size["cells"] == 4
    assert size["page"] <= size["viewport"], size
    assert size["table"] <= size["container"] + 1, size
    assert size["containerScroll"] <= 1, size
    assert size["clippedCells"] == 0, size
    assert size["cellsOutside"] == 0, size
    # The end of the long URL is on screen: wrapped, not cut off.
    last = page.get_by_text(LONG_URL[-20:], exact=False).first
    box = last.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280
