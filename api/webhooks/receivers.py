"""The lifecycle's signals become webhook events of the intermediair (``emit``).

* ``status_recorded``: ``ketenmachtiging.created`` for a new one (``van`` is ""), otherwise
  ``ketenmachtiging.status_changed`` with ``old_status`` and ``new_status``; and when an active
  one ended or expired, ``ketenmachtiging.ended`` as well.
* ``notified``: the notification map's events that a receiver's software acts on:
  renewal due (``VERLENGING_NODIG``), invitation lapsing (``UITNODIGING_VERLOOPT``, with its
  ``deadline``) and expiring within 30 days (``VERLOOPT_BINNENKORT``, with ``days_left``). The
  map's key makes each single per endpoint, however often the sweep runs.

Rows without an intermediair on the platform are skipped: nobody could have subscribed.
"""

from django.dispatch import receiver
from django.utils import timezone

from ketenmachtigingen.constants import Status
from ketenmachtigingen.notifications import Event as Melding
from ketenmachtigingen.signals import notified, status_recorded

from ..constants import WebhookEvent
from .emit import Event, emit
from .payloads import data_of

#: Events of the notification map that are webhook events.
FROM_NOTIFICATIONS = {
    Melding.VERLENGING_NODIG: WebhookEvent.RENEWAL_DUE,
    Melding.UITNODIGING_VERLOOPT: WebhookEvent.INVITATION_LAPSING,
    Melding.VERLOOPT_BINNENKORT: WebhookEvent.EXPIRING,
}
ENDINGS = {Status.BEEINDIGD, Status.VERLOPEN}


def status_events(rows: list[dict]) -> list[Event]:
    events = []
    for row in rows:
        organisatie_id = row.get("intermediair_id")
        if not organisatie_id:
            continue
        van, naar = row.get("van") or "", row["naar"]
        if not van:
            events.append(Event(organisatie_id, WebhookEvent.CREATED, data_of(row)))
            continue
        data = data_of(row, old_status=van, new_status=naar)
        events.append(Event(organisatie_id, WebhookEvent.STATUS_CHANGED, data))
        if van == Status.ACTIEF and naar in ENDINGS:
            events.append(Event(organisatie_id, WebhookEvent.ENDED, data))
    return events


def _extra(event_type: str, row: dict) -> dict:
    if event_type == WebhookEvent.INVITATION_LAPSING:
        return {"deadline": row.get("uitnodiging_geldig_tot")}
    if event_type == WebhookEvent.EXPIRING:
        einddatum = row.get("einddatum")
        days = (einddatum - timezone.localdate()).days if einddatum else 0
        return {"days_left": max(0, days)}
    return {}


def notification_events(melding, rows: list[dict], keys: dict) -> list[Event]:
    event_type = FROM_NOTIFICATIONS.get(melding)
    if event_type is None:
        return []
    events = []
    for row in rows:
        organisatie_id = row.get("intermediair_id")
        if not organisatie_id:
            continue
        events.append(
            Event(
                organisatie_id,
                event_type,
                data_of(row, **_extra(event_type, row)),
                sleutel=f"{row['pk']}:{keys.get(row['pk'], '')}",
            )
        )
    return events


@receiver(status_recorded, dispatch_uid="api.webhooks.status_recorded")
def on_status_recorded(sender, rows: list[dict], **kwargs) -> None:
    emit(status_events(rows))


@receiver(notified, dispatch_uid="api.webhooks.notified")
def on_notified(sender, event, rows: list[dict], keys: dict | None = None, **kwargs) -> None:
    if event in FROM_NOTIFICATIONS:
        emit(notification_events(event, rows, keys or {}))
