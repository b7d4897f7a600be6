"""The personal link: unguessable, hashed at rest, one neutral page when it does not work."""

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from goedkeuring.models import Gebeurtenis, Uitnodigingslink
from goedkeuring.services import link_create
from ketenmachtigingen.services import ketenmachtiging_resend
from outbox.delivery import deliver_due
from outbox.services import Envelope, mail_queue
from tests.factories import KetenmachtigingFactory

from .conftest import start_url

pytestmark = pytest.mark.django_db


def test_token_is_long_random_and_only_its_hash_is_stored(km):
    tokens = {link_create(km=km, revoke_earlier=False) for _ in range(5)}
    assert len(tokens) == 5
    for token in tokens:
        assert len(token) >= 43  # 32 random bytes, base64: 256 bits (>= 128)
    stored = set(Uitnodigingslink.objects.values_list("token_hash", flat=True))
    assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    assert not tokens & stored


def test_a_new_link_revokes_the_earlier(km):
    old = link_create(km=km)
    new = link_create(km=km)
    assert Client().get(start_url(old)).status_code == 404
    assert Client().get(start_url(new)).status_code == 200


def neutral(response) -> str:
    """The page without what differs per request (nonce, CSRF token)."""
    import re

    assert response.status_code == 404
    return re.sub(r'(nonce|value)="[^"]*"', "", response.content.decode())


def test_wrong_expired_revoked_and_answered_links_look_the_same(km, token):
    wrong = neutral(Client().get(start_url("x" * 43)))
    revoked_km = KetenmachtigingFactory()
    revoked = link_create(km=revoked_km)
    Uitnodigingslink.objects.filter(ketenmachtiging=revoked_km).update(
        ingetrokken_op=timezone.now()
    )
    expired_km = KetenmachtigingFactory()
    expired = link_create(km=expired_km)
    Uitnodigingslink.objects.filter(ketenmachtiging=expired_km).update(
        geldig_tot=timezone.localdate() - timedelta(days=1)
    )
    answered_km = KetenmachtigingFactory(ontvangen=True)
    answered = link_create(km=answered_km)
    pages = {
        neutral(Client().get(start_url(t))).replace(t, "") for t in (revoked, expired, answered)
    }
    assert pages == {wrong.replace("x" * 43, "")}
    assert "This link does not work" in wrong or "Deze link werkt niet" in wrong


def test_before_the_code_only_the_intermediair_and_deadline_show(km, token):
    response = Client().get(start_url(token))
    body = response.content.decode()
    assert response.status_code == 200
    assert km.intermediair_naam in body
    assert km.uitnodiging_geldig_tot.strftime("%d-%m-%Y") in body
    for secret in (km.relatie_naam, km.relatie_kvk_nummer, "Graag snel tekenen."):
        assert secret not in body
    for name in ("goedkeuren", "afwijzen", "formulier"):
        url = reverse(f"goedkeuring:{name}", kwargs={"token": token})
        assert Client().get(url).status_code == 302
    assert Gebeurtenis.objects.filter(ketenmachtiging=km, soort="link_geopend").count() == 1


def test_public_pages_have_the_strict_headers(km, token):
    response = Client().get(start_url(token))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_language_follows_the_invitation_and_the_switch(db):
    km = KetenmachtigingFactory(taal="en")
    token = link_create(km=km)
    client = Client()
    assert "Send me a code" in client.get(start_url(token)).content.decode()
    response = client.post(reverse("accounts:taal"), {"language": "nl", "next": start_url(token)})
    assert response.status_code == 302
    assert "Stuur mij een code" in client.get(start_url(token)).content.decode()


def deliver(django_capture_on_commit_callbacks, km, soort, **params):
    with django_capture_on_commit_callbacks(execute=True):
        mail_queue(
            Envelope(
                soort=soort,
                ontvanger=km.relatie_contact_email,
                taal=km.taal,
                params={"km": km.pk, **params},
            )
        )
    deliver_due()
    return mail.outbox[-1]


def link_in(message) -> str:
    import re

    return re.search(r"/uitnodiging/([A-Za-z0-9_-]{40,})/", message.body).group(1)


def test_invitation_mail_carries_the_link_and_a_resend_revokes_it(
    km, django_capture_on_commit_callbacks
):
    message = deliver(
        django_capture_on_commit_callbacks,
        km,
        "ketenmachtigingen.uitnodiging",
        verstuurd_op=timezone.localtime(km.verstuurd_op).isoformat(),
    )
    first = link_in(message)
    assert "http" in message.body and first in message.alternatives[0][0]
    assert message.attachments[0][2] == "application/pdf"
    assert Client().get(start_url(first)).status_code == 200
    assert not Uitnodigingslink.objects.filter(token_hash=first).exists()

    message = deliver(
        django_capture_on_commit_callbacks, km, "ketenmachtigingen.uitnodiging_opnieuw"
    )
    second = link_in(message)
    assert second != first
    assert Client().get(start_url(first)).status_code == 404
    assert Client().get(start_url(second)).status_code == 200


def test_a_new_invitation_stops_older_links_at_once(km, token, beheerder, organisatie):
    km.intermediair = organisatie
    km.save()
    km.transition_to("fout", actor=None, reden="bounce")
    assert Client().get(start_url(token)).status_code == 404
    ketenmachtiging_resend(actor=beheerder, km=km)
    assert Client().get(start_url(token)).status_code == 404


def test_incomplete_digital_form_mails_a_fresh_link(db, django_capture_on_commit_callbacks):
    km = KetenmachtigingFactory(incompleet=True, kanaal="digitaal")
    message = deliver(
        django_capture_on_commit_callbacks, km, "ketenmachtigingen.incompleet", reden="Mist"
    )
    assert Client().get(start_url(link_in(message))).status_code == 200


def test_reloading_does_not_fill_the_timeline(km, token):
    """Opening the link ten times, or downloading the form ten times, is one step on the
    intermediair's timeline (within the hour), not ten."""
    from goedkeuring.models import Gebeurtenis

    client = Client()
    for _ in range(10):
        client.get(start_url(token))
    assert Gebeurtenis.objects.filter(ketenmachtiging=km, soort="link_geopend").count() == 1
