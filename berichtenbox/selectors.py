"""Reads of the berichtenbox, always within one organisation: messages belong to the
organisation, and so does whether they have been read."""

from django.db.models import QuerySet

from accounts.models import Organisatie

from .constants import Soort
from .models import Bericht


def berichten_for(*, organisatie: Organisatie, soort: str = "") -> QuerySet[Bericht]:
    """The organisation's messages, newest first; ``soort`` narrows them to one kind (a value
    that is not a kind is ignored, so a tampered filter shows everything, never an error)."""
    qs = Bericht.objects.filter(organisatie=organisatie)
    if soort in Soort.values:
        qs = qs.filter(soort=soort)
    return qs.order_by("-created_at", "-pk")


def bericht_of(*, organisatie: Organisatie, pk: int) -> Bericht:
    """One message of this organisation; another organisation's raises DoesNotExist (a 404)."""
    return Bericht.objects.get(organisatie=organisatie, pk=pk)


def unread_count(*, organisatie: Organisatie) -> int:
    """How many of the organisation's messages nobody has opened yet (one COUNT on the
    (organisatie, gelezen_op, created_at) index)."""
    return Bericht.objects.filter(organisatie=organisatie, gelezen_op__isnull=True).count()
