"""Brute force and recovery: lockout, password reset and username recovery reveal nothing."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
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


@pytest.fixture(autouse=True)
def _deliver(monkeypatch):
    """Run what the views dispatch after commit (the task, then the outbox delivery) as the
    request ends, as the worker would right after it."""
    from django.test import TestCase

    original = Client.post

    def post(self, *args, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(Client, "post", post)


def reset(client, value, **extra):
    return client.post(reverse("accounts:password_reset"), {"email": value}, **extra)


def test_reset_for_known_and_unknown_looks_the_same(client):
    user = UserFactory(email="known@example.nl")
    known = reset(client, "known@example.nl")
    unknown = reset(client, "nobody@example.nl")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]


@pytest.mark.parametrize("url", ["accounts:password_reset", "accounts:username_recovery"])
def test_known_and_unknown_accounts_cost_the_request_the_same_work(client, url):
    """ASVS finding 3: the e-mail was sent inside the request for a known account only (55 ms
    against 6 ms). Now the request does the same work for both: the same queries and one task
    with what was typed; the lookup and the e-mail happen in the worker."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    UserFactory(username="bekend", email="bekend@example.nl")
    work = {}
    for value in ("bekend@example.nl", "onbekend@example.nl"):
        with (
            CaptureQueriesContext(connection) as queries,
            mock.patch("accounts.views.dispatch") as dispatched,
        ):
            response = client.post(reverse(url), {"email": value})
        assert response.status_code == 302
        work[value] = (
            [
                re.sub(r'"s\d+_x\d+"', "SP", q["sql"].split(" WHERE")[0])
                for q in queries.captured_queries
            ],
            [(call.args[0].name, call.args[1] == value) for call in dispatched.call_args_list],
        )
    assert work["bekend@example.nl"] == work["onbekend@example.nl"]
    assert not any("accounts_user" in sql for sql in work["bekend@example.nl"][0])
    assert len(work["bekend@example.nl"][1]) == 1


def test_reset_links_come_from_site_url_not_the_host_header(client, settings):
    settings.SITE_URL = "https://portaal.example.nl"
    settings.ALLOWED_HOSTS = ["*"]
    UserFactory(email="known@example.nl")
    reset(client, "known@example.nl", HTTP_HOST="evil.example")
    body = mail.outbox[0].body
    assert "https://portaal.example.nl/account/" in body and "evil.example" not in body


def test_reset_requests_are_limited_per_address_and_per_recipient(client, settings):
    settings.MAIL_THROTTLE_PER_RECIPIENT = 2
    settings.MAIL_THROTTLE_PER_IP = 4
    UserFactory(email="known@example.nl")
    for _ in range(3):
        assert reset(client, "known@example.nl").status_code == 302
    assert len(mail.outbox) == 2  # the third to one recipient is dropped, silently
    assert reset(client, "nobody@example.nl").status_code == 302
    refused = reset(client, "nobody@example.nl", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    assert "Too many requests from your address" in refused.content.decode()


def test_reset_by_username_mails_the_registered_address(client):
    user = UserFactory(username="j.jansen", email="jan@example.nl")
    reset(client, "j.jansen")
    assert mail.outbox[0].to == ["jan@example.nl"]
    assert user.username in mail.outbox[0].body


def test_reset_link_sets_password_but_never_logs_in(client):
    user = UserFactory(with_totp_device=True, email="known@example.nl")
    reset(client, "known@example.nl")
    link = re.search(r"http://127.0.0.1:8000(\S+)", mail.outbox[0].body).group(1)
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
    # The person hears of the new password (ASVS finding 9).
    assert mail.outbox[-1].to == ["known@example.nl"]
    assert "new password was set" in mail.outbox[-1].subject.lower() or (
        "nieuw wachtwoord" in mail.outbox[-1].subject.lower()
    )


def test_username_recovery_reveals_nothing(client):
    UserFactory(username="piet", email="piet@example.nl")
    UserFactory(username="piet2", email="piet@example.nl")
    known = client.post(reverse("accounts:username_recovery"), {"email": "piet@example.nl"})
    unknown = client.post(reverse("accounts:username_recovery"), {"email": "x@example.nl"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert "piet" in mail.outbox[0].body and "piet2" in mail.outbox[0].body
