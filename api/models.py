"""Organisation API keys and webhooks.

An ``ApiKey`` lets an organisation's own software (practice management, payroll) use the REST
API with the rights of the beheerder who made it: it is shown once, stored as a SHA-256 hash
(the key itself has 256 bits of randomness, so a slow hash adds nothing) and recognised by its
visible prefix. It stops working when it expires, is revoked, or its maker is no longer a
beheerder of the organisation with EH3.

A ``WebhookEndpoint`` receives the organisation's lifecycle events. Every event is a
``WebhookDelivery`` row written in the transaction of the change (an outbox, as e-mails are);
a worker sends it after commit and retries with backoff; each try is a ``WebhookAttempt`` in
the delivery log. The endpoint's signing secret is stored encrypted (``api.crypto``): it must be
recoverable to sign, but a database dump alone does not give it away.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisatie

from .constants import DeliveryStatus, Toegang


class ApiKey(models.Model):
    organisatie = models.ForeignKey(Organisatie, on_delete=models.CASCADE, related_name="+")
    naam = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    toegang = models.CharField(
        _("access"), max_length=10, choices=Toegang.choices, default=Toegang.LEZEN
    )
    geldig_tot = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    laatst_gebruikt_op = models.DateTimeField(_("last used"), null=True, blank=True)
    ingetrokken_op = models.DateTimeField(_("revoked on"), null=True, blank=True)
    ingetrokken_door = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisatie", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.naam} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.toegang == Toegang.SCHRIJVEN

    def is_expired(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.geldig_tot is not None and self.geldig_tot < today


class WebhookEndpoint(models.Model):
    organisatie = models.ForeignKey(Organisatie, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    omschrijving = models.CharField(_("description"), max_length=200, blank=True)
    # The subscribed event types (api.constants.WebhookEvent values).
    events = models.JSONField(_("events"), default=list)
    secret_encrypted = models.TextField()
    actief = models.BooleanField(_("active"), default=True)
    uitgeschakeld_op = models.DateTimeField(_("disabled on"), null=True, blank=True)
    uitgeschakeld_reden = models.CharField(_("reason"), max_length=300, blank=True)
    # Failed tries since the last delivered one: the endpoint is disabled at a threshold.
    opeenvolgende_fouten = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisatie", "actief"])]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint; ``event_id`` is the ``webhook-id`` the receiver dedups on."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(_("event"), max_length=60)
    payload = models.JSONField()
    # Makes an event single however often a sweep runs (event type, endpoint, what it is about).
    sleutel = models.CharField(max_length=200, unique=True, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.WACHTEND
    )
    pogingen = models.PositiveSmallIntegerField(_("attempts"), default=0)
    volgende_poging_op = models.DateTimeField(null=True, blank=True)
    lease_tot = models.DateTimeField(null=True, blank=True)
    laatste_code = models.PositiveSmallIntegerField(null=True, blank=True)
    laatste_fout = models.CharField(max_length=300, blank=True)
    afgeleverd_op = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["volgende_poging_op"],
                condition=Q(status__in=[DeliveryStatus.WACHTEND, DeliveryStatus.BEZIG]),
                name="webhook_due_idx",
            ),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class WebhookAttempt(models.Model):
    """One try to deliver: the delivery log's line."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    timestamp = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    duur_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    fout = models.CharField(_("error"), max_length=300, blank=True)
    # Only a short prefix of the receiver's answer is kept.
    antwoord = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-timestamp", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.timestamp:%Y-%m-%d %H:%M:%S} {self.status_code}"
