"""Webhooks: events of the lifecycle, written to an outbox, signed and delivered.

* ``receivers``: the lifecycle's signals become events (``emit``), in the change's transaction;
* ``delivery``: a worker claims, signs, sends, retries and disables (``ssrf``, ``transport``);
* ``services`` and ``selectors``: the pages under Instellingen > Webhooks (``api.webhook_views``);
* ``payloads`` and ``schema``: what an event carries, and its contract in the OpenAPI schema.
"""

from . import receivers  # noqa: F401 - connects the signal receivers
