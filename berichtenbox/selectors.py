"""Reads of the berichtenbox, always within one organisation: messages belong to the
organisation, and so does whether they have been read."""

from django.db.models import QuerySet

from accounts.models import Organisatie

from .constants import ALGEMEEN, Soort
from .models import Bericht


def _visible(organisatie: Organisatie, met_ketenmachtigingen: bool) -> QuerySet[Bericht]:
    qs = Bericht.objects.filter(organisatie=organisatie)
    if not met_ketenmachtigingen:
        qs = qs.filter(soort__in=ALGEMEEN)
    return qs


def berichten_for(
    *, organisatie: Organisatie, soort: str = "", met_ketenmachtigingen: bool = True
) -> QuerySet[Bericht]:
    """The organisation's messages, newest first; ``soort`` narrows them to one kind (a value
    that is not a kind is ignored, so a tampered filter shows everything, never an error).
    A reader below EH3 (``met_ketenmachtigingen`` off) sees no messages about
    ketenmachtigingen."""
    qs = _visible(organisatie, met_ketenmachtigingen)
    if soort in Soort.values:
        qs = qs.filter(soort=soort)
    return qs.order_by("-created_at", "-pk")


def bericht_of(*, organisatie: Organisatie, pk: int, met_ketenmachtigingen: bool = True) -> Bericht:
    """One message of this organisation; another organisation's raises DoesNotExist (a 404),
    as does one about ketenmachtigingen for a reader below EH3."""
    return _visible(organisatie, met_ketenmachtigingen).get(pk=pk)


def unread_count(*, organisatie: Organisatie, met_ketenmachtigingen: bool = True) -> int:
    """How many of the organisation's messages (that the reader may see) nobody has opened yet
    (one COUNT on the (organisatie, gelezen_op, created_at) index)."""
    return _visible(organisatie, met_ketenmachtigingen).filter(gelezen_op__isnull=True).count()


def berichten_about(obj, *, organisatie: Organisatie) -> QuerySet[Bericht]:
    """The organisation's messages about ``obj`` (a ketenmachtiging's history), oldest first."""
    from django.contrib.contenttypes.models import ContentType

    return Bericht.objects.filter(
        organisatie=organisatie,
        betreft_type=ContentType.objects.get_for_model(obj),
        betreft_id=obj.pk,
    ).order_by("created_at", "pk")
