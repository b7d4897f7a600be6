"""Reads of the outbox: the e-mails about one object (for its history)."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from .models import Mail


def mails_about(obj: models.Model) -> QuerySet[Mail]:
    """Every e-mail about ``obj``, oldest first. The caller has checked that the reader may see
    ``obj``; the e-mails are visible with it."""
    return Mail.objects.filter(
        betreft_type=ContentType.objects.get_for_model(obj), betreft_id=obj.pk
    ).order_by("created_at", "pk")
