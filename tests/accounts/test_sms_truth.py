"""The SMS step tells the truth: a fresh code per attempt, "stuur opnieuw" within the limits,
no claim of a text that was not sent, a masked number, and a backup phone number."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from two_factor.plugins.phonenumber.models import PhoneDevice

from accounts import sms
from accounts.constants import LoginResult, SecondFactorUsed
from accounts.models import AuditEntry, LoginEvent
from accounts.reauth import REAUTH_SESSION_KEY
from outbox.models import Mail
from tests.accounts.test_login import LOGIN, post_password, post_token, sms_code
from tests.accounts.test_sms_window import aligned_start, at
from tests.factories import PhoneDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db
SENT = "Wij hebben een sms met een code naar"
NOT_SENT = "Er is geen sms naar"


def resend(client, device):
    return client.post(
        LOGIN,
        {"login_view-current_step": "token", "challenge_device": device.persistent_id},
    )


def test_the_number_is_shown_masked():
    user = UserFactory(with_sms_device=True)
    user.phonedevice_set.update(number="+31612345678")
    page = post_password(Client(), user.username).content.decode()
    assert "06-****5678" in page
    assert "612345678" not in page


def test_a_second_login_in_the_same_half_minute_gets_a_fresh_code():
    user = UserFactory(with_sms_device=True)
    start = aligned_start()
    with at(start, 1):
        first = Client()
        post_password(first, user.username)
        first_code = sms_code()
        assert post_token(first, first_code).status_code == 302
    with at(start, 10):
        second = Client()
        post_password(second, user.username)
        second_code = sms_code()
        assert second_code != first_code
        assert post_token(second, second_code).status_code == 302
    assert second.get(reverse("home")).status_code == 200
    events = LoginEvent.objects.filter(user=user, result=LoginResult.SUCCESS)
    assert [e.second_factor for e in events] == [SecondFactorUsed.SMS] * 2


def test_send_again_sends_a_new_code_and_counts_against_the_limit(settings):
    settings.SMS_THROTTLE_PER_USER = 2
    user = UserFactory(with_sms_device=True)
    device = user.phonedevice_set.get()
    client = Client()
    page = post_password(client, user.username).content.decode()
    assert "Send a new code" in page or "Stuur opnieuw" in page
    first = sms_code()
    page = resend(client, device).content.decode()
    assert len(sms.outbox) == 2
    second = sms_code()
    assert second != first
    assert SENT in page
    # the limit is reached: no text, and the page says so, with when the next one can be sent
    page = resend(client, device).content.decode()
    assert len(sms.outbox) == 2
    assert SENT not in page
    assert NOT_SENT in page
    assert re.search(r"Vanaf \d\d:\d\d kunt u een nieuwe code aanvragen", page)
    # the last code that was sent still works
    assert post_token(client, second).status_code == 302


def test_the_first_page_after_the_limit_does_not_claim_a_text(settings):
    settings.SMS_THROTTLE_PER_USER = 1
    user = UserFactory(with_sms_device=True)
    post_password(Client(), user.username)
    page = post_password(Client(), user.username).content.decode()
    assert len(sms.outbox) == 1
    assert NOT_SENT in page


def test_the_verify_page_tells_the_truth_and_sends_again(settings):
    settings.SMS_THROTTLE_PER_USER = 2
    user = UserFactory(with_sms_device=True)
    client = Client()
    client.force_login(user)
    page = client.get(reverse("accounts:verify")).content.decode()
    assert SENT in page and len(sms.outbox) == 1
    page = client.post(reverse("accounts:verify"), {"resend": "1"}).content.decode()
    assert len(sms.outbox) == 2
    page = client.post(reverse("accounts:verify"), {"resend": "1"}).content.decode()
    assert len(sms.outbox) == 2
    assert NOT_SENT in page


def verified_client(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.phonedevice_set.get(name="default").persistent_id
    from django.utils import timezone

    session[REAUTH_SESSION_KEY] = int(timezone.now().timestamp())
    session.save()
    return client


def test_a_backup_phone_is_registered_with_a_code_audited_and_mailed():
    user = UserFactory(with_sms_device=True)
    client = verified_client(user)
    url = reverse("two_factor:phone_create")
    response = client.post(
        url, {"backup_phone_setup_view-current_step": "setup", "setup-number": "0687654321"}
    )
    assert response.status_code == 200, response.content
    code = sms_code()
    assert sms.outbox[-1][0] == "+31687654321"
    response = client.post(
        url, {"backup_phone_setup_view-current_step": "validation", "validation-token": code}
    )
    assert response.status_code == 302
    backup = PhoneDevice.objects.get(user=user, name="backup")
    assert str(backup.number) == "+31687654321"
    assert AuditEntry.objects.filter(object_id=str(user.pk), message="second factor added")
    assert Mail.objects.filter(ontvanger=user.email).exists()
    assert "06-****4321" in client.get(reverse("two_factor:profile")).content.decode()


def test_a_backup_phone_needs_a_recent_password():
    user = UserFactory(with_sms_device=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = user.phonedevice_set.get().persistent_id
    session.save()
    response = client.get(reverse("two_factor:phone_create"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))


def test_a_backup_phone_is_offered_and_works_at_login():
    user = UserFactory(with_totp_device=True)
    backup = PhoneDeviceFactory(user=user, name="backup", number="+31687654321")
    client = Client()
    page = post_password(client, user.username).content.decode()
    assert "Stuur een sms naar 06-****4321" in page
    assert len(sms.outbox) == 0
    page = resend(client, backup).content.decode()
    assert sms.outbox[-1][0] == "+31687654321"
    assert post_token(client, sms_code()).status_code == 302
    assert LoginEvent.objects.get(user=user).second_factor == SecondFactorUsed.SMS


def test_a_backup_phone_is_removed_and_audited():
    user = UserFactory(with_sms_device=True)
    backup = PhoneDeviceFactory(user=user, name="backup", number="+31687654321")
    client = verified_client(user)
    other = PhoneDeviceFactory(name="backup")
    assert client.post(reverse("two_factor:phone_delete", args=[other.pk])).status_code == 404
    main = user.phonedevice_set.get(name="default")
    assert client.post(reverse("two_factor:phone_delete", args=[main.pk])).status_code == 404
    response = client.post(reverse("two_factor:phone_delete", args=[backup.pk]))
    assert response.status_code == 302
    assert not PhoneDevice.objects.filter(pk=backup.pk).exists()
    assert AuditEntry.objects.filter(message="backup phone removed").count() == 1


def test_a_wrong_code_neither_claims_a_new_text_nor_denies_one():
    user = UserFactory(with_sms_device=True)
    client = Client()
    post_password(client, user.username)
    page = post_token(client, "000000").content.decode()
    assert len(sms.outbox) == 1
    assert SENT not in page and NOT_SENT not in page
    assert "Vul de code in uit de sms die naar 06-****" in page
