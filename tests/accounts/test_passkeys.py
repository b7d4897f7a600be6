"""Passkeys as a second factor: the login's second step, registration rules, renaming and
removing (never the last factor), audit and e-mail. The WebAuthn ceremony itself is the
library's and runs in a real browser in tests/e2e/test_passkeys.py; here the library's helper
is replaced so the portal's rules around it can be tested directly."""

import json
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp_webauthn.models import WebAuthnCredential

from accounts.constants import SecondFactorUsed
from accounts.models import AuditEntry, LoginEvent
from accounts.reauth import REAUTH_SESSION_KEY
from outbox.models import Mail
from tests.accounts.test_login import post_password
from tests.conftest import verified_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
HELPER = "django_otp_webauthn.helpers.WebAuthnHelper"


def passkey_of(user, name="Passkey 1") -> WebAuthnCredential:
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        confirmed=True,
        credential_id=b"id-" + user.username.encode(),
        public_key=b"key",
        sign_count=0,
    )


def post_json(client, name, data=None):
    return client.post(
        reverse(f"otp_webauthn:{name}"), json.dumps(data or {}), content_type="application/json"
    )


def use_passkey(client, device):
    with (
        mock.patch(f"{HELPER}.authenticate_begin", return_value=({"challenge": "x"}, {"s": 1})),
        mock.patch(f"{HELPER}.authenticate_complete", return_value=device),
    ):
        begin = post_json(client, "credential-authentication-begin")
        complete = post_json(client, "credential-authentication-complete", {"id": "x"})
    return begin, complete


def test_the_code_page_offers_a_passkey_to_a_person_who_has_one():
    user = UserFactory(with_totp_device=True)
    page = post_password(Client(), user.username).content.decode()
    assert "passkey-verification-placeholder" not in page
    passkey_of(user)
    page = post_password(Client(), user.username).content.decode()
    assert "passkey-verification-placeholder" in page
    assert 'id="otp_webauthn_config"' in page
    assert "otp_webauthn_auth.js" in page
    # the library's scripts carry the nonce; no inline script runs
    assert 'otp_webauthn_auth.js" nonce="' in page


def test_a_passkey_completes_the_login_after_the_password():
    user = UserFactory(with_totp_device=True)
    device = passkey_of(user)
    client = Client()
    post_password(client, user.username)
    begin, complete = use_passkey(client, device)
    assert begin.status_code == 200
    assert complete.status_code == 200, complete.content
    assert complete.json()["redirect_url"] == "/"
    assert client.get(reverse("home")).status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert LoginEvent.objects.get(user=user).second_factor == SecondFactorUsed.PASSKEY


def test_no_passkey_ceremony_without_the_password_first():
    user = UserFactory(with_totp_device=True)
    device = passkey_of(user)
    client = Client()
    begin, complete = use_passkey(client, device)
    assert begin.status_code == 403
    assert complete.status_code in (400, 403)
    assert "_auth_user_id" not in client.session


def test_another_persons_passkey_does_not_complete_the_login():
    user = UserFactory(with_totp_device=True)
    other = passkey_of(UserFactory(with_totp_device=True))
    client = Client()
    post_password(client, user.username)
    _begin, complete = use_passkey(client, other)
    assert complete.status_code >= 400
    assert "_auth_user_id" not in client.session


def test_the_verify_page_takes_a_passkey():
    user = UserFactory(with_totp_device=True)
    device = passkey_of(user)
    client = Client()
    client.force_login(user)
    assert (
        "passkey-verification-placeholder"
        in client.get(reverse("accounts:verify")).content.decode()
    )
    _begin, complete = use_passkey(client, device)
    assert complete.status_code == 200
    assert client.get(reverse("home")).status_code == 200


def recent(client):
    session = client.session
    session[REAUTH_SESSION_KEY] = int(timezone.now().timestamp())
    session.save()
    return client


def test_registering_needs_a_recent_password():
    user = UserFactory(with_totp_device=True)
    client = verified_client(user)
    response = client.get(reverse("accounts:passkeys"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))
    assert post_json(client, "credential-registration-begin").status_code == 403
    recent(client)
    page = client.get(reverse("accounts:passkeys")).content.decode()
    assert "passkey-registration-placeholder" in page
    assert 'otp_webauthn_register.js" nonce="' in page


def test_registering_needs_a_verified_session():
    user = UserFactory(with_totp_device=True)
    client = Client()
    client.force_login(user)
    recent(client)
    assert post_json(client, "credential-registration-begin").status_code in (302, 403)


def test_a_registered_passkey_is_named_audited_and_mailed():
    user = UserFactory(with_totp_device=True)
    client = recent(verified_client(user))

    def complete(self, *, user, state, data):
        return WebAuthnCredential.objects.create(
            user=user, credential_id=b"nieuw", public_key=b"k", sign_count=0, confirmed=True
        )

    with (
        mock.patch(f"{HELPER}.register_begin", return_value=({"challenge": "x"}, {"s": 1})),
        mock.patch(f"{HELPER}.register_complete", autospec=True, side_effect=complete),
    ):
        assert post_json(client, "credential-registration-begin").status_code == 200
        response = post_json(client, "credential-registration-complete", {"id": "x"})
    assert response.status_code == 200, response.content
    passkey = WebAuthnCredential.objects.get(user=user)
    assert passkey.name.startswith("Passkey")
    assert AuditEntry.objects.filter(message="passkey added", object_id=str(user.pk)).exists()
    assert Mail.objects.filter(ontvanger=user.email, params__change="passkey_added").exists()


def test_a_passkey_is_renamed_and_removed_audited():
    user = UserFactory(with_totp_device=True)
    passkey = passkey_of(user)
    client = recent(verified_client(user))
    url = reverse("accounts:passkeys")
    client.post(url, {"action": "rename", "passkey": passkey.pk, "name": "Mijn laptop"})
    passkey.refresh_from_db()
    assert passkey.name == "Mijn laptop"
    assert "Mijn laptop" in client.get(url).content.decode()
    client.post(url, {"action": "rename", "passkey": passkey.pk, "name": "default"})
    passkey.refresh_from_db()
    assert passkey.name == "Mijn laptop"
    client.post(url, {"action": "remove", "passkey": passkey.pk})
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    messages = list(AuditEntry.objects.values_list("message", flat=True))
    assert "passkey renamed" in messages and "passkey removed" in messages
    assert Mail.objects.filter(params__change="passkey_removed").exists()


def test_the_last_factor_cannot_be_removed():
    user = UserFactory()
    passkey = passkey_of(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = passkey.persistent_id
    session.save()
    recent(client)
    response = client.post(
        reverse("accounts:passkeys"), {"action": "remove", "passkey": passkey.pk}, follow=True
    )
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert "only second factor" in response.content.decode() or "enige" in response.content.decode()


def test_another_persons_passkey_cannot_be_touched():
    user = UserFactory(with_totp_device=True)
    other = passkey_of(UserFactory(with_totp_device=True))
    client = recent(verified_client(user))
    url = reverse("accounts:passkeys")
    assert client.post(url, {"action": "remove", "passkey": other.pk}).status_code == 404
    assert (
        client.post(url, {"action": "rename", "passkey": other.pk, "name": "x"}).status_code == 404
    )
    assert WebAuthnCredential.objects.filter(pk=other.pk, name="Passkey 1").exists()
