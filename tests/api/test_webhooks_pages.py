"""Instellingen > Webhooks, as a beheerder with EH3 uses it: add an endpoint (its secret shown
once), send a test event (queued, and the log shows the result when it arrives), read the log,
deliver again, change, disable and enable, delete; every change audited; another
organisation's endpoint is a 404; the pages work without JavaScript and carry no inline code."""

import re

import pytest
from django.urls import reverse

from accounts.constants import AuditAction, AuditKind, Rol
from accounts.models import AuditEntry
from api import crypto
from api.constants import SUBSCRIBABLE, DeliveryStatus, WebhookEvent
from api.models import WebhookDelivery, WebhookEndpoint
from api.webhook_views import SECRET_SESSION_KEY
from api.webhooks import services
from api.webhooks.emit import Event, emit
from tests.conftest import verified_client
from tests.factories import LidmaatschapFactory, OrganisatieFactory

from .webhook_receiver import FakeReceiver

pytestmark = pytest.mark.django_db
LIJST = reverse("webhooks:lijst")
NIEUW = reverse("webhooks:nieuw")


@pytest.fixture
def receiver():
    server = FakeReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def kantoor(db):
    organisatie = OrganisatieFactory(naam="Kantoor Klaas B.V.")
    beheerder = LidmaatschapFactory(
        organisatie=organisatie, rol=Rol.BEHEERDER, user__taal="en"
    ).user
    return organisatie, beheerder


@pytest.fixture
def client_(kantoor):
    return verified_client(kantoor[1])


def add(client_, url, events=(WebhookEvent.CREATED, WebhookEvent.STATUS_CHANGED), **extra):
    return client_.post(
        NIEUW, {"url": url, "omschrijving": "Boekhouding", "events": list(events), **extra}
    )


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def audit_rows(kantoor):
    return list(
        AuditEntry.objects.filter(organisatie=kantoor[0], kind=AuditKind.API).order_by("pk")
    )


def test_the_settings_menu_links_to_webhooks_for_an_eh3_beheerder(client_, kantoor):
    page = client_.get(reverse("home")).content.decode()
    assert f'href="{LIJST}"' in page and ">Webhooks<" in page
    laag = LidmaatschapFactory(organisatie=kantoor[0], rol=Rol.BEHEERDER, user__eh2plus=True).user
    page = verified_client(laag).get(reverse("home")).content.decode()
    assert f'href="{LIJST}"' not in page
    assert verified_client(laag).get(LIJST).status_code == 403
    gebruiker = LidmaatschapFactory(organisatie=kantoor[0], rol=Rol.GEBRUIKER).user
    assert verified_client(gebruiker).get(LIJST).status_code == 403


def test_add_an_endpoint_and_see_its_secret_once(client_, kantoor, receiver):
    page = client_.get(NIEUW)
    assert page.status_code == 200
    for event in SUBSCRIBABLE:  # a checkbox per event with its label, all ticked at first
        assert f'value="{event.value}"' in page.content.decode()
        assert str(event.label) in page.content.decode()
    response = add(client_, receiver.url())
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("webhooks:detail", args=[endpoint.pk])
    assert endpoint.organisatie == kantoor[0] and endpoint.created_by == kantoor[1]
    assert endpoint.events == [WebhookEvent.CREATED, WebhookEvent.STATUS_CHANGED]
    assert endpoint.omschrijving == "Boekhouding" and endpoint.actief

    secret = crypto.decrypt(endpoint.secret_encrypted)
    first = client_.get(response["Location"])
    page = text(first)
    assert secret in page and "it will not be shown again" in page
    assert "no-store" in first["Cache-Control"]
    assert SECRET_SESSION_KEY not in client_.session
    second = text(client_.get(response["Location"]))
    assert secret not in second and "will not be shown again" not in second
    assert receiver.url() in second

    (entry,) = audit_rows(kantoor)
    assert (entry.action, entry.actor) == (AuditAction.CREATE, kantoor[1])
    assert entry.changes["url"] == {"old": None, "new": receiver.url()}
    assert secret[6:] not in str(entry.changes)


def test_the_list_shows_url_events_status_and_last_delivery(client_, kantoor, receiver):
    endpoint = services.webhook_endpoint_create(
        actor=kantoor[1],
        organisatie=kantoor[0],
        url=receiver.url(),
        events=[WebhookEvent.RENEWAL_DUE],
    )[0]
    page = text(client_.get(LIJST))
    assert receiver.url() in page and "Renewal due" in page and "Active" in page
    assert "None yet" in page
    services.webhook_endpoint_disable(actor=kantoor[1], endpoint=endpoint)
    services.webhook_endpoint_enable(actor=kantoor[1], endpoint=endpoint)
    services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)
    page = text(client_.get(LIJST))
    assert "None yet" not in page and ">Waiting<" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"url": "ftp://x.example/hook"}, "url", "starts with https://"),
        ({"url": "https://user:pw@127.0.0.1/hook"}, "url", "without a user name"),
        ({"url": ""}, "url", "This field is required"),
        ({"events": []}, "events", "Choose at least one event"),
        ({"events": ["ketenmachtiging.onbekend"]}, "events", "not one of the available"),
    ],
)
def test_a_refused_endpoint_is_a_form_error(client_, receiver, data, field, message):
    post = {"url": receiver.url(), "events": [WebhookEvent.CREATED.value], **data}
    response = client_.post(NIEUW, post)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not WebhookEndpoint.objects.exists()


def test_production_refuses_plain_http_and_this_machine(client_, settings, receiver):
    settings.WEBHOOK_REQUIRE_HTTPS = True
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    response = add(client_, receiver.url())
    assert "starts with https://" in " ".join(response.context["form"].errors["url"])
    response = add(client_, f"https://127.0.0.1:{receiver.port}/hook")
    assert "public internet addresses" in " ".join(response.context["form"].errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_send_a_test_event_queued_then_the_log_shows_the_result(
    client_, kantoor, receiver, django_capture_on_commit_callbacks
):
    add(client_, receiver.url())
    endpoint = WebhookEndpoint.objects.get()
    detail = reverse("webhooks:detail", args=[endpoint.pk])
    client_.get(detail)  # the secret, once
    # The worker has not run yet (its task waits for the commit): the page says queued.
    response = client_.post(reverse("webhooks:test", args=[endpoint.pk]), follow=True)
    page = text(response)
    assert "A test event has been queued for delivery" in page
    assert "Waiting" in page and ">Delivered<" not in page
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == WebhookEvent.TEST and not receiver.received
    # The worker delivers it; the log shows it with the answer's code.
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(reverse("webhooks:test", args=[endpoint.pk]))
    assert len(receiver.received) == 1
    page = text(client_.get(detail))
    assert ">Delivered<" in page and ">204<" in page and "Test event" in page
    assert {e.message for e in audit_rows(kantoor)} == {"", "test event queued"}


def test_the_log_is_paginated_newest_first_with_a_page_per_delivery(client_, kantoor, receiver):
    endpoint = services.webhook_endpoint_create(
        actor=kantoor[1],
        organisatie=kantoor[0],
        url=receiver.url(),
        events=["ketenmachtiging.created"],
    )[0]
    emit([Event(kantoor[0].pk, WebhookEvent.CREATED, {"id": n}) for n in range(27)])
    deliveries = list(WebhookDelivery.objects.order_by("pk"))
    detail = reverse("webhooks:detail", args=[endpoint.pk])
    first = client_.get(detail)
    assert [d.pk for d in first.context["deliveries"]] == [d.pk for d in deliveries[::-1][:25]]
    assert "Page 1 of 2" in text(first)
    second = client_.get(detail + "?page=2")
    assert [d.pk for d in second.context["deliveries"]] == [deliveries[1].pk, deliveries[0].pk]
    page = client_.get(reverse("webhooks:aflevering", args=[endpoint.pk, deliveries[0].pk]))
    assert page.status_code == 200
    content = text(page)
    assert deliveries[0].event_id in content and "No attempt yet" in content
    assert "&quot;id&quot;: 0" in content and "Ketenmachtiging created" in content


def test_deliver_again_sends_the_same_event_id(
    client_, kantoor, receiver, django_capture_on_commit_callbacks
):
    endpoint = services.webhook_endpoint_create(
        actor=kantoor[1],
        organisatie=kantoor[0],
        url=receiver.url(),
        events=["ketenmachtiging.created"],
    )[0]
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)
    url = reverse("webhooks:opnieuw", args=[endpoint.pk, delivery.pk])
    assert client_.get(url).status_code == 405  # a button, never a link
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(url, follow=True)
    assert "queued for delivery again, with the same event id" in text(response)
    assert [r.event_id for r in receiver.received] == [delivery.event_id] * 2
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.AFGELEVERD and delivery.attempts.count() == 2
    entry = audit_rows(kantoor)[-1]
    assert entry.message == "redelivery queued" and entry.actor == kantoor[1]
    # While it waits, it cannot be queued twice.
    services.webhook_redeliver(actor=kantoor[1], delivery=delivery)
    response = client_.post(url, follow=True)
    assert "being delivered already" in text(response)


def test_change_the_events_and_url(client_, kantoor, receiver):
    add(client_, receiver.url())
    endpoint = WebhookEndpoint.objects.get()
    url = reverse("webhooks:wijzig", args=[endpoint.pk])
    page = client_.get(url)
    assert page.context["form"].initial["url"] == receiver.url()
    response = client_.post(
        url,
        {
            "url": receiver.url("/nieuw"),
            "omschrijving": "Salarispakket",
            "events": [WebhookEvent.ENDED.value],
        },
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.url == receiver.url("/nieuw") and endpoint.events == [WebhookEvent.ENDED]
    entry = audit_rows(kantoor)[-1]
    assert entry.action == AuditAction.UPDATE
    assert set(entry.changes) == {"url", "omschrijving", "events"}
    # Saving without a change writes no audit row.
    before = len(audit_rows(kantoor))
    client_.post(
        url,
        {
            "url": receiver.url("/nieuw"),
            "omschrijving": "Salarispakket",
            "events": [WebhookEvent.ENDED.value],
        },
    )
    assert len(audit_rows(kantoor)) == before


def test_disable_and_enable(client_, kantoor, receiver):
    add(client_, receiver.url())
    endpoint = WebhookEndpoint.objects.get()
    disable = reverse("webhooks:uitschakelen", args=[endpoint.pk])
    page = text(client_.post(disable, follow=True))
    assert "The endpoint has been disabled" in page and "Disabled by a beheerder" in page
    endpoint.refresh_from_db()
    assert not endpoint.actief
    # A disabled endpoint gets no test event.
    page = text(client_.post(reverse("webhooks:test", args=[endpoint.pk]), follow=True))
    assert "Enable it to send a test event" in page and not WebhookDelivery.objects.exists()
    page = text(client_.post(reverse("webhooks:inschakelen", args=[endpoint.pk]), follow=True))
    assert "The endpoint has been enabled" in page
    endpoint.refresh_from_db()
    assert endpoint.actief and not endpoint.uitgeschakeld_reden
    changes = [e.changes for e in audit_rows(kantoor)[1:]]
    assert changes == [
        {"actief": {"old": True, "new": False}},
        {"actief": {"old": False, "new": True}},
    ]


def test_an_automatically_disabled_endpoint_says_why(client_, kantoor, receiver):
    add(client_, receiver.url())
    WebhookEndpoint.objects.update(actief=False, uitgeschakeld_reden="fouten:30")
    page = text(client_.get(LIJST))
    assert "Disabled automatically after 30 failed attempts in a row." in page


def test_delete_after_confirmation(client_, kantoor, receiver):
    add(client_, receiver.url())
    endpoint = WebhookEndpoint.objects.get()
    services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)
    url = reverse("webhooks:verwijder", args=[endpoint.pk])
    page = text(client_.get(url))
    assert "Are you sure you want to delete the endpoint" in page and receiver.url() in page
    assert WebhookEndpoint.objects.exists()
    response = client_.post(url)
    assert response["Location"] == LIJST
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()
    entry = audit_rows(kantoor)[-1]
    assert entry.action == AuditAction.DELETE and entry.object_id == str(endpoint.pk)
    assert entry.changes["url"] == {"old": receiver.url(), "new": None}


def test_test_events_by_hand_are_limited_per_endpoint(client_, kantoor, receiver):
    add(client_, receiver.url())
    endpoint = WebhookEndpoint.objects.get()
    url = reverse("webhooks:test", args=[endpoint.pk])
    for _ in range(services.HAND_LIMIT):
        client_.post(url)
    page = text(client_.post(url, follow=True))
    assert "faster than allowed" in page
    assert WebhookDelivery.objects.count() == services.HAND_LIMIT


def test_the_changes_are_on_the_audit_page(client_, kantoor, receiver):
    add(client_, receiver.url())
    endpoint = WebhookEndpoint.objects.get()
    client_.post(reverse("webhooks:uitschakelen", args=[endpoint.pk]))
    page = text(client_.get(reverse("accounts:overige_wijzigingen")))
    assert page.count(receiver.url()) >= 2 and "API keys and webhooks" in page


def test_another_organisations_endpoint_is_a_404(client_, kantoor, receiver):
    other = OrganisatieFactory()
    other_beheerder = LidmaatschapFactory(organisatie=other, rol=Rol.BEHEERDER).user
    theirs = services.webhook_endpoint_create(
        actor=other_beheerder,
        organisatie=other,
        url=receiver.url(),
        events=["ketenmachtiging.ended"],
    )[0]
    delivery = services.webhook_send_test(actor=other_beheerder, endpoint=theirs)
    mine = services.webhook_endpoint_create(
        actor=kantoor[1],
        organisatie=kantoor[0],
        url=receiver.url(),
        events=["ketenmachtiging.ended"],
    )[0]
    for name in ("detail", "wijzig", "verwijder"):
        assert client_.get(reverse(f"webhooks:{name}", args=[theirs.pk])).status_code == 404
    for name in ("wijzig", "uitschakelen", "inschakelen", "verwijder", "test"):
        response = client_.post(
            reverse(f"webhooks:{name}", args=[theirs.pk]),
            {"url": "http://127.0.0.1:9/", "events": ["ketenmachtiging.created"]},
        )
        assert response.status_code == 404, name
    # Their delivery under my endpoint's address is not mine either.
    for name in ("aflevering", "opnieuw"):
        url = reverse(f"webhooks:{name}", args=[mine.pk, delivery.pk])
        assert client_.post(url).status_code == 404
        assert client_.get(url).status_code in (404, 405)
    assert text(client_.get(LIJST)).count(receiver.url()) == 1
    theirs.refresh_from_db()
    assert theirs.actief and theirs.deliveries.count() == 1
    assert WebhookEndpoint.objects.filter(organisatie=other).count() == 1


def test_the_pages_have_no_inline_scripts_or_styles_and_post_with_csrf(client_, kantoor, receiver):
    add(client_, receiver.url())
    endpoint = WebhookEndpoint.objects.get()
    delivery = services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)
    for url in (
        LIJST,
        NIEUW,
        reverse("webhooks:detail", args=[endpoint.pk]),
        reverse("webhooks:wijzig", args=[endpoint.pk]),
        reverse("webhooks:verwijder", args=[endpoint.pk]),
        reverse("webhooks:aflevering", args=[endpoint.pk, delivery.pk]),
    ):
        page = client_.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url
        assert " style=" not in page and "<style" not in page, url
        for form in re.findall(r"<form[^>]*method=\"post\".*?</form>", page, re.S):
            assert "csrfmiddlewaretoken" in form, url


def test_the_pages_read_in_dutch(kantoor, receiver):
    user = kantoor[1]
    user.taal = "nl"
    user.save(update_fields=["taal"])
    client = verified_client(user)
    page = text(client.get(LIJST))
    assert "Webhooks" in page and "Endpoint toevoegen" in page
    response = add(client, receiver.url())
    page = text(client.get(response["Location"]))
    assert "wordt niet nog een keer getoond" in page
    assert "Stuur testbericht" in page
