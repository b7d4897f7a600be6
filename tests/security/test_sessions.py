"""ASVS finding 10: sessions end after an absolute lifetime however active; a page polling by
itself does not keep a session alive; the periodic jobs prune what is kept only for a while."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.constants import LoginResult
from accounts.models import LoginEvent, SmsSend
from ketenmachtigingen.models import Import
from tests.factories import LidmaatschapFactory, UserFactory

from .common import redirects_to_login
from .test_requests import log_in

pytestmark = pytest.mark.django_db


def test_a_session_ends_after_its_absolute_lifetime_however_active(settings):
    settings.SESSION_ABSOLUTE_HOURS = 2
    user = UserFactory(with_totp_device=True)
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, user)
    # Active every 20 minutes: alive for the first two hours, then logged out.
    for minutes in range(20, 120, 20):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("home")).status_code == 200, minutes
    with time_machine.travel(start + dt.timedelta(minutes=121), tick=False):
        assert redirects_to_login(client.get(reverse("home")))
        assert "_auth_user_id" not in client.session


def test_the_import_pages_polling_does_not_keep_the_session_alive():
    beheerder = LidmaatschapFactory(rol="beheerder", user__with_totp_device=True)
    imp = Import.objects.create(
        organisatie=beheerder.organisatie, bestandsnaam="klanten.xlsx", status="lezen", totaal=9
    )
    client = Client()
    age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        log_in(client, beheerder.user)
    # The progress block polls (htmx) and the no-JavaScript page refreshes, for 40 minutes.
    for minutes in range(5, 40, 5):
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            poll = client.get(
                imp.get_absolute_url(), {"fragment": "voortgang"}, HTTP_HX_REQUEST="true"
            )
            refresh = client.get(imp.get_absolute_url(), {"poll": "1"})
            if minutes < age.total_seconds() / 60:
                assert poll.status_code == 200 and refresh.status_code == 200, minutes
    with time_machine.travel(start + age + dt.timedelta(minutes=1), tick=False):
        assert redirects_to_login(client.get(reverse("home")))


def test_the_periodic_jobs_prune_what_is_kept_for_a_while():
    now = timezone.now()
    old, recent = now - dt.timedelta(days=400), now - dt.timedelta(days=3)
    user = UserFactory()
    for when in (old, recent):
        LoginEvent.objects.create(
            user=user, username=user.username, timestamp=when, result=LoginResult.SUCCESS
        )
        sms = SmsSend.objects.create(user=user, number="+31612345678")
        SmsSend.objects.filter(pk=sms.pk).update(sent_at=when)
    Session.objects.create(session_key="verlopen", session_data="", expire_date=old)
    Session.objects.create(
        session_key="levend", session_data="", expire_date=now + dt.timedelta(minutes=5)
    )
    attempt = AccessAttempt.objects.create(
        username="x", ip_address="192.0.2.1", user_agent="x", failures_since_start=3
    )
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=now - dt.timedelta(hours=2))
    call_command("run_jobs", verbosity=0)
    assert list(LoginEvent.objects.values_list("timestamp", flat=True)) == [recent]
    assert list(SmsSend.objects.values_list("sent_at", flat=True)) == [recent]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["levend"]
    assert not AccessAttempt.objects.exists()
