"""The login page says why someone is there: after logging out, and after a session that ended
(issue 18)."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.conftest import verified_client

pytestmark = pytest.mark.django_db

LOGIN = reverse("two_factor:login")


def test_logging_out_says_so_on_the_login_page(beheerder):
    client = verified_client(beheerder)
    client.cookies["django_language"] = "nl"
    response = client.post(reverse("accounts:logout"), follow=True)
    assert "U bent uitgelogd." in response.content.decode()


def test_a_session_that_ended_says_so_on_the_login_page(beheerder):
    client = verified_client(beheerder)
    client.cookies["django_language"] = "nl"
    assert client.get(reverse("accounts:profiel")).status_code == 200
    later = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    with time_machine.travel(later, tick=False):
        response = client.get(reverse("accounts:profiel"), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "Uw sessie is beëindigd" in page


def test_a_first_visit_gets_no_such_message(client):
    client.cookies["django_language"] = "nl"
    page = client.get(reverse("accounts:profiel"), follow=True).content.decode()
    assert "Uw sessie is beëindigd" not in page and "uitgelogd" not in page
