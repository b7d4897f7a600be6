"""Signals of the lifecycle, for the layers above (the webhook outbox in ``api``).

Both are sent inside the transaction of the change, so a receiver that writes rows (an
outbox) commits or rolls back with it. Rows are plain dicts with the fields of
``notifications.row_of``.

* ``status_recorded``: ketenmachtigingen got a status: created (``van`` is "") or changed,
  one at a time (``transition_to``) or set-based (sweeps, bulk renewal). Each row carries
  ``van`` and ``naar``.
* ``notified``: the notification map emitted ``event`` for ``rows`` (renewal due, invitation
  lapsing, expiring soon, …); ``keys`` maps a row's pk to the event's key, which makes it single.
"""

from django.dispatch import Signal

status_recorded = Signal()
notified = Signal()


def send_status(rows: list[dict]) -> None:
    if rows:
        status_recorded.send(sender="ketenmachtigingen", rows=rows)
