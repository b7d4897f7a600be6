"""Writing webhook events to the outbox, in the transaction of the change they are about.

The lifecycle sends its signals (``ketenmachtigingen.signals``) inside the transaction of each
change; ``receivers`` turns them into events here. Per call, set-based: one query for the
active endpoints of the organisations concerned (their subscriptions are read in Python: a JSON
list), one bulk INSERT of the deliveries. An organisation without an endpoint for the event gets
no row at all, so the sweeps stay cheap (one query per chunk of 1,000).

Every delivery gets its own ``event_id`` (``msg_`` and a ULID: time-ordered, 26 characters),
the ``webhook-id`` its receiver deduplicates on, the same on every retry. Events that a sweep
emits carry a ``sleutel`` (``{type}:{endpoint}:{pk}:{key}``): unique, so a sweep that runs twice
writes nothing twice (``ON CONFLICT DO NOTHING``). After commit, tasks deliver the new rows
(``tasks.deliver_webhooks``); the periodic sweep catches whatever they leave.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ketenportal.utils.tasks import dispatch

from ..constants import DeliveryStatus
from ..models import WebhookDelivery, WebhookEndpoint
from .constants import TASK_BATCH
from .payloads import envelope

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_event_id() -> str:
    """``msg_`` and a ULID: 48 bits of milliseconds and 80 random bits in Crockford base32."""
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "msg_" + "".join(reversed(chars))


@dataclass(frozen=True)
class Event:
    """One event about one thing of one organisation, before it is fanned out to endpoints."""

    organisatie_id: int
    type: str
    data: dict
    # What makes the event single (with type and endpoint); None: every emission is new.
    sleutel: str | None = None


def endpoints_for(organisatie_ids: set[int]) -> dict[int, list[tuple[int, set[str]]]]:
    """The active endpoints of these organisations with their subscriptions: one query."""
    found: dict[int, list[tuple[int, set[str]]]] = {}
    if not organisatie_ids:
        return found
    rows = WebhookEndpoint.objects.filter(
        organisatie_id__in=organisatie_ids, actief=True
    ).values_list("pk", "organisatie_id", "events")
    for pk, organisatie_id, events in rows:
        found.setdefault(organisatie_id, []).append((pk, set(events or [])))
    return found


def emit(events: list[Event], *, now: datetime | None = None) -> int:
    """Write a delivery per event per subscribed active endpoint; returns the number of rows
    offered (a sweep's repeat is among them, but kept out by its ``sleutel``). Call inside the
    transaction of the change."""
    if not events:
        return 0
    endpoints = endpoints_for({e.organisatie_id for e in events})
    if not endpoints:
        return 0
    now = now or timezone.now()
    rows = []
    for event in events:
        for endpoint_id, subscribed in endpoints.get(event.organisatie_id, []):
            if event.type not in subscribed:
                continue
            rows.append(
                WebhookDelivery(
                    endpoint_id=endpoint_id,
                    event_id=new_event_id(),
                    event_type=event.type,
                    payload=envelope(event.type, event.data, at=now),
                    sleutel=(
                        f"{event.type}:{endpoint_id}:{event.sleutel}"[:200]
                        if event.sleutel
                        else None
                    ),
                    status=DeliveryStatus.WACHTEND,
                    volgende_poging_op=now,
                    created_at=now,
                )
            )
    if not rows:
        return 0
    # A sleutel that exists is skipped by the database (also when a second sweep inserts at
    # the same moment); the rows' ids are not returned then, so tasks are given event ids.
    WebhookDelivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    deliver_after_commit([r.event_id for r in rows])
    return len(rows)


def deliver_after_commit(event_ids: list[str]) -> None:
    from ..tasks import deliver_webhooks

    for start in range(0, len(event_ids), TASK_BATCH):
        dispatch(deliver_webhooks, event_ids[start : start + TASK_BATCH])
