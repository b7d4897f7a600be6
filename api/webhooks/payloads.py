"""What a webhook carries: ids and facts, no personal data beyond the relatie's name and KvK.

Every event has the Standard Webhooks shape ``{"type", "timestamp", "data"}``; ``data`` is about
one ketenmachtiging (``data_of``). The receiver fetches more through the API when it needs it
(``data.url``). The OpenAPI schema of these payloads is ``api.webhooks.schema``.
"""

from datetime import UTC, date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone


def _iso(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def data_of(row: dict, **extra) -> dict:
    """The ``data`` of an event about the ketenmachtiging in ``row`` (fields of
    ``ketenmachtigingen.notifications.row_of``)."""
    data = {
        "id": row["pk"],
        "kenmerk": row.get("kenmerk", ""),
        "status": row.get("naar") or row.get("status"),
        "relatie": {
            "naam": row.get("relatie_naam", ""),
            "kvk_nummer": row.get("relatie_kvk_nummer") or None,
            "rsin": row.get("relatie_rsin") or None,
        },
        "einddatum": _iso(row.get("einddatum")),
        "url": settings.SITE_URL + reverse("api:ketenmachtiging-detail", args=[row["pk"]]),
    }
    data.update({k: _iso(v) if isinstance(v, date | datetime) else v for k, v in extra.items()})
    return data


def envelope(event_type: str, data: dict, *, at: datetime | None = None) -> dict:
    return {"type": event_type, "timestamp": _iso(at or timezone.now()), "data": data}
