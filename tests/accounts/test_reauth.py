"""Security row 27: a verified person who adds a second factor, makes new backup codes or changes
the e-mail address enters the password again; the change is audited and mailed to the person."""

import datetime as dt
from base64 import b32decode

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.constants import AuditKind, LoginResult
from accounts.models import AuditEntry, LoginEvent
from tests.accounts.test_login import post_password
from tests.conftest import verified_client
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REAUTH = reverse("accounts:reauth")
SETUP = reverse("two_factor:setup")
QR = reverse("two_factor:qr")
BACKUP = reverse("two_factor:backup_tokens")
PROFIEL = reverse("accounts:profiel")


def audit_rows(user):
    return AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))


def sent_to_reauth(response, next_path: str) -> bool:
    return response.status_code == 302 and response["Location"] == (
        f"{REAUTH}?next={next_path.replace('/', '%2F')}"
    )


def confirm_password(client, password=TEST_PASSWORD, next_path=""):
    return client.post(REAUTH, {"password": password, "next": next_path})


def enrol_totp(client):
    """Walk the setup wizard with an authenticator app; the answer to the last step."""
    client.post(SETUP, {"setup_view-current_step": "welcome"})
    client.post(SETUP, {"setup_view-current_step": "method", "method-method": "generator"})
    key = client.session["django_two_factor-qr_secret_key"]
    secret = b32decode(key + "=" * (-len(key) % 8))
    code = f"{TOTP(secret).token():06d}"
    return client.post(SETUP, {"setup_view-current_step": "generator", "generator-token": code})


def profiel_data(**values):
    return {"telefoonnummer": "", "taal": "nl", "email_berichten": "on", **values}


# --- A second factor ----------------------------------------------------------------------------


def test_adding_a_second_factor_asks_the_password_again_audits_and_mails(
    beheerder, django_capture_on_commit_callbacks
):
    client = verified_client(beheerder)
    assert beheerder.totpdevice_set.count() == 1

    # Without a recent password every step of the setup and its QR code lead to the password.
    response = client.post(SETUP, {"setup_view-current_step": "welcome"})
    assert sent_to_reauth(response, SETUP)
    assert sent_to_reauth(client.get(QR), QR)
    assert sent_to_reauth(client.get(SETUP), SETUP)
    response = client.post(
        SETUP, {"setup_view-current_step": "method", "method-method": "generator"}
    )
    assert sent_to_reauth(response, SETUP)
    assert "django_two_factor-qr_secret_key" not in client.session
    assert beheerder.totpdevice_set.count() == 1
    assert not audit_rows(beheerder).exists()

    page = client.get(f"{REAUTH}?next={SETUP}")
    assert page.status_code == 200
    assert "Bevestig uw wachtwoord" in page.content.decode()
    response = confirm_password(client, next_path=SETUP)
    assert response.status_code == 302 and response["Location"] == SETUP

    with django_capture_on_commit_callbacks(execute=True):
        response = enrol_totp(client)
    assert response.status_code == 302
    assert beheerder.totpdevice_set.filter(confirmed=True).count() == 2

    (entry,) = audit_rows(beheerder)
    assert entry.kind == AuditKind.BEVEILIGING
    assert entry.actor == beheerder
    assert entry.changes == {"second_factor": {"old": None, "new": "totp"}}

    (message,) = mail.outbox
    assert message.to == [beheerder.email]
    assert "tweede factor" in message.subject
    assert "beheerder van uw organisatie" in message.body


def test_a_wrong_password_is_a_form_error_and_changes_nothing(beheerder):
    client = verified_client(beheerder)
    response = confirm_password(client, "niet-mijn-wachtwoord", next_path=SETUP)
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["Dit wachtwoord is niet juist."]}
    assert LoginEvent.objects.filter(user=beheerder, result=LoginResult.WRONG_PASSWORD).exists()

    assert sent_to_reauth(client.post(SETUP, {"setup_view-current_step": "welcome"}), SETUP)
    assert sent_to_reauth(client.post(BACKUP), BACKUP)
    assert beheerder.totpdevice_set.count() == 1
    assert not StaticToken.objects.filter(device__user=beheerder).exists()
    assert not audit_rows(beheerder).exists()
    assert not mail.outbox


def test_wrong_passwords_on_the_password_page_count_towards_the_lockout(beheerder):
    client = verified_client(beheerder)
    for _ in range(4):
        assert confirm_password(client, "fout").status_code == 200
    assert confirm_password(client, "fout").status_code == 429  # the fifth failure locks
    # Now even the right password is refused from this browser and address.
    assert confirm_password(client, TEST_PASSWORD, next_path=SETUP).status_code == 429
    assert sent_to_reauth(client.post(BACKUP), BACKUP)
    assert LoginEvent.objects.filter(user=beheerder, result=LoginResult.LOCKED_OUT).exists()


def test_the_password_counts_for_a_few_minutes_only(beheerder, settings):
    client = verified_client(beheerder)
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC), tick=False) as clock:
        confirm_password(client)
        response = client.post(SETUP, {"setup_view-current_step": "welcome"})
        assert response.status_code == 200  # the wizard's next step
        clock.shift(settings.REAUTH_MAX_AGE_SECONDS + 1)
        response = client.post(SETUP, {"setup_view-current_step": "welcome"})
        assert sent_to_reauth(response, SETUP)


@pytest.mark.parametrize("evil", ["//evil.nl", "https://evil.nl/", "javascript:alert(1)", "abc"])
def test_the_password_page_sends_on_inside_the_site_only(beheerder, evil):
    client = verified_client(beheerder)
    assert client.get(REAUTH, {"next": evil}).status_code == 200
    response = confirm_password(client, next_path=evil)
    assert response.status_code == 302
    assert response["Location"] == PROFIEL


# --- Backup codes -------------------------------------------------------------------------------


def test_regenerating_backup_codes_asks_the_password_again_audits_and_mails(
    beheerder, django_capture_on_commit_callbacks
):
    device = StaticDevice.objects.create(user=beheerder, name="backup")
    old_codes = ["oudcode1", "oudcode2", "oudcode3"]
    for code in old_codes:
        device.token_set.create(token=code)
    client = verified_client(beheerder)

    assert sent_to_reauth(client.post(BACKUP), BACKUP)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == old_codes

    confirm_password(client, next_path=BACKUP)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(BACKUP)
    assert response.status_code == 200
    new_codes = set(
        StaticToken.objects.filter(device__user=beheerder).values_list("token", flat=True)
    )
    assert len(new_codes) == 10 and not new_codes & set(old_codes)
    html = response.content.decode()
    assert all(code in html for code in new_codes), "the new codes are shown, once"

    (entry,) = audit_rows(beheerder)
    assert entry.kind == AuditKind.BEVEILIGING
    assert entry.changes == {"backup_codes": {"old": 3, "new": 10}}
    assert not any(code in str(entry.changes) + entry.message for code in new_codes)

    (message,) = mail.outbox
    assert message.to == [beheerder.email]
    assert "back-upcodes" in message.subject
    assert not any(code in message.body for code in new_codes)

    # Shown once: the page never shows them again.
    html = client.get(BACKUP).content.decode()
    assert not any(code in html for code in new_codes)


def test_existing_backup_codes_are_not_shown_again(beheerder):
    client = verified_client(beheerder)
    html = client.get(BACKUP).content.decode()
    assert "U heeft nog geen back-upcodes." in html
    assert not StaticDevice.objects.filter(user=beheerder).exists(), "a GET makes nothing"

    device = StaticDevice.objects.create(user=beheerder, name="backup")
    for code in ("geheim01", "geheim02"):
        device.token_set.create(token=code)
    response = client.get(BACKUP)
    html = response.content.decode()
    assert response.status_code == 200
    assert "geheim01" not in html and "geheim02" not in html
    assert "U heeft nog 2 back-upcodes." in html
    assert 'type="submit"' in html


# --- The e-mail address -------------------------------------------------------------------------


def test_changing_the_email_address_asks_the_password_again_audits_and_mails(
    beheerder, django_capture_on_commit_callbacks
):
    beheerder.taal = "en"
    beheerder.save()
    old_email = beheerder.email
    client = verified_client(beheerder)

    for password, error in (
        ("", "Enter your current password to change your e-mail address."),
        ("niet-mijn-wachtwoord", "This password is not correct."),
    ):
        data = profiel_data(email="nieuw@example.nl", taal="en", password=password)
        response = client.post(PROFIEL, data)
        assert response.status_code == 200
        assert response.context["form"].errors == {"password": [error]}
    beheerder.refresh_from_db()
    assert beheerder.email == old_email
    assert not audit_rows(beheerder).exists()

    data = profiel_data(email="nieuw@example.nl", taal="en", password=TEST_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROFIEL, data)
    assert response.status_code == 302
    beheerder.refresh_from_db()
    assert beheerder.email == "nieuw@example.nl"

    (entry,) = audit_rows(beheerder)
    assert entry.changes["email"] == {"old": old_email, "new": "nieuw@example.nl"}
    assert TEST_PASSWORD not in str(entry.changes)

    assert sorted(m.to[0] for m in mail.outbox) == sorted([old_email, "nieuw@example.nl"]), (
        "the old address hears of it too"
    )
    for message in mail.outbox:
        assert message.subject == "Ketenportal: the e-mail address of your account was changed"
        assert old_email in message.body and "nieuw@example.nl" in message.body
        assert "Contact the beheerder of your organisation" in message.body


def test_saving_the_profile_with_the_same_email_address_needs_no_password(
    beheerder, django_capture_on_commit_callbacks
):
    client = verified_client(beheerder)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROFIEL, profiel_data(email=beheerder.email, taal="en"))
    assert response.status_code == 302
    beheerder.refresh_from_db()
    assert beheerder.taal == "en"
    assert not mail.outbox


# --- The first second factor --------------------------------------------------------------------


def test_first_enrolment_right_after_login_needs_no_password_again(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory()
    assert post_password(client, user.username).status_code == 302
    assert client.get(SETUP).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = enrol_totp(client)
    assert response.status_code == 302
    assert user.totpdevice_set.filter(confirmed=True).count() == 1
    assert client.get(PROFIEL).status_code == 200
    # The first device is a change of how the person logs in too: audited and mailed.
    assert audit_rows(user).get().changes["second_factor"]["new"] == "totp"
    assert [m.to for m in mail.outbox] == [[user.email]]

    # The password was entered at the login a moment ago: the first backup codes follow at once.
    response = client.post(BACKUP)
    assert response.status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 10
