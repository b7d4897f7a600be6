"""Reads of the API app, always scoped to one organisation."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Organisatie

from .models import ApiKey


def apikeys_for(*, organisatie: Organisatie) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organisatie=organisatie).select_related(
        "created_by", "ingetrokken_door"
    )


def apikey_of(*, organisatie: Organisatie, pk: int) -> ApiKey:
    return get_object_or_404(apikeys_for(organisatie=organisatie), pk=pk)
