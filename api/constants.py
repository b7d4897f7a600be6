"""Choices of the API: key access, webhook event types, delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Toegang(models.TextChoices):
    """What an API key may do."""

    LEZEN = "lezen", _("Read only")
    SCHRIJVEN = "schrijven", _("Read and write")


class WebhookEvent(models.TextChoices):
    """The events a webhook endpoint can receive (payloads: ``api.webhooks.schema``)."""

    CREATED = "ketenmachtiging.created", _("Ketenmachtiging created")
    STATUS_CHANGED = "ketenmachtiging.status_changed", _("Status changed")
    RENEWAL_DUE = "ketenmachtiging.renewal_due", _("Renewal due")
    EXPIRING = "ketenmachtiging.expiring", _("Expires within 30 days")
    ENDED = "ketenmachtiging.ended", _("Ended")
    INVITATION_LAPSING = "ketenmachtiging.invitation_lapsing", _("Invitation lapses soon")
    # Only sent on request ("Send a test event"), never subscribed to.
    TEST = "webhook.test", _("Test event")


SUBSCRIBABLE = [e for e in WebhookEvent if e != WebhookEvent.TEST]


class DeliveryStatus(models.TextChoices):
    WACHTEND = "wachtend", _("Waiting")
    BEZIG = "bezig", _("Sending")
    AFGELEVERD = "afgeleverd", _("Delivered")
    MISLUKT = "mislukt", _("Failed")
