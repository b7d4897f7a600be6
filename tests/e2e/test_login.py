"""A new user's first minutes, in a real browser: log in with password and TOTP, switch language
and organisation, log out."""

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from accounts.constants import Rol
from tests.factories import TEST_PASSWORD, LidmaatschapFactory, OrganisatieFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def totp_code(user) -> str:
    device = user.totpdevice_set.get()
    return f"{TOTP(device.bin_key).token():06d}"


def log_in(page: Page, base_url: str, user) -> None:
    """Log in through the real pages with the password and a fresh TOTP code."""
    # A code is accepted once; a test that logs the same person in twice within one 30-second
    # step would otherwise be refused (as it should be in real life).
    user.totpdevice_set.update(last_t=-1)
    page.goto(f"{base_url}/")
    expect(page.get_by_role("heading", name="Inloggen")).to_be_visible()
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_label("Code").fill(totp_code(user))
    page.get_by_role("button", name="Bevestig").click()


def test_login_switch_language_and_organisation(page: Page, live_server):
    first = OrganisatieFactory(naam="Accountants Alpha B.V.")
    second = OrganisatieFactory(naam="Loonbureau Beta B.V.")
    user = UserFactory(with_totp_device=True, voorletters="A.B.M.", last_name="Pietersen")
    LidmaatschapFactory(user=user, organisatie=first, rol=Rol.BEHEERDER)
    LidmaatschapFactory(user=user, organisatie=second, rol=Rol.BEHEERDER)

    log_in(page, live_server.url, user)
    expect(page.get_by_role("heading", name="Welkom, A.B.M. Pietersen")).to_be_visible()
    expect(page.locator(".kp-sidebar__organisatie")).to_have_text("Accountants Alpha B.V.")

    page.get_by_role("button", name="Loonbureau Beta B.V.").click()
    expect(page.locator(".kp-sidebar__organisatie")).to_have_text("Loonbureau Beta B.V.")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Welcome, A.B.M. Pietersen")).to_be_visible()
    page.get_by_role("link", name="users", exact=True).click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()

    page.locator("summary", has_text="A.B.M. Pietersen").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
