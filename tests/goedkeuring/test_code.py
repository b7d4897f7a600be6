"""The one-time code: 10 minutes, single use, 5 tries, sends throttled; session rotated."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import sms
from goedkeuring.models import Gebeurtenis, Uitnodigingslink
from goedkeuring.services import SENDS_PER_LINK, code_send
from outbox.models import Mail
from tests.factories import KetenmachtigingFactory

from .conftest import code_from_mail, start_url, verify

pytestmark = pytest.mark.django_db


def send(client, token, capture):
    with capture(execute=True):
        return client.post(reverse("goedkeuring:code_sturen", kwargs={"token": token}))


def enter(client, token, code):
    return client.post(reverse("goedkeuring:code", kwargs={"token": token}), {"code": code})


def test_code_shows_the_request_and_rotates_the_session(
    km, token, django_capture_on_commit_callbacks
):
    client = Client()
    client.get(start_url(token))
    before = client.session.session_key
    send(client, token, django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.to == ["directie@relatie.nl"]
    code = code_from_mail()
    assert len(code) == 6
    # Only an HMAC of the code is kept; the outbox row loses the code once sent.
    link = Uitnodigingslink.objects.get()
    assert code not in link.code_hash
    assert all("code" not in m.params for m in Mail.objects.filter(soort="goedkeuring.code"))
    assert enter(client, token, code).status_code == 302
    assert client.session.session_key != before
    body = client.get(start_url(token)).content.decode()
    assert km.relatie_naam in body and km.relatie_kvk_nummer in body
    assert "Graag snel tekenen." in body
    soorten = set(Gebeurtenis.objects.values_list("soort", flat=True))
    assert {"link_geopend", "code_verstuurd", "code_geverifieerd"} <= soorten
    # Another browser with the same link still needs a code.
    assert km.relatie_naam not in Client().get(start_url(token)).content.decode()


def test_code_is_single_use(km, token, django_capture_on_commit_callbacks):
    code = verify(Client(), token, django_capture_on_commit_callbacks)
    other = Client()
    assert enter(other, token, code).status_code == 400
    assert km.relatie_naam not in other.get(start_url(token)).content.decode()


def test_code_expires_after_ten_minutes(km, token, django_capture_on_commit_callbacks):
    client = Client()
    send(client, token, django_capture_on_commit_callbacks)
    code = code_from_mail()
    Uitnodigingslink.objects.update(code_verstuurd_op=timezone.now() - timedelta(minutes=11))
    assert enter(client, token, code).status_code == 400
    assert km.relatie_naam not in client.get(start_url(token)).content.decode()


def test_five_wrong_tries_then_a_new_code_is_needed(km, token, django_capture_on_commit_callbacks):
    client = Client()
    send(client, token, django_capture_on_commit_callbacks)
    code = code_from_mail()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert enter(client, token, wrong).status_code == 400
    assert enter(client, token, code).status_code == 400  # the right one, too late
    send(client, token, django_capture_on_commit_callbacks)
    assert enter(client, token, code_from_mail()).status_code == 302


def test_sending_is_throttled_per_link(km, token, django_capture_on_commit_callbacks):
    client = Client()
    for _ in range(SENDS_PER_LINK + 3):
        send(client, token, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == SENDS_PER_LINK
    page = client.get(start_url(token)).content.decode()
    assert "wait an hour" in page or "wacht een uur" in page


def test_sending_is_throttled_per_ip(db, settings):
    from goedkeuring.services import SENDS_PER_IP, CodeError

    sent = 0
    with pytest.raises(CodeError):
        for _ in range(SENDS_PER_IP + 1):
            km = KetenmachtigingFactory()
            from goedkeuring.services import link_create

            link_create(km=km)
            code_send(link=Uitnodigingslink.objects.get(ketenmachtiging=km), ip_address="10.0.0.9")
            sent += 1
    assert sent == SENDS_PER_IP


def test_code_by_sms_to_a_dutch_mobile_number(db, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "accounts.sms.LocmemBackend"
    km = KetenmachtigingFactory(relatie_contact_telefoon="06 12345678")
    from goedkeuring.services import link_create

    token = link_create(km=km)
    send(Client(), token, django_capture_on_commit_callbacks)
    assert len(sms.outbox) == 1 and sms.outbox[0][0] == "06 12345678"
    assert code_from_mail() in sms.outbox[0][1]
    landline = KetenmachtigingFactory(relatie_contact_telefoon="020 1234567")
    send(Client(), link_create(km=landline), django_capture_on_commit_callbacks)
    assert len(sms.outbox) == 1


def test_checking_is_limited_per_ip_across_links(db, django_capture_on_commit_callbacks):
    """Guessing across many links from one address: after CHECKS_PER_IP tries in an hour,
    every check is refused, even a right code on a fresh link."""
    from goedkeuring.services import CHECKS_PER_IP, CodeError, code_verify, link_create

    guesses = 0
    for _ in range(CHECKS_PER_IP // 5 + 1):
        km = KetenmachtigingFactory()
        link_create(km=km)
        link = Uitnodigingslink.objects.get(ketenmachtiging=km)
        code_send(link=link, ip_address="10.0.0.7")
        for _ in range(5):
            if guesses == CHECKS_PER_IP:
                break
            with pytest.raises(CodeError):
                code_verify(link=link, code="000000", ip_address="10.0.0.7")
            guesses += 1
    km = KetenmachtigingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        link_create(km=km)
        link = Uitnodigingslink.objects.get(ketenmachtiging=km)
        code_send(link=link, ip_address="10.0.0.8")
    right = code_from_mail()
    with pytest.raises(CodeError) as refused:
        code_verify(link=link, code=right, ip_address="10.0.0.7")
    assert refused.value.code == "throttled_ip"
    code_verify(link=link, code=right, ip_address="10.0.0.8")  # another address: fine
