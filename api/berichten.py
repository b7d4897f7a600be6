"""Texts of the API's berichten (registered with the berichtenbox when the app loads).

* ``api.webhook_uitgeschakeld``: an endpoint was disabled after too many failed deliveries in a
  row (``api.webhooks.delivery``); params: ``url``, ``fouten`` (the count), ``seconden`` (the
  timeout), ``gestopt`` (the waiting deliveries that stopped).
"""

from django.utils.translation import gettext_noop

from berichtenbox.teksten import register

register(
    "api.webhook_uitgeschakeld",
    onderwerp=gettext_noop("Webhook endpoint %(url)s has been disabled"),
    tekst=gettext_noop(
        "Ketenportal could not deliver events to your webhook endpoint %(url)s: the last "
        "%(fouten)s attempts in a row failed. The endpoint has been disabled, so no more events "
        "are sent to it, and %(gestopt)s waiting events were stopped.\n\nCheck that your "
        "endpoint is reachable and answers with a 2xx status within %(seconden)s seconds. "
        "Then enable it again under Settings > Webhooks; the delivery log shows each attempt, "
        "and failed events can be delivered again from there."
    ),
)
