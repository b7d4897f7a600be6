"""Retention of uploaded forms: the file goes ``UPLOAD_RETENTION_DAYS`` after the decision."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ketenmachtigingen.constants import FINAL, Status

from .models import Ondertekening


def sweep_uploads(now: datetime | None = None) -> int:
    """Delete the files of requests decided (active or final) more than the retention ago."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.UPLOAD_RETENTION_DAYS)
    due = Ondertekening.objects.filter(bestand_verwijderd_op=None).exclude(bestand="")
    due = due.filter(
        Q(ketenmachtiging__status=Status.ACTIEF, ketenmachtiging__geactiveerd_op__lte=cutoff)
        | Q(ketenmachtiging__status__in=FINAL, ketenmachtiging__beeindigd_op__lte=cutoff)
    )
    count = 0
    for ondertekening in due.iterator():
        ondertekening.bestand.delete(save=False)
        ondertekening.bestand_verwijderd_op = now
        ondertekening.save(update_fields=["bestand", "bestand_verwijderd_op"])
        count += 1
    return count
