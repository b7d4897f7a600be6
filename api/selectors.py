"""Reads of the API app, always scoped to one organisation."""

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.constants import Rol
from accounts.models import Lidmaatschap, Organisatie

from .models import ApiKey


def apikeys_for(*, organisatie: Organisatie) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organisatie=organisatie).select_related(
        "created_by", "ingetrokken_door"
    )


def apikeys_with_state(*, organisatie: Organisatie) -> list[ApiKey]:
    """The organisation's keys, each with ``state`` (werkt, verlopen, ingetrokken, or
    ``maker_weg``: its maker is no longer a beheerder with EH3, so it stops working)."""
    maker_is_beheerder = Exists(
        Lidmaatschap.objects.filter(
            user=OuterRef("created_by"), organisatie=organisatie, rol=Rol.BEHEERDER
        )
    )
    keys = list(apikeys_for(organisatie=organisatie).annotate(maker_ok=maker_is_beheerder))
    today = timezone.localdate()
    for key in keys:
        maker = key.created_by
        if key.ingetrokken_op:
            key.state = "ingetrokken"
        elif key.is_expired(today):
            key.state = "verlopen"
        elif (
            not key.maker_ok
            or maker is None
            or not maker.is_active
            or not maker.can_use_ketenmachtigingen
        ):
            key.state = "maker_weg"
        else:
            key.state = "werkt"
    return keys


def apikey_of(*, organisatie: Organisatie, pk: int) -> ApiKey:
    return get_object_or_404(apikeys_for(organisatie=organisatie), pk=pk)
