"""Reads of EH-middelen: every query is scoped to one organisation, except the back office's."""

from datetime import date

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from ..constants import MIDDEL_VERLOOP_MAANDEN, MiddelAanvraagStatus, MiddelStatus
from ..models import EHMiddel, EHMiddelAanvraag, Organisatie


def verloop_horizon(today: date) -> date:
    from dateutil.relativedelta import relativedelta

    return today + relativedelta(months=MIDDEL_VERLOOP_MAANDEN)


def status_filter(status: str, today: date) -> Q:
    """The condition for a status as people read it (an active means past its date: expired)."""
    if status == MiddelStatus.ACTIEF:
        return Q(status=MiddelStatus.ACTIEF, geldig_tot__gte=today)
    if status == MiddelStatus.VERLOPEN:
        return Q(status=MiddelStatus.ACTIEF, geldig_tot__lt=today)
    if status == MiddelStatus.INGETROKKEN:
        return Q(status=MiddelStatus.INGETROKKEN)
    return Q()


def ehmiddelen_for(
    *,
    organisatie: Organisatie,
    status: str = "",
    niveau: str = "",
    soort: str = "",
    alleen_belastingdienst: bool | None = None,
    verloopt_binnenkort: bool = False,
    search: str = "",
    today: date | None = None,
) -> QuerySet[EHMiddel]:
    """The means of one organisation, soonest end date first, optionally filtered."""
    today = today or timezone.localdate()
    qs = EHMiddel.objects.filter(organisatie=organisatie).select_related("houder")
    qs = qs.filter(status_filter(status, today))
    if niveau:
        qs = qs.filter(niveau=niveau)
    if soort:
        qs = qs.filter(soort=soort)
    if alleen_belastingdienst is not None:
        qs = qs.filter(alleen_belastingdienst=alleen_belastingdienst)
    if verloopt_binnenkort:
        qs = qs.filter(
            status=MiddelStatus.ACTIEF,
            geldig_tot__gte=today,
            geldig_tot__lte=verloop_horizon(today),
        )
    for term in search.split()[:5]:
        qs = qs.filter(
            Q(houder__last_name__icontains=term)
            | Q(houder__first_name__icontains=term)
            | Q(houder__voorletters__icontains=term)
            | Q(houder__username__icontains=term)
            | Q(houder__email__icontains=term)
        )
    return qs.order_by("geldig_tot", "pk")


def ehmiddel_of(*, organisatie: Organisatie, pk: int) -> EHMiddel:
    """One means of this organisation; another organisation's raises DoesNotExist (a 404)."""
    return EHMiddel.objects.select_related("houder", "organisatie").get(
        organisatie=organisatie, pk=pk
    )


def verlopend(*, organisatie: Organisatie, today: date | None = None) -> tuple[int, date | None]:
    """How many active means expire within the notice period, and the first end date (one
    query: the home page's query count stays flat)."""
    today = today or timezone.localdate()
    result = ehmiddelen_for(organisatie=organisatie, verloopt_binnenkort=True, today=today)
    agg = result.order_by().aggregate(aantal=Count("pk"), eerst=Min("geldig_tot"))
    return agg["aantal"], agg["eerst"]


def aanvragen_for(*, organisatie: Organisatie) -> QuerySet[EHMiddelAanvraag]:
    """The organisation's requests for a means, newest first."""
    return EHMiddelAanvraag.objects.filter(organisatie=organisatie).order_by("-created_at", "-pk")


def backoffice_aanvragen(*, status: str = "") -> QuerySet[EHMiddelAanvraag]:
    """Requests for the back office (of every organisation: staff work for all), oldest first."""
    qs = EHMiddelAanvraag.objects.select_related("organisatie", "aangevraagd_door")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def open_aanvragen_count() -> int:
    return EHMiddelAanvraag.objects.filter(status=MiddelAanvraagStatus.INGEDIEND).count()
