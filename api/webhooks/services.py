"""Writes of the webhook pages: endpoints, test events and redeliveries, each audited in its
transaction (kind ``API``); deliveries start after commit.

An endpoint's URL is checked against server-side request forgery (``ssrf.check``) when it is
saved and when it is enabled again, and once more at every delivery. Its signing secret is
made here, stored encrypted, and returned once to be shown once; the audit never holds it.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.constants import AuditAction, AuditKind
from accounts.models import Organisatie, User
from ketenportal.exceptions import DomainError
from outbox.throttle import within_limit

from .. import crypto
from ..constants import SUBSCRIBABLE, DeliveryStatus, WebhookEvent
from ..models import WebhookDelivery, WebhookEndpoint
from ..services import new_webhook_secret
from . import ssrf
from .constants import Reden
from .delivery import stop_waiting
from .emit import deliver_after_commit, new_event_id
from .payloads import envelope

#: Endpoints per organisation: every event is sent to each of them.
MAX_ENDPOINTS = 10
#: Test events and redeliveries sent by hand, per endpoint per minute (the portal must not
#: become a tool to flood someone's server).
HAND_LIMIT, HAND_WINDOW = 10, 60
AUDITED = ("url", "omschrijving", "events")
TEST_MESSAGE = "This is a test event from Ketenportal. Your endpoint received and verified it."


def _clean(url: str, omschrijving: str, events: list[str]) -> tuple[str, str, list[str]]:
    url = (url or "").strip()
    if not url:
        raise DomainError(_("Enter the web address of your endpoint."), code="url")
    if len(url) > 500:
        raise DomainError(_("The web address may have at most 500 characters."), code="url")
    ssrf.check(url)
    chosen = [e.value for e in SUBSCRIBABLE if e.value in set(events or [])]
    if not chosen or len(chosen) != len(set(events or [])):
        raise DomainError(_("Choose at least one event to receive."), code="events")
    return url, (omschrijving or "").strip()[:200], chosen


def _audit(actor: User, endpoint: WebhookEndpoint, action: str, changes: dict, message=""):
    audit_log(
        actor=actor,
        organisatie=endpoint.organisatie,
        action=action,
        kind=AuditKind.API,
        obj=endpoint,
        changes=changes,
        message=message,
    )


def _by_hand(endpoint: WebhookEndpoint) -> None:
    if not within_limit("webhook-hand", str(endpoint.pk), HAND_LIMIT, HAND_WINDOW):
        raise DomainError(
            _("You are sending events faster than allowed. Wait a minute, then try again."),
            code="throttled",
        )


def _lock(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    return (
        WebhookEndpoint.objects.select_for_update()
        .select_related("organisatie")
        .get(pk=endpoint.pk)
    )


def webhook_endpoint_create(
    *, actor: User, organisatie: Organisatie, url: str, omschrijving: str = "", events: list[str]
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint; returns it with its signing secret, to be shown once."""
    url, omschrijving, events = _clean(url, omschrijving, events)
    secret = new_webhook_secret()
    with transaction.atomic():
        Organisatie.objects.select_for_update().get(pk=organisatie.pk)
        if WebhookEndpoint.objects.filter(organisatie=organisatie).count() >= MAX_ENDPOINTS:
            raise DomainError(
                _("An organisation can have at most %(n)s endpoints.") % {"n": MAX_ENDPOINTS},
                code="max",
            )
        endpoint = WebhookEndpoint.objects.create(
            organisatie=organisatie,
            url=url,
            omschrijving=omschrijving,
            events=events,
            secret_encrypted=crypto.encrypt(secret),
            created_by=actor,
        )
        _audit(
            actor,
            endpoint,
            AuditAction.CREATE,
            {
                key: {"old": None, "new": value}
                for key, value in snapshot(endpoint, AUDITED).items()
            },
        )
    return endpoint, secret


def webhook_endpoint_update(
    *, actor: User, endpoint: WebhookEndpoint, url: str, omschrijving: str, events: list[str]
) -> WebhookEndpoint:
    """Change the URL, description or events (the URL is checked again)."""
    url, omschrijving, events = _clean(url, omschrijving, events)
    with transaction.atomic():
        endpoint = _lock(endpoint)
        before = snapshot(endpoint, AUDITED)
        endpoint.url, endpoint.omschrijving, endpoint.events = url, omschrijving, events
        changes = diff(before, snapshot(endpoint, AUDITED))
        if not changes:
            return endpoint
        endpoint.updated_at = timezone.now()
        endpoint.save(update_fields=[*AUDITED, "updated_at"])
        _audit(actor, endpoint, AuditAction.UPDATE, changes)
    return endpoint


def webhook_endpoint_disable(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Stop sending: the waiting deliveries end as failed (they can be redelivered)."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = _lock(endpoint)
        if not endpoint.actief:
            return endpoint
        endpoint.actief = False
        endpoint.uitgeschakeld_op = now
        endpoint.uitgeschakeld_reden = Reden.HANDMATIG.value
        endpoint.updated_at = now
        endpoint.save(
            update_fields=["actief", "uitgeschakeld_op", "uitgeschakeld_reden", "updated_at"]
        )
        stop_waiting(endpoint)
        _audit(actor, endpoint, AuditAction.UPDATE, {"actief": {"old": True, "new": False}})
    return endpoint


def webhook_endpoint_enable(*, actor: User, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Send again; the count of failed tries starts at zero. The URL is checked again."""
    ssrf.check(endpoint.url)
    with transaction.atomic():
        endpoint = _lock(endpoint)
        if endpoint.actief:
            return endpoint
        endpoint.actief = True
        endpoint.uitgeschakeld_op = None
        endpoint.uitgeschakeld_reden = ""
        endpoint.opeenvolgende_fouten = 0
        endpoint.updated_at = timezone.now()
        endpoint.save(
            update_fields=[
                "actief",
                "uitgeschakeld_op",
                "uitgeschakeld_reden",
                "opeenvolgende_fouten",
                "updated_at",
            ]
        )
        _audit(actor, endpoint, AuditAction.UPDATE, {"actief": {"old": False, "new": True}})
    return endpoint


def webhook_endpoint_delete(*, actor: User, endpoint: WebhookEndpoint) -> None:
    """Delete the endpoint with its delivery log; nothing more is sent to it."""
    with transaction.atomic():
        endpoint = _lock(endpoint)
        _audit(
            actor,
            endpoint,
            AuditAction.DELETE,
            {
                key: {"old": value, "new": None}
                for key, value in snapshot(endpoint, AUDITED).items()
            },
        )
        endpoint.delete()


def webhook_send_test(*, actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``webhook.test`` event for the endpoint now (whatever it subscribed to)."""
    _by_hand(endpoint)
    now = timezone.now()
    with transaction.atomic():
        endpoint = _lock(endpoint)
        if not endpoint.actief:
            raise DomainError(
                _("The endpoint is disabled. Enable it to send a test event."), code="disabled"
            )
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=new_event_id(),
            event_type=WebhookEvent.TEST,
            payload=envelope(WebhookEvent.TEST, {"message": TEST_MESSAGE}, at=now),
            status=DeliveryStatus.WACHTEND,
            volgende_poging_op=now,
            created_at=now,
        )
        _audit(
            actor,
            endpoint,
            AuditAction.UPDATE,
            {"test": {"old": None, "new": delivery.event_id}},
            message="test event queued",
        )
        deliver_after_commit([delivery.event_id])
    return delivery


def webhook_redeliver(*, actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue a delivered or failed event once more: the same ``webhook-id`` (a receiver that has
    it already may ignore it), a fresh series of tries."""
    _by_hand(delivery.endpoint)
    now = timezone.now()
    with transaction.atomic():
        endpoint = _lock(delivery.endpoint)
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        if not endpoint.actief:
            raise DomainError(
                _("The endpoint is disabled. Enable it to deliver again."), code="disabled"
            )
        if delivery.status not in (DeliveryStatus.AFGELEVERD, DeliveryStatus.MISLUKT):
            raise DomainError(_("This event is being delivered already."), code="busy")
        old = delivery.status
        delivery.status = DeliveryStatus.WACHTEND
        delivery.pogingen = 0
        delivery.volgende_poging_op = now
        delivery.lease_tot = None
        delivery.save(update_fields=["status", "pogingen", "volgende_poging_op", "lease_tot"])
        _audit(
            actor,
            endpoint,
            AuditAction.UPDATE,
            {"redeliver": {"old": old, "new": delivery.event_id}},
            message="redelivery queued",
        )
        deliver_after_commit([delivery.event_id])
    return delivery
