"""Brute force and recovery: lockout, password reset and username recovery reveal nothing."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.constants import LoginResult
from accounts.models import LoginEvent
from tests.accounts.test_login import post_password
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_five_failures_lock_out_and_the_sixth_attempt_is_refused(client):
    user = UserFactory(with_totp_device=True)
    for _ in range(4):
        response = post_password(client, user.username, "wrong")
        assert response.status_code == 200
    response = post_password(client, user.username, "wrong")  # the fifth failure locks
    assert response.status_code == 429
    response = post_password(client, user.username, "wrong")
    assert response.status_code == 429
    assert "30" in response.content.decode()
    # Even the right password is refused now, from this browser and address.
    response = post_password(client, user.username, TEST_PASSWORD)
    assert response.status_code == 429
    assert LoginEvent.objects.filter(user=user, result=LoginResult.LOCKED_OUT).exists()


def reset(client, value):
    return client.post(reverse("accounts:password_reset"), {"email": value})


def test_reset_for_known_and_unknown_looks_the_same(client):
    user = UserFactory(email="known@example.nl")
    known = reset(client, "known@example.nl")
    unknown = reset(client, "nobody@example.nl")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]


def test_reset_by_username_mails_the_registered_address(client):
    user = UserFactory(username="j.jansen", email="jan@example.nl")
    reset(client, "j.jansen")
    assert mail.outbox[0].to == ["jan@example.nl"]
    assert user.username in mail.outbox[0].body


def test_reset_link_sets_password_but_never_logs_in(client):
    user = UserFactory(with_totp_device=True, email="known@example.nl")
    reset(client, "known@example.nl")
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "Een-nieuw-wachtwoord-42", "new_password2": "Een-nieuw-wachtwoord-42"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Een-nieuw-wachtwoord-42")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_username_recovery_reveals_nothing(client):
    UserFactory(username="piet", email="piet@example.nl")
    UserFactory(username="piet2", email="piet@example.nl")
    known = client.post(reverse("accounts:username_recovery"), {"email": "piet@example.nl"})
    unknown = client.post(reverse("accounts:username_recovery"), {"email": "x@example.nl"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert "piet" in mail.outbox[0].body and "piet2" in mail.outbox[0].body
