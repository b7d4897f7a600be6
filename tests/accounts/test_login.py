"""Logging in through the real two-factor pages: password, then a TOTP or SMS code."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sms
from accounts.constants import LoginResult, SecondFactorUsed
from accounts.models import LoginEvent
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/account/login/"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) TestBrowser/1.0"


def post_password(client, username, password=TEST_PASSWORD, **extra):
    return client.post(
        LOGIN,
        {"login_view-current_step": "auth", "auth-username": username, "auth-password": password},
        HTTP_USER_AGENT=BROWSER,
        **extra,
    )


def post_token(client, token):
    return client.post(
        LOGIN,
        {"login_view-current_step": "token", "token-otp_token": token},
        HTTP_USER_AGENT=BROWSER,
    )


def current_totp(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def sms_code() -> str:
    number, text = sms.outbox[-1]
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_login_with_totp(client):
    user = UserFactory(with_totp_device=True)
    response = post_password(client, user.username)
    assert response.status_code == 200
    assert 'name="token-otp_token"' in response.content.decode()

    response = post_token(client, current_totp(user.totpdevice_set.get()))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    event = LoginEvent.objects.get(user=user)
    assert event.result == LoginResult.SUCCESS
    assert event.second_factor == SecondFactorUsed.TOTP
    assert event.user_agent == BROWSER


def test_login_with_sms(client):
    user = UserFactory(with_sms_device=True)
    response = post_password(client, user.username)
    assert response.status_code == 200
    assert len(sms.outbox) == 1
    assert sms.outbox[0][0] == str(user.phonedevice_set.get().number)

    response = post_token(client, sms_code())
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert LoginEvent.objects.get(user=user).second_factor == SecondFactorUsed.SMS


def test_wrong_password_shows_error_and_is_recorded(client):
    user = UserFactory(with_totp_device=True)
    response = post_password(client, user.username, "wrong-password")
    assert response.status_code == 200
    assert 'name="auth-password"' in response.content.decode()
    assert LoginEvent.objects.get(username=user.username).result == LoginResult.WRONG_PASSWORD
    assert client.get(reverse("home")).status_code == 302


def test_wrong_code_is_refused_and_recorded(client):
    user = UserFactory(with_totp_device=True)
    post_password(client, user.username)
    good = current_totp(user.totpdevice_set.get())
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = post_token(client, wrong)
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302
    assert LoginEvent.objects.filter(user=user, result=LoginResult.WRONG_TOKEN).count() == 1


def test_totp_code_cannot_be_reused(client, django_user_model):
    user = UserFactory(with_totp_device=True)
    device = user.totpdevice_set.get()
    post_password(client, user.username)
    code = current_totp(device)
    assert post_token(client, code).status_code == 302

    client.logout()
    post_password(client, user.username)
    response = post_token(client, code)
    assert response.status_code == 200, "the same TOTP code was accepted twice"
    assert client.get(reverse("home")).status_code == 302


def test_sms_code_cannot_be_reused(client):
    user = UserFactory(with_sms_device=True)
    post_password(client, user.username)
    code = sms_code()
    assert post_token(client, code).status_code == 302

    client.logout()
    sms.outbox.clear()
    post_password(client, user.username)  # sends another SMS (the same code within its step)
    response = post_token(client, code)
    assert response.status_code == 200, "the same SMS code was accepted twice"
    assert client.get(reverse("home")).status_code == 302


def test_reloading_the_sms_step_sends_a_limited_number_of_texts(client, settings):
    user = UserFactory(with_sms_device=True)
    for _ in range(10):
        post_password(client, user.username)
    assert len(sms.outbox) == settings.SMS_THROTTLE_PER_USER


def test_sms_throttle_per_ip_across_users(client, settings):
    settings.SMS_THROTTLE_PER_IP = 4
    for _ in range(6):
        user = UserFactory(with_sms_device=True)
        post_password(client, user.username, REMOTE_ADDR="203.0.113.9")
    assert len(sms.outbox) == 4


def test_backup_code_logs_in(client):
    user = UserFactory(with_totp_device=True)
    static = user.staticdevice_set.create(name="backup")
    static.token_set.create(token="abcd1234")
    post_password(client, user.username)
    client.post(LOGIN, {"wizard_goto_step": "backup"}, HTTP_USER_AGENT=BROWSER)
    response = client.post(
        LOGIN,
        {"login_view-current_step": "backup", "backup-otp_token": "abcd1234"},
        HTTP_USER_AGENT=BROWSER,
    )
    assert response.status_code == 302
    assert LoginEvent.objects.get(user=user).second_factor == SecondFactorUsed.BACKUP
    assert not static.token_set.exists(), "a backup code works once"


def test_user_without_device_must_enrol(client):
    user = UserFactory()
    response = post_password(client, user.username)
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:setup"))
    assert client.get(reverse("two_factor:setup")).status_code == 200


def test_enrolling_a_totp_device_verifies_the_session(client):
    user = UserFactory()
    post_password(client, user.username)
    setup = reverse("two_factor:setup")
    client.post(setup, {"setup_view-current_step": "welcome"})
    client.post(setup, {"setup_view-current_step": "method", "method-method": "generator"})
    key = client.session["django_two_factor-qr_secret_key"]
    from base64 import b32decode

    from django_otp.oath import TOTP

    secret = b32decode(key + "=" * (-len(key) % 8))
    code = f"{TOTP(secret).token():06d}"
    response = client.post(setup, {"setup_view-current_step": "generator", "generator-token": code})
    assert response.status_code == 302
    assert user.totpdevice_set.filter(confirmed=True).exists()
    assert client.get(reverse("accounts:profiel")).status_code == 200


def test_sms_enrolment_refuses_foreign_numbers(client):
    user = UserFactory()
    post_password(client, user.username)
    setup = reverse("two_factor:setup")
    client.post(setup, {"setup_view-current_step": "welcome"})
    client.post(setup, {"setup_view-current_step": "method", "method-method": "sms"})
    response = client.post(
        setup, {"setup_view-current_step": "sms", "sms-number": "+4915123456789"}
    )
    assert response.status_code == 200
    assert "06" in response.content.decode()
    assert not sms.outbox


def test_session_id_rotates_at_login(client):
    user = UserFactory(with_totp_device=True)
    client.get(LOGIN)
    before = client.cookies["sessionid"].value
    post_password(client, user.username)
    post_token(client, current_totp(user.totpdevice_set.get()))
    assert client.cookies["sessionid"].value != before


def test_logout_needs_post_and_ends_the_session(client):
    user = UserFactory(with_totp_device=True)
    post_password(client, user.username)
    post_token(client, current_totp(user.totpdevice_set.get()))
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_deactivated_user_loses_the_session(client):
    user = UserFactory(with_totp_device=True)
    post_password(client, user.username)
    post_token(client, current_totp(user.totpdevice_set.get()))
    user.is_active = False
    user.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
