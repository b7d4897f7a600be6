"""Reads of the service catalogue: search for the picker and the catalogue page."""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .models import Dienst, Dienstverlener

#: Services the picker shows for one search. A hundred checkboxes is already more than anyone
#: reads; a search of a word or two narrows a catalogue of thousands to what one needs, and the
#: picker says when there are more. Each result costs render time on every keystroke.
PICKER_LIMIT = 100
#: Services the read-only catalogue page shows for one search.
CATALOGUE_LIMIT = 200


@dataclass
class DienstverlenerGroup:
    dienstverlener: Dienstverlener
    diensten: list[Dienst] = field(default_factory=list)

    @property
    def label(self) -> str:
        """The label of the provider's own checkbox (here, not a template tag per group: a
        search can show dozens of groups)."""
        return _("Service provider authorisation for %(name)s") % {"name": self.dienstverlener.naam}


@dataclass
class CatalogueSearch:
    q: str
    groups: list[DienstverlenerGroup]
    total: int
    truncated: bool


def _search_filter(q: str) -> Q:
    """Every word in the service's names or its provider's. The providers are matched in a
    subquery on their own small table, so the catalogue's services are compared once per word,
    on one column, without the join."""
    condition = Q()
    for term in q.split()[:6]:
        providers = Dienstverlener.objects.filter(
            Q(naam_nl__icontains=term) | Q(naam_en__icontains=term)
        ).values("pk")
        condition &= Q(zoektekst__icontains=term) | Q(dienstverlener_id__in=providers)
    return condition


def diensten_catalogue(*, q: str = "", dienstverlener_id: int | None = None) -> QuerySet[Dienst]:
    """The catalogue's offered diensten (of offered dienstverleners) whose name or dienstverlener
    matches every word of ``q``, by dienstverlener and name, with their dienstverlener."""
    q = " ".join(q.split())[:100]
    qs: QuerySet[Dienst] = Dienst.objects.filter(aangeboden=True, dienstverlener__aangeboden=True)
    if q:
        qs = qs.filter(_search_filter(q))
    if dienstverlener_id:
        qs = qs.filter(dienstverlener_id=dienstverlener_id)
    return qs.select_related("dienstverlener").order_by(
        "dienstverlener__naam_nl", "dienstverlener_id", "naam_nl", "pk"
    )


def dienstverleners_catalogue() -> QuerySet[Dienstverlener]:
    """The catalogue's offered dienstverleners, in name order."""
    return Dienstverlener.objects.filter(aangeboden=True).order_by("naam_nl", "pk")


def diensten_search(*, q: str = "", limit: int = PICKER_LIMIT) -> CatalogueSearch:
    """Offered diensten whose name or dienstverlener matches every word of ``q``, grouped by
    dienstverlener in name order. At most ``limit`` diensten; ``truncated`` says there are more."""
    q = " ".join(q.split())[:100]
    qs = diensten_catalogue(q=q)
    rows = list(qs[: limit + 1])
    truncated = len(rows) > limit
    rows = rows[:limit]
    groups: list[DienstverlenerGroup] = []
    for dienst in rows:
        if not groups or groups[-1].dienstverlener.pk != dienst.dienstverlener_id:
            groups.append(DienstverlenerGroup(dienst.dienstverlener))
        groups[-1].diensten.append(dienst)
    return CatalogueSearch(q=q, groups=groups, total=len(rows), truncated=truncated)


def catalogue_counts() -> dict[str, int]:
    return {
        "dienstverleners": Dienstverlener.objects.filter(aangeboden=True).count(),
        "diensten": Dienst.objects.filter(aangeboden=True).count(),
    }
