"""Reads of the webhook pages, always scoped to one organisation (or one of its endpoints)."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from accounts.models import Organisatie

from ..models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoints_for(*, organisatie: Organisatie) -> QuerySet[WebhookEndpoint]:
    """The organisation's endpoints, each with its last delivery's time and status."""
    last = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-pk")
    return WebhookEndpoint.objects.filter(organisatie=organisatie).annotate(
        laatste_aflevering_op=Subquery(last.values("created_at")[:1]),
        laatste_aflevering_status=Subquery(last.values("status")[:1]),
    )


def webhook_endpoint_of(*, organisatie: Organisatie, pk: int) -> WebhookEndpoint:
    """One endpoint of the organisation; another organisation's is a 404."""
    return get_object_or_404(WebhookEndpoint.objects.filter(organisatie=organisatie), pk=pk)


def webhook_deliveries_of(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's delivery log, newest first, with the duration of each latest try."""
    last_try = WebhookAttempt.objects.filter(delivery=OuterRef("pk")).order_by("-timestamp", "-pk")
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .annotate(laatste_duur_ms=Subquery(last_try.values("duur_ms")[:1]))
        .defer("payload")
        .order_by("-created_at", "-pk")
    )


def webhook_delivery_of(*, endpoint: WebhookEndpoint, pk: int) -> WebhookDelivery:
    """One delivery of the endpoint (so of the organisation); anything else is a 404."""
    return get_object_or_404(WebhookDelivery.objects.filter(endpoint=endpoint), pk=pk)


def webhook_attempts_of(*, delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return WebhookAttempt.objects.filter(delivery=delivery).order_by("-timestamp", "-pk")
