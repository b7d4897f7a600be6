"""Overige wijzigingen in words: every kind of audit row reads as people say it, in the reader's
language, on the page and in the export; and the rows that were missing are written."""

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import audit_display
from accounts.constants import AuditAction, AuditKind
from accounts.models import AuditEntry
from accounts.services import PROFILE_FIELDS
from diensten.scope import Scope
from ketenmachtigingen import services as km_services
from ketenmachtigingen.services.core import AFZENDER_FIELDS
from tests.conftest import verified_client
from tests.factories import TEST_PASSWORD, DienstFactory, KetenmachtigingFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
LIST_URL = "/overige-wijzigingen/"
EXPORT_URL = "/overige-wijzigingen/export/"
KM = "ketenmachtigingen.ketenmachtiging"

# One row of every shape the writers store (see the call sites of ``accounts.audit.audit_log``
# and the bulk writers): (object_type, action, kind, changes, message).
ROWS = [
    ("accounts.organisatie", "create", "organisatie", {"naam": [None, "Alpha"], "kvk_nummer": [None, "12345678"]}, ""),
    ("accounts.lidmaatschap", "create", "lidmaatschap", {"rol": [None, "gebruiker"], "user": [None, "J. Jansen"]}, ""),
    ("accounts.lidmaatschap", "update", "lidmaatschap", {"rol": ["gebruiker", "beheerder"]}, ""),
    ("accounts.lidmaatschap", "delete", "lidmaatschap", {"rol": ["beheerder", None], "user": ["J. Jansen", None]}, ""),
    ("accounts.user", "update", "gebruiker", {"email": ["a@example.nl", "b@example.nl"], "telefoonnummer": [None, "+31612345678"], "taal": ["nl", "en"], "email_berichten": [True, False], "weekoverzicht": [False, True]}, ""),
    ("accounts.user", "update", "beveiliging", {"password": ["********", "********"]}, "password changed"),
    ("accounts.user", "update", "beveiliging", {"password": ["********", "********"]}, "password reset"),
    ("accounts.user", "update", "beveiliging", {"second_factor": [None, "totp"]}, "second factor added"),
    ("accounts.user", "update", "beveiliging", {"passkey": [None, "Passkey 1"]}, "passkey added"),
    ("accounts.user", "update", "beveiliging", {"passkey": ["Passkey 1", "Laptop"]}, "passkey renamed"),
    ("accounts.user", "update", "beveiliging", {"passkey": ["Laptop", None]}, "passkey removed"),
    ("accounts.user", "update", "beveiliging", {"backup_phone": ["+3161234****", None]}, "backup phone removed"),
    ("accounts.user", "update", "beveiliging", {"backup_codes": [10, 10]}, "backup codes regenerated"),
    ("accounts.user", "update", "gebruiker", {"is_active": [True, False], "email_berichten": [True, False]}, "admin"),
    ("accounts.lidmaatschap", "delete", "lidmaatschap", {}, "admin"),
    ("groepen.groep", "create", "groep", {"naam": [None, "Fiscaal"], "diensten": [None, "Algemene bevoegdheid: alle diensten"]}, ""),
    ("groepen.groep", "update", "groep", {"naam": ["Fiscaal", "Fiscaal team"]}, ""),
    ("groepen.groep", "delete", "groep", {"naam": ["Fiscaal", None], "leden": [["A. Aa", "B. Bb"], None]}, ""),
    ("groepen.groep", "update", "groep", {"leden": [None, ["A. Aa"]]}, "members added"),
    ("groepen.groep", "update", "groep", {"leden": ["A. Aa", None]}, "member removed"),
    ("groepen.groep", "update", "groep", {"diensten": ["General authority: all services", "2 diensten: X, Y"]}, ""),
    ("api.apikey", "create", "api", {"naam": [None, "Koppeling"], "toegang": [None, "lezen"], "geldig_tot": [None, "2027-01-31"]}, ""),
    ("api.apikey", "update", "api", {"ingetrokken": [False, True]}, "revoked"),
    ("api.webhookendpoint", "create", "api", {"url": [None, "https://example.nl/hook"], "omschrijving": [None, "Ons pakket"], "events": [None, ["ketenmachtiging.created", "ketenmachtiging.ended"]]}, ""),
    ("api.webhookendpoint", "update", "api", {"actief": [True, False]}, ""),
    ("api.webhookendpoint", "update", "api", {"actief": [True, False]}, "webhook endpoint disabled after 30 failed attempts in a row"),
    ("api.webhookendpoint", "update", "api", {"test": [None, "0b7a9c1e-evt"]}, "test event queued"),
    ("api.webhookendpoint", "update", "api", {"redeliver": ["0b7a9c1e-evt", "1c8b0d2f-evt"]}, "redelivery queued"),
    ("api.webhookendpoint", "delete", "api", {"url": ["https://example.nl/hook", None], "events": [["ketenmachtiging.ended"], None]}, ""),
    (KM, "update", "ketenmachtiging", {"kanaal": [None, "digitaal"], "ondertekenaars": [None, ["P. de Vries"]]}, "signed form uploaded online"),
    (KM, "transition", "ketenmachtiging", {"status": ["actief", "verlopen"], "reden": [None, "Einddatum bereikt"]}, "sweep"),
    (KM, "transition", "ketenmachtiging", {"status": ["aanvraag_verstuurd", "actief"]}, ""),
    (KM, "transition", "ketenmachtiging", {"status": ["fout", "aanvraag_ontvangen"], "reden": [None, "Verkeerd gekozen"]}, "correction"),
    (KM, "transition", "ketenmachtiging", {"status": ["aanvraag_verstuurd", "afgewezen"]}, "answered by the relatie"),
    (KM, "transition", "ketenmachtiging", {"status": ["actief", "beeindigd"], "reden": [None, "Beëindigd door de relatie"]}, "ended by the relatie"),
    (KM, "transition", "ketenmachtiging", {"status": ["actief", "beeindigd"], "reden": [None, "Ended at once"]}, "ended by the intermediair"),
    (KM, "transition", "ketenmachtiging", {"status": ["actief", "beeindigd"], "reden": [None, "Dubbel"]}, "duplicate ended by migration"),
    (KM, "create", "ketenmachtiging", {"relatie": [None, "Bakker B.V. (12345678)"], "status": [None, "aanvraag_verstuurd"], "diensten": [None, "Algemene bevoegdheid: alle diensten"], "looptijd_jaren": [None, 3], "gebruikers": [None, ["A. Aa"]], "groepen": [None, ["Fiscaal"]]}, ""),
    (KM, "create", "ketenmachtiging", {"vernieuwing_van": [None, "KM-0001"], "status": [None, "aanvraag_verstuurd"], "relatie_contact_email": [None, "c@example.nl"], "contact_email": [None, "d@example.nl"], "akkoord_kosten_op": [None, "2026-12-02T10:15:00+00:00"]}, "renewal"),
    (KM, "update", "ketenmachtiging", {"looptijd_jaren": [5, 3]}, ""),
    (KM, "update", "ketenmachtiging", {"uitnodiging": [None, "c@example.nl"]}, "invitation sent again"),
    (KM, "update", "ketenmachtiging", {"gebruikers": [None, ["A. Aa"]], "groepen": [None, ["Fiscaal"]]}, "linked"),
    (KM, "update", "ketenmachtiging", {"gebruikers": ["A. Aa", None]}, "unlinked"),
    (KM, "update", "ketenmachtiging", {"einde_gepland_op": [None, "2027-03-01"]}, "end scheduled"),
    (KM, "create", "ketenmachtiging", {"intermediair": [None, "Alpha (12345678)"], "diensten": [None, "x"], "looptijd_jaren": [None, 1]}, "granted"),
    (KM, "create", "ketenmachtiging", {"relatie": [None, "Beta (87654321)"], "diensten": [None, "x"], "looptijd_jaren": [None, 2]}, "granted to us"),
    (KM, "update", "ketenmachtiging", {"feiten_gemaild_aan": [None, "e@example.nl"]}, "details e-mailed"),
    (KM, "update", "ketenmachtiging", {"email_opnieuw": [None, "e@example.nl"]}, "e-mail sent again"),
    ("ketenmachtigingen.import", "update", "ketenmachtiging", {"bestand": ["relaties.xlsx", None]}, "import file deleted after the retention period"),
    ("ketenmachtigingen.import", "delete", "ketenmachtiging", {"bestand": ["relaties.xlsx", None]}, "refused upload"),
    ("ketenmachtigingen.afzenderinstellingen", "create", "instelling", {"voorletters": [None, "A.B."], "achternaam": [None, "Jansen"], "herinneringen": [None, True], "herinnering_1_dagen": [None, 7], "herinnering_2_dagen": [None, 14]}, ""),
    ("ketenmachtigingen.afzenderinstellingen", "update", "instelling", {"telefoon": ["0301234567", "0307654321"], "email": ["a@example.nl", "b@example.nl"]}, ""),
    ("diensten.dienstverlener", "update", "catalogus", {"new": [None, 3], "changed": [None, 1], "withdrawn": [None, 0]}, "catalogue imported"),
]  # fmt: skip

# Raw choice values that must never reach a reader (case matters: labels are capitalised).
RAW_VALUES = [
    "aanvraag_verstuurd", "aanvraag_ontvangen", "actief", "verlopen", "beeindigd", "afgewezen",
    "fout", "gebruiker", "beheerder", "digitaal", "totp", "ketenmachtiging.created",
    "True", "False", "2027-01-31", "2027-03-01", "T10:15",
]  # fmt: skip


def _create_rows(organisatie) -> list[AuditEntry]:
    return [
        AuditEntry.objects.create(
            organisatie=organisatie,
            actor_repr="A.B. Beheerder",
            action=action,
            kind=kind,
            object_type=object_type,
            object_id="1",
            object_repr=f"Object {i}",
            changes={k: {"old": old, "new": new} for k, (old, new) in changes.items()},
            message=message,
        )
        for i, (object_type, action, kind, changes, message) in enumerate(ROWS)
    ]


def _tbody(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def _client(world, taal: str):
    user = world.beheerder.user
    user.taal = taal
    user.save(update_fields=["taal"])
    return verified_client(user)


def _assert_in_words(text: str) -> None:
    keys = {key for *_x, changes, _m in ROWS for key in changes}
    for key in keys:
        assert f">{key}<" not in text, key
        if "_" in key:
            assert key not in text, key
    for *_x, message in ROWS:
        if message:
            # Not as the text of a cell ("API key revoked" is fine, "revoked" alone is not).
            assert not re.search(rf'[>";]\s*{re.escape(message)}\s*[<";]', text), message
    for tag in ("sweep", "members added", "member removed"):
        assert tag not in text, tag
    for value in RAW_VALUES:
        assert not re.search(rf"(?<![\w.-]){re.escape(value)}(?![\w-])", text), value
    assert not re.search(r'>\s*systeem\s*<|;"systeem";', text)


@pytest.mark.parametrize("taal", ["nl", "en"])
def test_every_kind_of_row_reads_in_words(world, taal):
    _create_rows(world.organisatie)
    AuditEntry.objects.create(
        organisatie=world.organisatie,
        actor_repr="systeem",
        action=AuditAction.TRANSITION,
        kind=AuditKind.KETENMACHTIGING,
        object_type=KM,
        object_id="2",
        object_repr="Object automatisch",
        changes={"status": {"old": "aanvraag_verstuurd", "new": "vervallen"}},
        message="sweep",
    )
    client = _client(world, taal)
    body = "".join(_tbody(client.get(LIST_URL, {"page": page}).content.decode()) for page in (1, 2))
    assert body.count("<tr>") == len(ROWS) + 1
    _assert_in_words(body)
    field = '<span class="kp-changes__field">{}</span>: '
    if taal == "nl":
        expected = [
            field.format("Status") + "Aanvraag verstuurd ",
            field.format("Duur") + "5 jaar ",
            "3 jaar</li>",
            field.format("E-mail bij nieuwe berichten") + "Ja ",
            field.format("Taal") + "Nederlands ",
            field.format("Geldig tot") + "– ",
            "31-01-2027</li>",
            field.format("Back-upcodes") + "10 codes ",
            "Leden toegevoegd aan de groep",
            "Automatisch gewijzigd door het portaal",
            "Het portaal (automatisch)",
            "Nieuwe back-upcodes aangemaakt",
            "Webhook-endpoint uitgeschakeld na 30 mislukte pogingen op rij",
            "Einddatum bereikt</li>",
            "Algemene bevoegdheid: alle diensten",
        ]
    else:
        expected = [
            field.format("Status") + "Request sent ",
            field.format("Term") + "5 years ",
            "3 years</li>",
            field.format("E-mail on new messages") + "Yes ",
            field.format("Language") + "Dutch ",
            "31-01-2027</li>",
            field.format("Backup codes") + "10 codes ",
            "Members added to the group",
            "Changed automatically by the portal",
            "The portal (automatic)",
            "New backup codes generated",
            "Webhook endpoint disabled after 30 failed attempts in a row",
            "The end date was reached</li>",
            "General authority: all services",
            "Ended by the relatie</li>",
        ]
    for text in expected:
        assert text in body, text


@pytest.mark.parametrize("taal", ["nl", "en"])
def test_the_export_uses_the_same_words(world, taal):
    _create_rows(world.organisatie)
    response = _client(world, taal).get(EXPORT_URL)
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=";"))
    assert len(rows) == len(ROWS) + 1
    _assert_in_words(content)
    if taal == "nl":
        assert ["Duur: 5 jaar → 3 jaar"] == [r[5] for r in rows if r[4] == "Object 39"]
        assert "Nieuwe back-upcodes aangemaakt" in [r[3] for r in rows]
    else:
        assert ["Term: 5 years → 3 years"] == [r[5] for r in rows if r[4] == "Object 39"]


def test_the_platform_wide_catalogue_row_reads_in_words():
    entry = AuditEntry(
        action="update",
        kind="catalogus",
        object_type="diensten.dienstverlener",
        changes={"new": {"old": None, "new": 3}},
        message="catalogue imported",
    )
    with translation.override("nl"):
        assert audit_display.describe(entry) == "Dienstencatalogus ingelezen"
        assert audit_display.changes_text(entry) == "Nieuwe diensten: – → 3"


def test_a_free_text_message_is_shown_as_it_is(world):
    AuditEntry.objects.create(
        organisatie=world.organisatie,
        action="delete",
        kind="ketenmachtiging",
        object_type="ketenmachtigingen.import",
        object_id="1",
        object_repr="relaties.xlsx",
        changes={"bestand": {"old": "relaties.xlsx", "new": None}},
        message="Het bestand bevat geen werkblad.",
    )
    body = _tbody(_client(world, "nl").get(LIST_URL).content.decode())
    assert "Import verwijderd" in body
    assert "Het bestand bevat geen werkblad." in body


# --- Every writer is known to the renderer ------------------------------------------------------


def _audit_calls():
    """Every ``audit_log(…)``/``AuditEntry(…)`` call in the portal's code, parsed."""
    for path in ROOT.glob("*/**/*.py"):
        if any(part in (".venv", "tests", "benchmarks", "node_modules") for part in path.parts):
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("audit_log", "AuditEntry", "_audit", "_audit_person", "create"):
                    yield path, node


def _labelled(key: str) -> bool:
    return any(key in table for table in audit_display.FIELD_LABELS.values())


def test_every_message_and_every_changed_field_of_every_writer_has_words():
    messages, keys = set(), set(PROFILE_FIELDS) | set(AFZENDER_FIELDS)
    for _path, node in _audit_calls():
        for keyword in node.keywords:
            if keyword.arg == "message" and isinstance(keyword.value, ast.Constant):
                messages.add(keyword.value.value)
            if keyword.arg == "changes":
                for sub in ast.walk(keyword.value):
                    if isinstance(sub, ast.Dict):
                        for key, value in zip(sub.keys, sub.values, strict=True):
                            is_change = isinstance(value, ast.Dict) and any(
                                isinstance(k, ast.Constant) and k.value in ("old", "new")
                                for k in value.keys
                            )
                            if isinstance(key, ast.Constant) and is_change:
                                keys.add(key.value)
    messages.discard("")
    assert {"sweep", "members added", "backup codes regenerated", "granted"} <= messages
    assert {"looptijd_jaren", "status", "user", "leden"} <= keys
    assert not {m for m in messages if m not in audit_display.MESSAGES}
    assert not {k for k in keys if not _labelled(k)}


# --- The rows that were missing -----------------------------------------------------------------


def test_regenerating_backup_codes_is_a_row_in_words(world):
    user = world.beheerder.user
    client = _client(world, "nl")
    client.post(reverse("accounts:reauth"), {"password": TEST_PASSWORD, "next": ""})
    response = client.post(reverse("two_factor:backup_tokens"))
    assert response.status_code in (200, 302)
    entry = AuditEntry.objects.filter(organisatie=world.organisatie).latest("pk")
    assert entry.object_id == str(user.pk) and entry.message == "backup codes regenerated"
    body = _tbody(client.get(LIST_URL).content.decode())
    assert "Nieuwe back-upcodes aangemaakt" in body


def test_a_reset_and_a_change_in_the_same_minute_are_two_rows(world):
    user = world.beheerder.user
    anonymous = _client(world, "nl")
    anonymous.logout()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    response = anonymous.get(
        reverse("accounts:password_reset_confirm", args=[uid, token]), follow=True
    )
    set_url = response.redirect_chain[-1][0]
    response = anonymous.post(
        set_url,
        {"new_password1": "Reset-Passphrase-2026!", "new_password2": "Reset-Passphrase-2026!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    client = verified_client(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Reset-Passphrase-2026!",
            "new_password1": "Changed-Passphrase-2026!",
            "new_password2": "Changed-Passphrase-2026!",
        },
    )
    assert response.status_code == 302
    rows = AuditEntry.objects.filter(organisatie=world.organisatie, kind=AuditKind.BEVEILIGING)
    assert [e.message for e in rows] == ["password changed", "password reset"]
    body = _tbody(client.get(LIST_URL).content.decode())
    assert body.index("Wachtwoord gewijzigd") < body.index(
        "Wachtwoord opnieuw ingesteld met een link per e-mail"
    )


def test_a_grant_is_a_row_in_the_logs_of_both_organisations(world):
    km = km_services.ketenmachtiging_grant(
        actor=world.other_beheerder.user,
        relatie_organisatie=world.other_organisatie,
        intermediair=km_services.Relatie(
            naam=world.organisatie.naam,
            kvk_nummer=world.organisatie.kvk_nummer,
            rsin="",
            adres="Straat 1",
            postcode_plaats="1234AB Plaats",
        ),
        # World's other_afgegeven already grants general authority to the same intermediair.
        scope=Scope(algemeen=False, dienst_ids=frozenset({DienstFactory().pk})),
        looptijd_jaren=2,
        akkoord_kosten=True,
    )
    ours = AuditEntry.objects.get(organisatie=world.organisatie, object_id=str(km.pk))
    theirs = AuditEntry.objects.get(organisatie=world.other_organisatie, object_id=str(km.pk))
    assert (ours.message, theirs.message) == ("granted to us", "granted")
    body = _tbody(_client(world, "nl").get(LIST_URL).content.decode())
    assert "Ketenmachtiging afgegeven aan deze organisatie" in body
    assert "2 jaar</li>" in body


def test_ending_a_grant_is_a_row_in_the_logs_of_both_organisations(world):
    # The company ends what it granted.
    km_services.ketenmachtiging_end_granted(actor=world.beheerder.user, km=world.afgegeven)
    for organisatie in (world.organisatie, world.other_organisatie):
        entry = AuditEntry.objects.get(organisatie=organisatie, object_id=str(world.afgegeven.pk))
        assert entry.changes["status"] == {"old": "actief", "new": "beeindigd"}
    body = _tbody(_client(world, "en").get(LIST_URL).content.decode())
    assert "Status</span>: Active " in body and "Ended</li>" in body


def test_the_intermediair_ending_a_grant_is_a_row_in_the_companys_log(world):
    km_services.ketenmachtiging_end(actor=world.beheerder.user, km=world.other_afgegeven)
    theirs = AuditEntry.objects.get(
        organisatie=world.other_organisatie, object_id=str(world.other_afgegeven.pk)
    )
    assert theirs.message == "ended by the intermediair"
    assert AuditEntry.objects.filter(
        organisatie=world.organisatie, object_id=str(world.other_afgegeven.pk)
    ).exists()


def test_a_scheduled_end_of_a_grant_is_in_both_logs(world):
    from datetime import timedelta

    from django.utils import timezone

    km = KetenmachtigingFactory(
        intermediair=world.organisatie, relatie_organisatie=world.other_organisatie, actief=True
    )
    per = timezone.localdate() + timedelta(days=10)
    km_services.ketenmachtiging_end(actor=world.beheerder.user, km=km, per=per)
    for organisatie in (world.organisatie, world.other_organisatie):
        entry = AuditEntry.objects.get(organisatie=organisatie, object_id=str(km.pk))
        assert entry.message == "end scheduled"
    body = _tbody(_client(world, "nl").get(LIST_URL).content.decode())
    assert f"{per:%d-%m-%Y}</li>" in body


def test_the_admin_shows_the_same_words(world):
    from tests.factories import UserFactory

    entry = _create_rows(world.organisatie)[-14]  # looptijd_jaren 5 → 3
    assert entry.changes == {"looptijd_jaren": {"old": 5, "new": 3}}
    staff = UserFactory(is_staff=True, is_superuser=True, taal="nl")
    client = verified_client(staff)
    html = client.get(reverse("admin:accounts_auditentry_changelist")).content.decode()
    assert "Leden toegevoegd aan de groep" in html
    html = client.get(reverse("admin:accounts_auditentry_change", args=[entry.pk])).content.decode()
    assert "Duur: 5 jaar → 3 jaar" in html


@pytest.mark.parametrize(("taal", "rol"), [("nl", "Beheerder"), ("en", "Administrator")])
def test_a_memberships_role_in_the_object_column_is_in_the_readers_language(world, taal, rol):
    # Stored by a Dutch writer: the English reader sees "(Administrator)", the Dutch "(Beheerder)".
    AuditEntry.objects.create(
        organisatie=world.organisatie,
        actor_repr="A.B. Beheerder",
        action=AuditAction.CREATE,
        kind=AuditKind.LIDMAATSCHAP,
        object_type="accounts.lidmaatschap",
        object_id="1",
        object_repr="R. Jansen – Kantoor B.V. (Beheerder)",
        changes={"rol": {"old": None, "new": "beheerder"}},
    )
    client = _client(world, taal)
    page = client.get(reverse("accounts:overige_wijzigingen")).content.decode()
    assert f"R. Jansen – Kantoor B.V. ({rol})" in _tbody(page)
    response = client.get(EXPORT_URL)
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert f"R. Jansen – Kantoor B.V. ({rol})" in content
