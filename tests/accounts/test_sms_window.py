"""ASVS (info): an SMS code is accepted in its own 30-second step and the next, not six codes at
once; a new login attempt sends a fresh code and ends the earlier ones."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.accounts.test_login import post_password, post_token, sms_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def at(start, seconds: int):
    return time_machine.travel(start + dt.timedelta(seconds=seconds), tick=False)


def logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def aligned_start():
    """The start of a 30-second step, so "the next step" is exact."""
    now = timezone.now().replace(microsecond=0)
    return now - dt.timedelta(seconds=now.second % 30) + dt.timedelta(seconds=60)


def test_a_code_is_accepted_within_about_a_minute():
    user = UserFactory(with_sms_device=True)
    start, client = aligned_start(), Client()
    with at(start, 1):
        post_password(client, user.username)
        code = sms_code()
    with at(start, 45):  # the next step
        assert post_token(client, code).status_code == 302
    assert logged_in(client)


def test_a_code_from_two_steps_ago_is_refused():
    user = UserFactory(with_sms_device=True)
    start, client = aligned_start(), Client()
    with at(start, 1):
        post_password(client, user.username)
        code = sms_code()
    with at(start, 65):  # two steps later: the phone plugin alone would still accept it
        assert post_token(client, code).status_code == 200
        assert not logged_in(client)


def test_a_new_attempt_ends_the_code_sent_before():
    user = UserFactory(with_sms_device=True)
    start = aligned_start()
    first, second = Client(), Client()
    with at(start, 1):
        post_password(first, user.username)
        old_code = sms_code()
    with at(start, 35):  # a new attempt in the next step sends a fresh code
        post_password(second, user.username)
        new_code = sms_code()
        assert new_code != old_code
        assert post_token(first, old_code).status_code == 200
        assert not logged_in(first)
    with at(start, 50):  # the same step, after the throttle of that failure
        assert post_token(second, new_code).status_code == 302
        assert logged_in(second)
