"""Delivering the webhook outbox: claim, check, sign, POST, record, retry, disable.

* Claim: a due row (waiting, or sending with a lease that ran out) is leased for
  ``WEBHOOK_LEASE_SECONDS`` and its attempt counted, in one short transaction; ``SKIP LOCKED``
  on PostgreSQL lets workers claim side by side and the conditional UPDATE keeps two claimers
  apart on any database. Rows are claimed one at a time, so a lease covers one try (at most
  ``WEBHOOK_TIMEOUT_SECONDS``), however slow the receivers. A worker that dies mid-delivery
  leaves a leased row that another worker takes over when the lease has run out: delivery is
  *at least once*, and the receiver deduplicates on ``webhook-id`` (the same on every retry).
* Check: the URL is checked again (``ssrf.check``: scheme, public addresses only) and the
  connection goes to the very address checked (``transport``).
* Sign: per Standard Webhooks (``standardwebhooks``): ``webhook-signature`` is the HMAC-SHA256
  of ``{webhook-id}.{webhook-timestamp}.{body}`` with the endpoint's secret; the timestamp is
  the try's, so a receiver may refuse stale requests.
* Record: every try is a ``WebhookAttempt`` (time, code, duration, error, a prefix of the
  answer). A 2xx answer delivers the row; anything else (a 3xx too: redirects are not
  followed) schedules the next try after the next of ``WEBHOOK_RETRY_DELAYS_SECONDS``, and
  after the last one the row is ``mislukt`` (it can be redelivered by hand).
* Disable: ``WEBHOOK_DISABLE_AFTER_FAILURES`` failed tries in a row (over all its deliveries)
  disable the endpoint: its waiting deliveries stop, the change is audited and the
  organisation's beheerders get a message in the berichtenbox (e-mailed to them as every
  message is). A delivered try resets the count, and so does enabling the endpoint again.
"""

import json
import logging
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind
from berichtenbox.constants import Soort
from berichtenbox.services import bericht_create

from .. import crypto
from ..constants import DeliveryStatus
from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from . import ssrf, transport
from .constants import ANSWER_PREFIX, USER_AGENT, Fout, Reden, fout

logger = logging.getLogger("ketenportal.webhooks")

#: The berichtenbox text of "your endpoint was disabled" (``api.berichten``).
SJABLOON_UITGESCHAKELD = "api.webhook_uitgeschakeld"


@dataclass
class Report:
    delivered: int = 0
    retried: int = 0
    failed: int = 0

    def add(self, outcome: str) -> None:
        if outcome == "delivered":
            self.delivered += 1
        elif outcome == "retried":
            self.retried += 1
        elif outcome == "failed":
            self.failed += 1

    def as_dict(self) -> dict[str, int]:
        return {"delivered": self.delivered, "retried": self.retried, "failed": self.failed}


@dataclass(frozen=True)
class Claim:
    """A row leased by this worker; ``pogingen`` and ``lease_tot`` identify the claim."""

    delivery: WebhookDelivery
    pogingen: int
    lease_tot: datetime


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duur_ms: int
    fout: str = ""
    antwoord: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300 and not self.fout


def retry_delays() -> list[int]:
    return [int(d) for d in settings.WEBHOOK_RETRY_DELAYS_SECONDS]


def max_attempts() -> int:
    """The first try and one per retry delay."""
    return len(retry_delays()) + 1


def _due(now: datetime) -> Q:
    return (
        Q(status__in=[DeliveryStatus.WACHTEND, DeliveryStatus.BEZIG], volgende_poging_op__lte=now)
        & (Q(lease_tot__isnull=True) | Q(lease_tot__lt=now))
        & Q(endpoint__actief=True)
    )


def claim_one(*, event_ids: list[str] | None = None) -> Claim | None:
    """Lease the next due row (of ``event_ids`` if given), or None when none is due."""
    now = timezone.now()
    lease_tot = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    with transaction.atomic():
        due = WebhookDelivery.objects.filter(_due(now))
        if event_ids is not None:
            due = due.filter(event_id__in=event_ids)
        pk = (
            due.select_for_update(skip_locked=True, of=("self",))
            .order_by("volgende_poging_op", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            return None
        updated = WebhookDelivery.objects.filter(_due(now), pk=pk).update(
            status=DeliveryStatus.BEZIG, lease_tot=lease_tot, pogingen=F("pogingen") + 1
        )
        if not updated:
            return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=pk)
    return Claim(delivery=delivery, pogingen=delivery.pogingen, lease_tot=lease_tot)


def body_of(delivery: WebhookDelivery) -> str:
    """The request body: the payload as compact JSON (what is signed, byte for byte)."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)


def headers_for(delivery: WebhookDelivery, body: str, *, secret: str, at: datetime) -> dict:
    at = at.astimezone(UTC)
    return {
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(delivery.event_id, at, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def attempt(delivery: WebhookDelivery) -> Outcome:
    """One try: check the URL, sign, POST. Never raises for what the receiver or the network
    does; the outcome says it."""
    endpoint = delivery.endpoint
    started = time.monotonic()

    def done(**kwargs) -> Outcome:
        return Outcome(duur_ms=int((time.monotonic() - started) * 1000), **kwargs)

    try:
        target = ssrf.check(endpoint.url)
    except ssrf.UnsafeUrl as exc:
        code = Fout.CONNECTION if exc.code == "dns" else Fout.ADDRESS
        return done(status_code=None, fout=fout(code, exc.detail))
    body = body_of(delivery)
    headers = headers_for(
        delivery, body, secret=crypto.decrypt(endpoint.secret_encrypted), at=timezone.now()
    )
    try:
        answer = transport.post(
            target,
            body=body.encode("utf-8"),
            headers=headers,
            timeout=float(settings.WEBHOOK_TIMEOUT_SECONDS),
            limit=ANSWER_PREFIX * 4,
        )
    except transport.Timeout as exc:
        return done(status_code=None, fout=fout(Fout.TIMEOUT, str(exc) or "timed out"))
    except TimeoutError as exc:
        return done(status_code=None, fout=fout(Fout.TIMEOUT, str(exc) or "timed out"))
    except ssl.SSLError as exc:
        return done(status_code=None, fout=fout(Fout.TLS, str(exc) or exc.__class__.__name__))
    except OSError as exc:
        detail = exc.strerror or str(exc) or exc.__class__.__name__
        return done(status_code=None, fout=fout(Fout.CONNECTION, detail))
    except Exception as exc:  # noqa: BLE001 - a malformed answer is the receiver's failure
        return done(status_code=None, fout=fout(Fout.OTHER, str(exc) or exc.__class__.__name__))
    antwoord = answer.body[:ANSWER_PREFIX]
    if 200 <= answer.status < 300:
        return done(status_code=answer.status, antwoord=antwoord)
    code = Fout.REDIRECT if 300 <= answer.status < 400 else Fout.STATUS
    return done(
        status_code=answer.status, fout=fout(code, f"HTTP {answer.status}"), antwoord=antwoord
    )


def _still_mine(claim: Claim):
    return WebhookDelivery.objects.filter(
        pk=claim.delivery.pk,
        status=DeliveryStatus.BEZIG,
        pogingen=claim.pogingen,
        lease_tot=claim.lease_tot,
    )


def record(claim: Claim, outcome: Outcome) -> str:
    """Keep the try and move the row on: delivered, retried later, or failed. One transaction,
    with the endpoint locked first (as every service that changes an endpoint and its
    deliveries does); a claim that was taken over meanwhile (its lease ran out) keeps only its
    attempt row, and an endpoint deleted meanwhile keeps nothing."""
    delivery = claim.delivery
    now = timezone.now()
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update()
            .select_related("organisatie")
            .filter(pk=delivery.endpoint_id)
            .first()
        )
        if endpoint is None or not WebhookDelivery.objects.filter(pk=delivery.pk).exists():
            return "gone"
        WebhookAttempt.objects.create(
            delivery=delivery,
            timestamp=now,
            status_code=outcome.status_code,
            duur_ms=outcome.duur_ms,
            fout=outcome.fout,
            antwoord=outcome.antwoord,
        )
        if outcome.ok:
            updated = _still_mine(claim).update(
                status=DeliveryStatus.AFGELEVERD,
                afgeleverd_op=now,
                lease_tot=None,
                volgende_poging_op=None,
                laatste_code=outcome.status_code,
                laatste_fout="",
            )
            if endpoint.opeenvolgende_fouten:
                endpoint.opeenvolgende_fouten = 0
                endpoint.save(update_fields=["opeenvolgende_fouten"])
            return "delivered" if updated else "lost"
        endpoint.opeenvolgende_fouten += 1
        endpoint.save(update_fields=["opeenvolgende_fouten"])
        final = claim.pogingen >= max_attempts() or not endpoint.actief
        fields = {
            "lease_tot": None,
            "laatste_code": outcome.status_code,
            "laatste_fout": outcome.fout,
        }
        if final:
            fields.update(status=DeliveryStatus.MISLUKT, volgende_poging_op=None)
        else:
            delay = retry_delays()[claim.pogingen - 1]
            fields.update(
                status=DeliveryStatus.WACHTEND, volgende_poging_op=now + timedelta(seconds=delay)
            )
        updated = _still_mine(claim).update(**fields)
        threshold = int(settings.WEBHOOK_DISABLE_AFTER_FAILURES)
        if endpoint.actief and threshold and endpoint.opeenvolgende_fouten >= threshold:
            disable_after_failures(endpoint, now=now)
    logger.warning(
        "webhooks: delivery %s (%s) attempt %s failed: %s%s",
        delivery.pk,
        delivery.event_type,
        claim.pogingen,
        outcome.fout,
        ", giving up" if final else "",
    )
    if not updated:
        return "lost"
    return "failed" if final else "retried"


def stop_waiting(endpoint: WebhookEndpoint) -> int:
    """The endpoint's waiting deliveries end as ``mislukt`` (redeliverable by hand)."""
    return WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.WACHTEND).update(
        status=DeliveryStatus.MISLUKT,
        volgende_poging_op=None,
        lease_tot=None,
        laatste_fout=fout(Fout.DISABLED, "endpoint disabled"),
    )


def disable_after_failures(endpoint: WebhookEndpoint, *, now: datetime) -> None:
    """Too many failed tries in a row: disable, stop the waiting deliveries, audit, and tell
    the beheerders (call in a transaction, with the endpoint locked)."""
    n = endpoint.opeenvolgende_fouten
    endpoint.actief = False
    endpoint.uitgeschakeld_op = now
    endpoint.uitgeschakeld_reden = f"{Reden.FOUTEN}:{n}"
    endpoint.updated_at = now
    endpoint.save(update_fields=["actief", "uitgeschakeld_op", "uitgeschakeld_reden", "updated_at"])
    stopped = stop_waiting(endpoint)
    audit_log(
        actor=None,
        organisatie=endpoint.organisatie,
        action=AuditAction.UPDATE,
        kind=AuditKind.API,
        obj=endpoint,
        changes={"actief": {"old": True, "new": False}},
        message=f"webhook endpoint disabled after {n} failed attempts in a row",
    )
    bericht_create(
        organisatie=endpoint.organisatie,
        soort=Soort.STATUS,
        sjabloon=SJABLOON_UITGESCHAKELD,
        params={
            "url": endpoint.url,
            "fouten": n,
            "gestopt": stopped,
            "seconden": max(1, round(float(settings.WEBHOOK_TIMEOUT_SECONDS))),
        },
        link=reverse("webhooks:detail", args=[endpoint.pk]),
        betreft=endpoint,
        sleutel=f"{SJABLOON_UITGESCHAKELD}:{endpoint.pk}:{now.isoformat()}"[:200],
    )
    logger.warning("webhooks: endpoint %s disabled after %s failures", endpoint.pk, n)


def deliver_claim(claim: Claim) -> str:
    return record(claim, attempt(claim.delivery))


def deliver_webhooks(event_ids: list[str]) -> Report:
    """Deliver these rows if they are due (after the commit that wrote them)."""
    report = Report()
    for _ in range(len(event_ids)):
        claim = claim_one(event_ids=event_ids)
        if claim is None:
            break
        report.add(deliver_claim(claim))
    return report


def deliver_due(*, limit: int | None = None) -> Report:
    """Deliver everything that is due (retries, rows a worker left); at most ``limit`` rows."""
    report = Report()
    done = 0
    while limit is None or done < limit:
        claim = claim_one()
        if claim is None:
            break
        report.add(deliver_claim(claim))
        done += 1
    return report


def prune(now: datetime | None = None) -> dict[str, int]:
    """The delivery log older than ``WEBHOOK_LOG_RETENTION_DAYS``: finished deliveries with
    their attempts, and old attempts of deliveries that are still going."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS)
    attempts = WebhookAttempt.objects.filter(timestamp__lt=cutoff).delete()[0]
    deliveries = (
        WebhookDelivery.objects.filter(
            created_at__lt=cutoff,
            status__in=[DeliveryStatus.AFGELEVERD, DeliveryStatus.MISLUKT],
        )
        .delete()[1]
        .get(WebhookDelivery._meta.label, 0)
    )
    return {"webhook_deliveries": deliveries, "webhook_attempts": attempts}
