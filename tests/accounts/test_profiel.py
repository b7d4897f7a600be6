"""Mijn profiel, language, headers, health and the demo data."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.constants import AuditKind, LoginResult
from accounts.models import AuditEntry, Lidmaatschap, LoginEvent, Organisatie, User
from tests.conftest import verified_client
from tests.factories import TEST_PASSWORD, LidmaatschapFactory, OrganisatieFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_profiel_shows_means_level_and_login_history(world):
    user = world.gebruiker.user
    LoginEvent.objects.create(
        user=user,
        username=user.username,
        result=LoginResult.SUCCESS,
        ip_address="192.0.2.10",
        second_factor="totp",
    )
    LoginEvent.objects.create(
        user=world.other_gebruiker.user,
        username="x",
        result=LoginResult.SUCCESS,
        ip_address="192.0.2.99",
    )
    html = verified_client(user).get(reverse("accounts:profiel")).content.decode()
    assert "EH 3" in html
    assert "192.0.2.10" in html
    assert "192.0.2.99" not in html


def test_profiel_update_saves_and_audits(world):
    user = world.gebruiker.user
    response = verified_client(user).post(
        reverse("accounts:profiel"),
        {
            "email": "Nieuw@Example.nl",
            "telefoonnummer": "06-12345678",
            "taal": "en",
            "email_berichten": "",
            "password": TEST_PASSWORD,  # a new e-mail address needs the password (row 27)
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "Nieuw@example.nl"  # the domain is normalised
    assert str(user.telefoonnummer) == "+31612345678"
    assert user.email_berichten is False
    entry = AuditEntry.objects.get(object_type="accounts.user", kind=AuditKind.GEBRUIKER)
    assert set(entry.changes) == {"email", "telefoonnummer", "taal", "email_berichten"}


def test_profiel_refuses_bad_input_and_keeps_everything(world):
    user = world.gebruiker.user
    response = verified_client(user).post(
        reverse("accounts:profiel"),
        {"email": "geen-adres", "telefoonnummer": "12", "taal": "fr"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"email", "telefoonnummer", "taal"}
    user.refresh_from_db()
    assert user.email.endswith("@example.nl")
    assert not AuditEntry.objects.exists()


def test_profiel_ignores_fields_that_are_not_its_own(world):
    user = world.gebruiker.user
    verified_client(user).post(
        reverse("accounts:profiel"),
        {
            "email": "a@example.nl",
            "taal": "nl",
            "is_staff": "on",
            "eh_niveau": "x",
            "alleen_belastingdienst": "on",
            "rol": "beheerder",
        },
    )
    user.refresh_from_db()
    assert not user.is_staff
    assert not user.alleen_belastingdienst
    assert Lidmaatschap.objects.get(pk=world.gebruiker.pk).rol == "gebruiker"


def test_a_change_of_a_person_is_in_the_log_of_each_of_their_organisations(world):
    """The beheerders of every organisation a person belongs to see their profile and password
    changes under Overige wijzigingen; another organisation's beheerders do not."""
    user = world.gebruiker.user
    Lidmaatschap.objects.create(user=user, organisatie=world.other_organisatie, rol="gebruiker")
    third = OrganisatieFactory(naam="Derde Kantoor B.V.")
    client = verified_client(user)
    client.post(
        reverse("accounts:profiel"),
        {
            "email": "verhuisd@example.nl",
            "telefoonnummer": "",
            "taal": "nl",
            "email_berichten": "on",
            "password": TEST_PASSWORD,
        },
    )
    entries = AuditEntry.objects.filter(kind=AuditKind.GEBRUIKER, object_id=str(user.pk))
    assert {e.organisatie for e in entries} == {world.organisatie, world.other_organisatie}
    assert all(e.changes["email"]["new"] == "verhuisd@example.nl" for e in entries)

    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Heel-Nieuw-Wachtwoord-7",
            "new_password2": "Heel-Nieuw-Wachtwoord-7",
        },
    )
    security = AuditEntry.objects.filter(kind=AuditKind.BEVEILIGING, object_id=str(user.pk))
    assert {e.organisatie for e in security} == {world.organisatie, world.other_organisatie}

    url = reverse("accounts:overige_wijzigingen")
    for beheerder in (world.beheerder, world.other_beheerder):
        page = verified_client(beheerder.user).get(url).content.decode()
        assert "verhuisd@example.nl" in page
    outsider = LidmaatschapFactory(organisatie=third, rol="beheerder").user
    assert "verhuisd@example.nl" not in verified_client(outsider).get(url).content.decode()


def test_password_change_keeps_session_and_audits(world):
    user = world.gebruiker.user
    client = verified_client(user)
    from tests.factories import TEST_PASSWORD

    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Heel-Nieuw-Wachtwoord-7",
            "new_password2": "Heel-Nieuw-Wachtwoord-7",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profiel")).status_code == 200
    entry = AuditEntry.objects.get(kind=AuditKind.BEVEILIGING)
    assert "Heel-Nieuw" not in str(entry.changes)


def test_language_switch_is_remembered_on_the_account(world):
    user = world.gebruiker.user
    client = verified_client(user)
    assert "Mijn profiel" in client.get(reverse("accounts:profiel")).content.decode()
    response = client.post(reverse("accounts:taal"), {"language": "en", "next": "/profiel/"})
    assert response.status_code == 302
    assert response["Location"] == "/profiel/"
    user.refresh_from_db()
    assert user.taal == "en"
    assert "My profile" in client.get(reverse("accounts:profiel")).content.decode()
    # On another device (no language cookie) the account's choice holds.
    other = verified_client(user)
    assert "My profile" in other.get(reverse("accounts:profiel")).content.decode()


def test_language_switch_works_before_login(client):
    response = client.post(reverse("accounts:taal"), {"language": "en", "next": "/account/login/"})
    assert response.status_code == 302
    html = client.get("/account/login/").content.decode()
    assert 'lang="en"' in html
    assert "Log in" in html
    client.post(reverse("accounts:taal"), {"language": "nl", "next": "/account/login/"})
    assert "Inloggen" in client.get("/account/login/").content.decode()


def test_language_switch_refuses_external_next(client):
    response = client.post(reverse("accounts:taal"), {"language": "en", "next": "https://evil.nl"})
    assert response["Location"] == "/"


def test_security_headers_on_pages(world):
    client = verified_client(world.beheerder.user)
    for response in (client.get(reverse("accounts:gebruikers")), client.get("/account/login/")):
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self' 'nonce-" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]


def test_pages_have_no_inline_script_or_style(world):
    import re

    client = verified_client(world.beheerder.user)
    for name in ("home", "accounts:gebruikers", "accounts:profiel"):
        html = client.get(reverse(name)).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), name
        assert "<style" not in html and " style=" not in html, name


def test_health_reports_the_database(client, settings):
    settings.REDIS_URL = ""  # the embedded default: only the database is checked
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_idle_session_expires(world, settings):
    client = verified_client(world.beheerder.user)
    session = client.session
    session.set_expiry(-1)
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_seed_demo_is_idempotent_and_complete(capsys):
    call_command("seed_demo")
    counts = (
        Organisatie.objects.count(),
        User.objects.count(),
        Lidmaatschap.objects.count(),
        AuditEntry.objects.count(),
    )
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert counts == (
        Organisatie.objects.count(),
        User.objects.count(),
        Lidmaatschap.objects.count(),
        AuditEntry.objects.count(),
    )
    assert out.count("username: ") == 10 and out.count("TOTP secret: ") == 10
    multi = User.objects.get(username="multi.beheerder")
    assert multi.lidmaatschappen.count() == 2
    levels = set(User.objects.values_list("eh_niveau", flat=True))
    assert len(levels) >= 3
    assert User.objects.filter(alleen_belastingdienst=True).exists()
    assert Organisatie.objects.filter(kvk_nummer="69599084").exists()


def test_seed_demo_refuses_production(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_demo_login_with_printed_secret(client):
    """The printed base32 TOTP secret really logs the demo beheerder in."""
    import base64
    import io

    from django_otp.oath import TOTP

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    block = out.getvalue().split("username: beheerder\n")[1]
    secret = block.split("TOTP secret: ")[1].split()[0]
    password = block.split("password: ")[1].split()[0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    client.post(
        "/account/login/",
        {
            "login_view-current_step": "auth",
            "auth-username": "beheerder",
            "auth-password": password,
        },
    )
    response = client.post(
        "/account/login/",
        {"login_view-current_step": "token", "token-otp_token": f"{TOTP(key).token():06d}"},
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:gebruikers")).status_code == 200


def test_user_factory_traits():
    assert not UserFactory(eh2plus=True).can_use_ketenmachtigingen


@pytest.mark.integration
def test_health_checks_redis_and_the_worker_heartbeat(client, settings):
    """With Redis configured, /health/ also needs a recent worker heartbeat."""
    import os
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    from ketenportal.tasks import HEARTBEAT_KEY, heartbeat

    settings.REDIS_URL = os.environ["REDIS_URL"]
    cache.delete(HEARTBEAT_KEY)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "no heartbeat"}
    web_only = client.get("/health/", {"worker": "0"})  # the web container's own check
    assert web_only.status_code == 200
    assert web_only.json()["checks"] == {"database": "ok", "redis": "ok"}
    heartbeat()  # what a worker does every 30 s
    assert client.get("/health/").status_code == 200
    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(minutes=5)).isoformat())
    assert client.get("/health/").json()["checks"]["worker"] == "stale"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert client.get("/health/").json()["checks"]["redis"] == "error"


def test_production_logs_are_json_with_the_request_id():
    import json
    import logging

    from accounts.context import reset_request_context, set_request_context
    from ketenportal.logging import JsonFormatter, RequestIdFilter

    record = logging.LogRecord(
        "ketenportal", logging.INFO, __file__, 1, "sweep %s", ("done",), None
    )
    tokens = set_request_context(request_id="abc123def456", client_ip="192.0.2.1")
    try:
        RequestIdFilter().filter(record)
    finally:
        reset_request_context(tokens)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "sweep done" and line["request_id"] == "abc123def456"
    assert "192.0.2.1" not in json.dumps(line)  # no IP addresses in logs


def test_djangos_password_rules_speak_dutch():
    """Django 5.2's new minimum-length message is missing from its own Dutch catalogue."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("nl"), pytest.raises(ValidationError) as raised:
        validate_password("kort")
    assert (
        "Dit wachtwoord is te kort. Het moet minstens 12 tekens bevatten." in raised.value.messages
    )
