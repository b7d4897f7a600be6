"""Protections of every request: CSRF (row 9), GET changes nothing (row 10), mass assignment
(row 8), open redirects (row 16), security headers (row 21) and sessions (row 15)."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp

from accounts.constants import EHNiveau
from accounts.models import AuditEntry, Lidmaatschap, User
from berichtenbox.models import Bericht
from groepen.models import Groep
from ketenmachtigingen.models import Afzenderinstellingen, Import, Ketenmachtiging
from tests.factories import TEST_PASSWORD, KetenmachtigingFactory, UserFactory
from tests.url_walker import PUBLIC, named_urls, reverse_sample

from .common import (
    LOGIN,
    client_for,
    describe,
    failures,
    fetch,
    is_inside_site,
    redirects_to_login,
    rolled_back,
    snapshot,
    snapshot_diff,
    urls_of,
)

pytestmark = pytest.mark.django_db
KVK_DONALD = "68750110"  # in the shipped local KvK dataset
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) SecurityWalker/1.0"
LOGOUT_URLS = {"accounts:logout", "admin:logout"}


# --- Row 9: CSRF ------------------------------------------------------------------------------


def test_no_view_is_csrf_exempt():
    exempt = [u.name for u in named_urls() if getattr(u.callback, "csrf_exempt", False)]
    assert not exempt, exempt


def csrf_refused(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.body


def test_posts_without_a_csrf_token_are_refused_everywhere(world, people):
    beheerder = client_for(world.beheerder.user, enforce_csrf_checks=True)
    # Staff and admin URLs refuse a beheerder anyway: post there as a superuser too, so the
    # 403 can only come from the CSRF check.
    superuser = client_for(people.superuser, enforce_csrf_checks=True)
    anonymous = client_for(enforce_csrf_checks=True)
    staff_urls = {u.name for u in urls_of("staff", "admin")}
    problems = []
    for url in named_urls():
        path = reverse_sample(url, world)
        clients = [("beheerder", beheerder)]
        if url.name in staff_urls:
            clients.append(("superuser", superuser))
        if url.name in PUBLIC:
            clients.append(("anonymous", anonymous))
        for who, client in clients:
            with rolled_back():
                response = fetch(client, "post", path, {"naam": "x", "next": "/"})
            if not csrf_refused(response):
                problems.append(f"{describe(url.name, 'post', response)} as {who}")
    assert not problems, failures(problems)


def test_the_same_post_with_the_token_is_accepted(world):
    """The refusals above come from the missing token, not from the forms."""
    client = client_for(world.beheerder.user, enforce_csrf_checks=True)
    page = fetch(client, "get", reverse("groepen:nieuw"))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1)
    response = fetch(
        client,
        "post",
        reverse("groepen:nieuw"),
        {"naam": "Met token", "csrfmiddlewaretoken": token.decode()},
    )
    assert response.status_code == 302
    assert Groep.objects.filter(naam="Met token", organisatie=world.organisatie).exists()


# --- Row 10: GET changes nothing --------------------------------------------------------------

#: Reads that write by design. Opening a message in the berichtenbox marks it read for the
#: organisation: a read receipt, like opening a letter (berichtenbox.views.BerichtView), not a
#: change of the organisation's data. Only that column is ignored; sessions are not snapshotted.
READ_RECEIPTS = {"berichtenbox.bericht": {"gelezen_op"}}
#: django-two-factor-auth's backup codes page creates the person's own, still empty, backup
#: device when it is first shown (``BackupTokensView.get_device`` is a get_or_create). No code is
#: made by a GET (``otp_static.statictoken`` is in the snapshot), so it cannot be used to log in.
BACKUP_DEVICE = re.compile(r"^otp_static\.staticdevice #\d+ created: .*'name': 'backup'")


def unexpected(name: str, changes: list[str], user) -> list[str]:
    if name == "two_factor:backup_tokens":
        changes = [
            c for c in changes if not (BACKUP_DEVICE.match(c) and f"'user_id': {user.pk}," in c)
        ]
    return changes


def extra_gets(world) -> list[tuple[str, str]]:
    """Query strings that take other paths through the views than the bare URL."""
    export = reverse("ketenmachtigingen:export")
    overview = reverse("ketenmachtigingen:van_relaties")
    return [
        *[
            (f"overview {t}", f"{overview}?tab={t}&q=B.V.")
            for t in ("wachtend", "acties", "verlopen", "historie")
        ],
        *[(f"export {fmt}", f"{export}?tab=actief&format={fmt}") for fmt in ("csv", "xlsx")],
        ("audit export xlsx", reverse("accounts:overige_wijzigingen_export") + "?format=xlsx"),
        ("wizard step 3", reverse("ketenmachtigingen:nieuw") + "?stap=3"),
        ("verify next", reverse("accounts:verify") + "?next=/profiel/"),
        ("picker", reverse("diensten:picker") + "?scope-q=a&prefix=scope"),
    ]


@pytest.mark.parametrize("who", ["beheerder", "gebruiker", "staff"])
def test_get_changes_nothing(world, people, who):
    user = {
        "beheerder": world.beheerder.user,
        "gebruiker": world.gebruiker.user,
        "staff": people.superuser,
    }[who]
    km = Ketenmachtiging.objects.get(pk=world.km.pk)
    km.formulier_pdf.save("formulier.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    client = client_for(user)
    before = snapshot(ignore=READ_RECEIPTS)
    requests = [(u.name, reverse_sample(u, world)) for u in named_urls()] + extra_gets(world)
    problems = []
    for name, path in requests:
        with rolled_back():
            response = fetch(client, "get", path)
            changes = unexpected(name, snapshot_diff(before, snapshot(ignore=READ_RECEIPTS)), user)
        if changes:
            problems.append(f"{name} GET changed the database: {changes}")
        if response.status_code >= 500:
            problems.append(describe(name, "get", response))
    assert not problems, failures(problems)


def test_opening_a_message_changes_only_its_read_time(world):
    """The one documented read that writes, and nothing else."""
    client = client_for(world.beheerder.user)
    before = snapshot()
    assert (
        fetch(client, "get", reverse("berichtenbox:bericht", args=[world.bericht.pk])).status_code
        == 200
    )
    changes = snapshot_diff(before, snapshot())
    assert len(changes) == 1 and "berichtenbox.bericht" in changes[0] and "gelezen_op" in changes[0]


# --- Row 8: mass assignment -------------------------------------------------------------------


def extra_fields(world) -> dict:
    """Fields no form of the portal offers, aimed at what a beheerder must not decide."""
    b = world.other_organisatie
    return {
        "organisatie": b.pk,
        "organisatie_id": b.pk,
        "intermediair": b.pk,
        "intermediair_id": b.pk,
        "relatie_organisatie": b.pk,
        "relatie_organisatie_id": b.pk,
        "status": "vervallen",
        "rol": "beheerder",
        "is_staff": "on",
        "is_superuser": "on",
        "is_active": "on",
        "eh_niveau": EHNiveau.EH4.value,
        "alleen_belastingdienst": "",
        "created_by": world.other_beheerder.user_id,
        "user": world.other_beheerder.user_id,
    }


def guarded() -> dict:
    """The values mass assignment would aim at, per row."""
    return {
        "user": {
            u.pk: (u.is_staff, u.is_superuser, u.is_active, u.eh_niveau, u.alleen_belastingdienst)
            for u in User.objects.all()
        },
        "lidmaatschap": {
            m.pk: (m.user_id, m.organisatie_id, m.rol) for m in Lidmaatschap.objects.all()
        },
        "ketenmachtiging": {
            k.pk: (k.status, k.intermediair_id, k.relatie_organisatie_id, k.created_by_id)
            for k in Ketenmachtiging.objects.all()
        },
        "groep": dict(Groep.objects.values_list("pk", "organisatie_id")),
        "import": dict(Import.objects.values_list("pk", "organisatie_id")),
        "afzender": dict(Afzenderinstellingen.objects.values_list("pk", "organisatie_id")),
        "bericht": dict(Bericht.objects.values_list("pk", "organisatie_id")),
    }


def guarded_changes(
    before: dict, after: dict, allowed=frozenset(), new_allowed=frozenset()
) -> list[str]:
    lines = []
    for kind, rows in before.items():
        for pk, value in rows.items():
            if pk in after[kind] and after[kind][pk] != value and (kind, pk) not in allowed:
                lines.append(f"{kind} #{pk}: {value} -> {after[kind][pk]}")
        for pk in set(after[kind]) - set(rows):
            if kind not in new_allowed:
                lines.append(f"new {kind} #{pk}: {after[kind][pk]}")
    return lines


@pytest.fixture
def client_a(world):
    return client_for(world.beheerder.user)


def test_profile_ignores_extra_fields(world, client_a):
    user = world.beheerder.user
    data = {
        "email": "nieuw@alpha.nl",
        "telefoonnummer": "",
        "taal": "nl",
        "email_berichten": "on",
        "password": TEST_PASSWORD,  # a new e-mail address needs the password (row 27)
    }
    response = fetch(client_a, "post", reverse("accounts:profiel"), {**extra_fields(world), **data})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "nieuw@alpha.nl"
    assert (user.is_staff, user.is_superuser, user.eh_niveau) == (False, False, EHNiveau.EH3)
    assert not user.lidmaatschappen.exclude(organisatie=world.organisatie).exists()


def test_group_create_and_rename_ignore_extra_fields(world, client_a):
    extra = extra_fields(world)
    response = fetch(client_a, "post", reverse("groepen:nieuw"), {**extra, "naam": "Nieuwe groep"})
    assert response.status_code == 302
    groep = Groep.objects.get(naam="Nieuwe groep")
    assert groep.organisatie == world.organisatie
    url = reverse("groepen:wijzig", args=[groep.pk])
    assert fetch(client_a, "post", url, {**extra, "naam": "Hernoemd"}).status_code == 302
    groep.refresh_from_db()
    assert (groep.naam, groep.organisatie) == ("Hernoemd", world.organisatie)
    assert (
        not Groep.objects.filter(organisatie=world.other_organisatie)
        .exclude(pk=world.other_groep.pk)
        .exists()
    )


def test_sender_settings_ignore_extra_fields(world, client_a):
    data = {
        "voorletters": "A.",
        "achternaam": "Afzender",
        "email": "afzender@alpha.nl",
        "telefoon": "0201234567",
        "herinneringen": "on",
        "herinnering_1_dagen": "10",
        "herinnering_2_dagen": "20",
    }
    response = fetch(
        client_a, "post", reverse("ketenmachtigingen:afzender"), {**extra_fields(world), **data}
    )
    assert response.status_code == 302
    assert Afzenderinstellingen.objects.get().organisatie == world.organisatie


def test_role_change_ignores_extra_fields(world, client_a):
    url = reverse("accounts:gebruiker_rol", args=[world.gebruiker.pk])
    response = fetch(client_a, "post", url, {**extra_fields(world), "rol": "beheerder"})
    assert response.status_code == 302
    user = User.objects.get(pk=world.gebruiker.user_id)
    assert (user.is_staff, user.is_superuser, user.eh_niveau) == (False, False, EHNiveau.EH3)
    assert Lidmaatschap.objects.get(pk=world.gebruiker.pk).organisatie == world.organisatie


def fill_wizard(client, extra) -> None:
    wizard = reverse("ketenmachtigingen:nieuw")
    for data in (
        {"stap": "1", "nummer": KVK_DONALD},
        {"stap": "2", "scope-algemeen": "on"},
        {"stap": "3", "gebruikers": [], "groepen": []},
        {"stap": "4", "looptijd": "5", "referentie": "dossier"},
    ):
        response = fetch(client, "post", wizard, {**extra, **data})
        assert response.status_code == 302, (data, response.status_code)


def assert_new_km_belongs_to_a(world, *, status):
    km = Ketenmachtiging.objects.get(relatie_kvk_nummer=KVK_DONALD)
    assert km.intermediair == world.organisatie
    assert km.relatie_organisatie is None  # Donald is no organisation of the portal
    assert km.created_by == world.beheerder.user
    assert km.status == status
    return km


def test_request_wizard_ignores_extra_fields(world, client_a, django_capture_on_commit_callbacks):
    extra = extra_fields(world)
    fill_wizard(client_a, extra)
    data = {
        "voorletters": "A.B.",
        "achternaam": "Pietersen",
        "email": "a@alpha.nl",
        "telefoon": "0612345678",
        "relatie_voorletters": "D.",
        "relatie_achternaam": "Duck",
        "relatie_email": "directie@donald.nl",
        "relatie_telefoon": "0201234567",
        "taal": "nl",
        "akkoord_kosten": "on",
    }
    response = fetch(client_a, "post", reverse("ketenmachtigingen:versturen"), {**extra, **data})
    assert response.status_code == 302
    assert_new_km_belongs_to_a(world, status="aanvraag_verstuurd")


def test_register_approved_ignores_extra_fields(world, client_a):
    extra = extra_fields(world)
    fill_wizard(client_a, extra)
    url = reverse("ketenmachtigingen:goedgekeurd")
    response = fetch(client_a, "post", url, {**extra, "leverancier": "Ketenportal"})
    assert response.status_code == 302
    assert_new_km_belongs_to_a(world, status="actief")


def test_grant_ignores_extra_fields(world, client_a):
    extra = extra_fields(world)
    url = reverse("ketenmachtigingen:afgeven")
    assert (
        fetch(client_a, "post", url, {**extra, "stap": "1", "nummer": KVK_DONALD}).status_code
        == 302
    )
    data = {"scope-algemeen": "on", "looptijd": "3", "akkoord_kosten": "on"}
    assert fetch(client_a, "post", url, {**extra, **data}).status_code == 302
    km = Ketenmachtiging.objects.get(intermediair_kvk_nummer=KVK_DONALD)
    assert km.relatie_organisatie == world.organisatie
    assert km.intermediair is None and km.status == "actief"
    assert km.created_by == world.beheerder.user


def test_ending_ignores_extra_fields(world, client_a):
    datum = timezone.localdate() + dt.timedelta(days=30)
    url = reverse("ketenmachtigingen:beeindig", args=[world.km.pk])
    data = {"wijze": "datum", "datum": datum.isoformat()}
    assert fetch(client_a, "post", url, {**extra_fields(world), **data}).status_code == 302
    km = Ketenmachtiging.objects.get(pk=world.km.pk)
    assert (km.status, km.einde_gepland_op) == ("actief", datum)
    assert km.intermediair == world.organisatie


def test_linking_users_ignores_extra_fields(world, client_a):
    url = reverse("ketenmachtigingen:gebruikers", args=[world.km.pk])
    data = {**extra_fields(world), "gebruikers": [world.beheerder.pk]}
    assert fetch(client_a, "post", url, data).status_code == 302
    km = Ketenmachtiging.objects.get(pk=world.km.pk)
    assert (km.status, km.intermediair) == ("actief", world.organisatie)
    assert set(km.gebruikers.all()) == {world.beheerder, world.gebruiker}


def test_back_office_action_ignores_extra_fields(world, people):
    km = KetenmachtigingFactory(intermediair=world.organisatie)  # aanvraag verstuurd
    client = client_for(people.staff)
    url = reverse("ketenmachtigingen:backoffice_actie", args=[km.pk, "ontvangen"])
    data = {**extra_fields(world), "status": "actief", "expected_status": "aanvraag_verstuurd"}
    assert fetch(client, "post", url, data).status_code == 302
    km.refresh_from_db()
    assert (km.status, km.intermediair) == ("aanvraag_ontvangen", world.organisatie)
    assert km.einddatum is None


#: A form's own field is not an extra field for that form.
OWN_FIELDS = {"accounts:gebruiker_rol": {"rol"}, "accounts:organisatie_switch": {"organisatie"}}
#: POSTs whose purpose is the change itself: the POST is the confirmation, no fields needed.
OWN_EFFECT = {
    "ketenmachtigingen:afgegeven_beeindig": "ends the ketenmachtiging A granted (the sample)",
    "ketenmachtigingen:gebruiker_deactiveer": "switches off A's gebruiker (the sample)",
    "accounts:backoffice_ehmiddel_uitgeven": "issues the means: a new account and membership",
}
#: What such a POST may create besides: the intermediair's message about the end.
OWN_EFFECT_NEW = {
    "ketenmachtigingen:afgegeven_beeindig": {"bericht"},
    "accounts:backoffice_ehmiddel_uitgeven": {"user", "lidmaatschap"},
}
#: The rows such a POST changes besides the granted ketenmachtiging.
OWN_EFFECT_CHANGED = {
    "ketenmachtigingen:gebruiker_deactiveer": lambda w: {("user", w.gebruiker.user_id)},
}


def sweep(client_factory, urls, world) -> list[str]:
    extra = extra_fields(world)
    before = guarded()
    client = client_factory()
    problems = []
    for url in urls:
        payload = {k: v for k, v in extra.items() if k not in OWN_FIELDS.get(url.name, ())}
        allowed = (
            {("ketenmachtiging", world.afgegeven.pk)} if url.name in OWN_EFFECT else frozenset()
        )
        if url.name in OWN_EFFECT_CHANGED:
            allowed = {*allowed, *OWN_EFFECT_CHANGED[url.name](world)}
        with rolled_back():
            response = fetch(client, "post", reverse_sample(url, world), payload)
            changes = guarded_changes(
                before, guarded(), allowed, OWN_EFFECT_NEW.get(url.name, frozenset())
            )
        if changes:
            problems.append(f"{url.name}: {changes}")
        if response.status_code >= 500:
            problems.append(describe(url.name, "post", response))
        if url.name in LOGOUT_URLS:
            client = client_factory()
    return problems


def test_every_post_ignores_extra_fields(world, people):
    problems = sweep(lambda: client_for(world.beheerder.user), named_urls(), world)
    # The back office as its staff (the admin is the place where staff set these fields).
    problems += sweep(lambda: client_for(people.staff), urls_of("staff"), world)
    assert not problems, failures(problems)


# --- Row 16: open redirects -------------------------------------------------------------------

EVIL = [
    "//evil.nl",
    "https://evil.nl/",
    "javascript:alert(1)",
    "/\\evil.nl",
    "https:evil.nl",
    "///evil.nl",
    "\\\\evil.nl",
    " //evil.nl",
    "http://testserver.evil.nl/",
]


def assert_inside(response, what):
    assert response.status_code == 302, (what, response.status_code)
    assert is_inside_site(response["Location"]), (what, response["Location"])


def current_totp(user) -> str:
    device = user.totpdevice_set.get()
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def test_views_that_read_next_are_known():
    """The views below are the ones that read ``next``; a new one must be added here."""
    import pathlib

    readers = set()
    root = pathlib.Path(settings.BASE_DIR)
    for app in (
        "accounts",
        "diensten",
        "groepen",
        "berichtenbox",
        "ketenmachtigingen",
        "ketenportal",
    ):
        for path in (root / app).rglob("*.py"):
            if re.search(r"""get\(\s*["']next["']""", path.read_text()):
                readers.add(path.relative_to(root).as_posix())
    assert readers == {"accounts/views.py", "ketenmachtigingen/views/overzicht.py"}, readers


@pytest.mark.parametrize("evil", EVIL)
def test_next_always_stays_inside_the_site(world, people, evil):
    beheerder = world.beheerder.user

    # The login wizard (next in the query string and in the form).
    user = UserFactory(with_totp_device=True)
    client = Client(HTTP_USER_AGENT=BROWSER)
    login = f"{LOGIN}?next={evil}"
    client.get(login)
    client.post(
        login,
        {
            "login_view-current_step": "auth",
            "auth-username": user.username,
            "auth-password": TEST_PASSWORD,
            "next": evil,
        },
    )
    response = client.post(
        login,
        {"login_view-current_step": "token", "token-otp_token": current_totp(user), "next": evil},
    )
    assert_inside(response, "login")

    # The token step of a password-only session.
    user = UserFactory(with_totp_device=True)
    client = client_for(user, verified=False)
    response = client.post(
        f"{reverse('accounts:verify')}?next={evil}", {"token": current_totp(user), "next": evil}
    )
    assert_inside(response, "verify POST")
    # ... and once verified, the same page sends on at once.
    assert_inside(client.get(reverse("accounts:verify"), {"next": evil}), "verify GET")

    client = client_for(beheerder)
    # Enrolment pages send a person who has a device on.
    assert_inside(client.get(reverse("two_factor:setup"), {"next": evil}), "two_factor:setup")
    assert_inside(client.post(reverse("accounts:taal"), {"language": "nl", "next": evil}), "taal")
    assert_inside(
        client.post(reverse("accounts:taal"), {"language": "nl"}, HTTP_REFERER=evil), "taal referer"
    )
    assert_inside(
        Client().post(reverse("accounts:taal"), {"language": "nl", "next": evil}), "taal anon"
    )
    assert_inside(
        client.post(
            reverse("accounts:organisatie_switch"),
            {"organisatie": world.organisatie.pk, "next": evil},
        ),
        "organisatie_switch",
    )
    for name, args in (
        ("ketenmachtigingen:gebruiker_verwijder", [world.km.pk, world.gebruiker.pk]),
        ("ketenmachtigingen:groep_verwijder", [world.km.pk, world.groep.pk]),
    ):
        with rolled_back():
            response = client.post(reverse(name, args=args), {"next": evil})
        assert_inside(response, name)
    assert_inside(client.post(reverse("accounts:logout"), {"next": evil}), "logout")
    assert_inside(
        client_for(people.superuser).post(reverse("admin:logout"), {"next": evil}), "admin:logout"
    )


# --- Row 21: headers --------------------------------------------------------------------------


def header_problems(name, response, *, authenticated: bool) -> list[str]:
    problems = []
    expected = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }
    for header, value in expected.items():
        if response.get(header) != value:
            problems.append(f"{name}: {header}={response.get(header)!r}")
    if "camera=()" not in response.get("Permissions-Policy", ""):
        problems.append(f"{name}: Permissions-Policy={response.get('Permissions-Policy')!r}")
    for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        if re.search(r"unsafe-(inline|eval|hashes)", response.get(header, "")):
            problems.append(f"{name}: {header} allows unsafe-*: {response[header]}")
    if "text/html" in response.get("Content-Type", "") and not response.get(
        "Content-Security-Policy"
    ):
        problems.append(f"{name}: HTML without a Content-Security-Policy")
    if authenticated and "no-store" not in response.get("Cache-Control", ""):
        problems.append(
            f"{name} ({response.status_code}): Cache-Control={response.get('Cache-Control')!r}"
        )
    return problems


def test_every_response_carries_the_security_headers(world):
    km = Ketenmachtiging.objects.get(pk=world.km.pk)
    km.formulier_pdf.save("formulier.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    client = client_for(world.beheerder.user)
    requests = [(u.name, reverse_sample(u, world)) for u in named_urls()] + extra_gets(world)
    problems = []
    seen = set()
    for name, path in requests:
        response = fetch(client, "get", path)
        seen.add(response.get("Content-Type", "").split(";")[0])
        problems += header_problems(name, response, authenticated=True)
    anonymous = Client()
    for url in named_urls():
        if url.name in PUBLIC:
            response = fetch(anonymous, "get", reverse_sample(url, world))
            problems += header_problems(f"{url.name} (anonymous)", response, authenticated=False)
    assert not problems, failures(problems)
    # The walk did include downloads of every kind.
    assert {
        "text/html",
        "application/pdf",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    } <= seen, seen


def test_html_pages_have_no_inline_script_or_style(world):
    """The CSP has no unsafe-inline: an inline script or style would break, so there is none."""
    client = client_for(world.beheerder.user)
    problems = []
    for url in urls_of("verified", "beheerder", "ketenmachtiging"):
        response = fetch(client, "get", reverse_sample(url, world))
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.body.decode()
        nonce = re.search(r"'nonce-([^']+)'", response.get("Content-Security-Policy", ""))
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and not (nonce and nonce.group(1) in tag):
                problems.append(f"{url.name}: inline {tag}")
        if re.search(r"<[^>]+\sstyle=|<style\b|\son[a-z]+=", html):
            problems.append(f"{url.name}: inline style or event handler")
    assert not problems, failures(problems)


def test_production_sends_hsts_over_https():
    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_SSL_REDIRECT=False):
        client = Client()  # a new client: middleware reads the settings when it is loaded
        response = client.get(reverse("health"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_settings_turn_hsts_and_secure_cookies_on():
    source = (settings.BASE_DIR / "ketenportal" / "settings" / "production.py").read_text()
    assert re.search(r'setdefault\("SECURE_HSTS_SECONDS", "(\d+)"\)', source)
    assert (
        int(re.search(r'setdefault\("SECURE_HSTS_SECONDS", "(\d+)"\)', source).group(1)) >= 31536000
    )
    for line in ("SESSION_COOKIE_SECURE = True", "CSRF_COOKIE_SECURE = True"):
        assert line in source


XSS = '"><img src=x onerror=alert(1)>'


def test_markup_in_stored_names_is_escaped_on_every_page(world, people):
    """The CSP is the second line: the first is that no page prints a stored name as markup."""
    Groep.objects.filter(pk=world.groep.pk).update(naam=f"Groep {XSS}")
    Ketenmachtiging.objects.filter(pk=world.km.pk).update(
        relatie_naam=f"Relatie {XSS}", referentie=XSS, status_reden=XSS
    )
    User.objects.filter(pk=world.gebruiker.user_id).update(last_name=f"Jansen{XSS}")
    Bericht.objects.filter(pk=world.bericht.pk).update(onderwerp=f"Bericht {XSS}", tekst=XSS)
    Import.objects.filter(pk=world.imp.pk).update(bestandsnaam=f"{XSS}.xlsx")
    AuditEntry.objects.create(
        organisatie=world.organisatie,
        actor_repr=XSS,
        action="update",
        kind="groep",
        object_type="groepen.groep",
        object_id=str(world.groep.pk),
        object_repr=XSS,
        changes={"naam": {"old": XSS, "new": XSS}},
    )
    problems = []
    for client, urls in (
        (client_for(world.beheerder.user), urls_of("verified", "beheerder", "ketenmachtiging")),
        (client_for(people.superuser), urls_of("staff", "admin")),
    ):
        for url in urls:
            response = fetch(client, "get", reverse_sample(url, world))
            if "text/html" in response.get("Content-Type", "") and b"<img src=x" in response.body:
                problems.append(f"{url.name} prints stored markup unescaped")
    assert not problems, failures(problems)


# --- Row 15: sessions -------------------------------------------------------------------------


def log_in(client, user) -> None:
    """Through the real two-factor login pages."""
    client.post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": user.username,
            "auth-password": TEST_PASSWORD,
        },
        HTTP_USER_AGENT=BROWSER,
    )
    response = client.post(
        LOGIN,
        {"login_view-current_step": "token", "token-otp_token": current_totp(user)},
        HTTP_USER_AGENT=BROWSER,
    )
    assert response.status_code == 302, response.status_code
    assert client.get(reverse("home")).status_code == 200


def replay(session_key: str) -> Client:
    """A new browser that presents an old session cookie."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def test_session_key_rotates_at_login_and_the_old_one_is_gone():
    user = UserFactory(with_totp_device=True)
    client = Client()
    client.get(LOGIN)
    before = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.filter(pk=before).exists()
    log_in(client, user)
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(pk=before).exists()
    assert redirects_to_login(replay(before).get(reverse("home")))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_logout_ends_the_session():
    user = UserFactory(with_totp_device=True)
    client = Client()
    log_in(client, user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert not Session.objects.filter(pk=key).exists()
    assert redirects_to_login(client.get(reverse("home")))
    assert redirects_to_login(replay(key).get(reverse("home")))


def test_idle_timeout_is_at_most_thirty_minutes():
    # SessionActivityMiddleware makes SESSION_COOKIE_AGE an idle timeout (see below).
    assert "accounts.middleware.SessionActivityMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_ACTIVITY_REFRESH_SECONDS <= 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_activity_moves_the_expiry_on_at_most_once_a_minute():
    """No database write per request: the session is saved when its activity mark is a minute
    old, and that save moves its expiry on."""
    user = UserFactory(with_totp_device=True)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, user)
        client.get(reverse("home"))
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    expiry = Session.objects.get(pk=key).expire_date
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("home")).status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert Session.objects.get(pk=key).expire_date == expiry
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert client.get(reverse("home")).status_code == 200
    assert Session.objects.get(pk=key).expire_date == expiry + dt.timedelta(seconds=61)


def test_idle_session_is_logged_out_but_activity_keeps_it_alive():
    user = UserFactory(with_totp_device=True)
    client = Client()
    age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, user)
    # Active every 25 minutes of a 30-minute timeout: still logged in after an hour.
    for step in (1, 2, 3):
        with time_machine.travel(start + step * (age - dt.timedelta(minutes=5)), tick=False):
            assert client.get(reverse("home")).status_code == 200, step
    last = start + 3 * (age - dt.timedelta(minutes=5))
    with time_machine.travel(last + age + dt.timedelta(seconds=30), tick=False):
        assert redirects_to_login(client.get(reverse("home")))


def test_a_password_change_ends_the_users_other_sessions(world):
    user = world.beheerder.user
    here, elsewhere = client_for(user), client_for(user)
    response = fetch(
        here,
        "post",
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Another-Long-Passphrase-42",
            "new_password2": "Another-Long-Passphrase-42",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200
    assert redirects_to_login(elsewhere.get(reverse("home")))


def test_deactivating_a_user_ends_their_session():
    user = UserFactory(with_totp_device=True)
    client = Client()
    log_in(client, user)
    user.is_active = False
    user.save()
    assert redirects_to_login(client.get(reverse("home")))


def test_a_deactivated_users_session_does_not_come_back_when_reactivated():
    """Ended, not suspended: switching the account on again (say, after a compromise was
    cleaned up) must not revive a session someone stole before the deactivation."""
    user = UserFactory(with_totp_device=True)
    client = Client()
    log_in(client, user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    user.is_active = False
    user.save()
    assert redirects_to_login(client.get(reverse("home")))
    user.is_active = True
    user.save()
    assert redirects_to_login(replay(key).get(reverse("home")))
