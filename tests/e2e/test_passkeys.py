"""Passkeys in a real Chromium with a virtual authenticator (the DevTools WebAuthn domain):
register one in Mijn profiel, log in with it as the second factor, rename and remove it; all
under the strict CSP (the library's scripts are static files with the nonce)."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from accounts.constants import SecondFactorUsed
from accounts.models import AuditEntry, LoginEvent
from tests.e2e.test_login import log_in
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def authenticator(page: Page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp


def test_register_log_in_with_and_remove_a_passkey(
    page: Page, live_server, settings, authenticator
):
    # WebAuthn needs a secure context: localhost is one; the relying party is its host name.
    base = live_server.url.replace("127.0.0.1", "localhost")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [base]
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    user = UserFactory(with_totp_device=True)

    log_in(page, base, user)
    page.goto(f"{base}/profiel/passkeys/")
    # (the password was entered a moment ago: no "Bevestig uw wachtwoord" yet)
    page.locator("#passkey-register-button").click()
    expect(page.locator("input[name=name]")).to_have_count(1)
    passkey = WebAuthnCredential.objects.get(user=user)
    assert AuditEntry.objects.filter(message="passkey added").exists()

    page.locator("input[name=name]").fill("Mijn laptop")
    page.locator("button[value=rename]").click()
    expect(page.locator("input[name=name]")).to_have_value("Mijn laptop")

    # log out and in again: the password, then the passkey instead of a code
    page.context.clear_cookies()
    page.goto(f"{base}/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.locator("#passkey-verification-button").click()
    expect(page.locator(".kp-sidebar, h1").first).to_be_visible()
    page.wait_for_url(f"{base}/")
    event = LoginEvent.objects.filter(user=user).first()
    assert event.second_factor == SecondFactorUsed.PASSKEY
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None

    # remove it (the authenticator app remains, so it is not the last factor)
    page.goto(f"{base}/profiel/passkeys/")
    page.locator("button[value=remove]").click()
    expect(page.locator("input[name=name]")).to_have_count(0)
    assert not WebAuthnCredential.objects.filter(user=user).exists()
    assert not [e for e in errors if "Content Security Policy" in e], errors
