"""Guessing passwords (ASVS finding 2): a username is locked whatever the browser or address,
one address is limited over all usernames (spraying), and the last attempt warns."""

import pytest
from django.test import Client

from accounts.constants import LoginResult
from accounts.models import LoginEvent
from tests.accounts.test_login import post_password
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_changing_the_browser_does_not_lift_the_lock(client):
    user = UserFactory(with_totp_device=True)
    for _ in range(5):
        post_password(client, user.username, "wrong")
    response = Client().post(
        "/account/login/",
        {
            "login_view-current_step": "auth",
            "auth-username": user.username,
            "auth-password": TEST_PASSWORD,
        },
        HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Another/1.0",
    )
    assert response.status_code == 429
    from_elsewhere = post_password(
        Client(), user.username, TEST_PASSWORD, REMOTE_ADDR="198.51.100.7"
    )
    assert from_elsewhere.status_code == 429
    assert 'name="token-otp_token"' not in from_elsewhere.content.decode()


def test_the_last_attempt_before_the_lock_warns(client):
    user = UserFactory(with_totp_device=True)
    for _ in range(3):
        page = post_password(client, user.username, "wrong").content.decode()
        assert "one more wrong attempt" not in page and "nog één" not in page
    page = post_password(client, user.username, "wrong", HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200
    assert "Let op: na nog één mislukte poging wordt dit account 30 minuten geblokkeerd" in (
        page.content.decode()
    )


def test_one_address_trying_many_usernames_is_stopped(client, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 10
    users = [UserFactory(with_totp_device=True) for _ in range(6)]
    for user in users[:5]:
        for _ in range(2):  # under the per-username limit
            assert post_password(client, user.username, "wrong").status_code == 200
    # Ten wrong passwords from this address: the next attempt is refused, even a right one.
    response = post_password(client, users[5].username, TEST_PASSWORD)
    assert response.status_code == 429
    assert LoginEvent.objects.filter(result=LoginResult.LOCKED_OUT).exists()
    # Another address is not affected.
    elsewhere = post_password(
        Client(), users[5].username, TEST_PASSWORD, REMOTE_ADDR="198.51.100.9"
    )
    assert 'name="token-otp_token"' in elsewhere.content.decode()
