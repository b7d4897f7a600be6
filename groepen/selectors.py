"""Reads of the groepen app, always within one organisation."""

from django.db.models import Count, Q, QuerySet

from accounts.models import Lidmaatschap, Organisatie
from accounts.selectors import gebruikers_for

from .models import Groep


def groepen_for(*, organisatie: Organisatie, search: str = "") -> QuerySet[Groep]:
    qs = Groep.objects.filter(organisatie=organisatie).annotate(aantal_leden=Count("leden"))
    for term in search.split()[:5]:
        qs = qs.filter(naam__icontains=term)
    return qs.order_by("naam", "pk")


def groep_of(*, organisatie: Organisatie, pk: int) -> Groep:
    """One group of this organisation; another organisation's raises DoesNotExist (a 404)."""
    return Groep.objects.prefetch_related("dienstverleners", "diensten").get(
        organisatie=organisatie, pk=pk
    )


def groep_leden(groep: Groep) -> QuerySet[Lidmaatschap]:
    return (
        groep.leden.filter(user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__voorletters", "user__username")
    )


def leden_candidates(*, groep: Groep, search: str = "") -> QuerySet[Lidmaatschap]:
    """Members of the group's organisation who are not in the group yet."""
    return gebruikers_for(organisatie=groep.organisatie, search=search).exclude(
        Q(pk__in=groep.leden.values("pk"))
    )
