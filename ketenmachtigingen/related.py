"""The linked rows of many ketenmachtigingen at once: their service providers, services, users
and groups, read as pairs of ids (a fixed eight queries, whatever the number) with each linked
object loaded once. For work on thousands of ketenmachtigingen (exports, bulk renewal), where
``prefetch_related`` would build a related manager and a filtered QuerySet per ketenmachtiging
and relation, and send every id back to the database four times."""

from collections import defaultdict
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model, QuerySet

from accounts.models import Lidmaatschap
from diensten.models import Dienst, Dienstverlener
from diensten.scope import scope_text_from
from groepen.models import Groep

from .models import Ketenmachtiging

_Model = TypeVar("_Model", bound=Model)

#: Rows per round trip when reading the links.
CHUNK_SIZE = 10_000
#: Up to this many ketenmachtigingen, their query runs once and the ids are passed on; above it
#: the query is repeated as a subquery in each of the eight queries.
SMALL = 2000


@dataclass(frozen=True, slots=True)
class RelatedRows:
    """The services, service providers, users and groups of a set of ketenmachtigingen: per
    ketenmachtiging the ids of what is linked, and each linked object once."""

    links: dict[str, dict[int, list[int]]]
    dienstverleners: dict[int, Dienstverlener]
    diensten: dict[int, Dienst]
    gebruikers: dict[int, Lidmaatschap]
    groepen: dict[int, Groep]

    @classmethod
    def load(cls, qs: QuerySet[Ketenmachtiging]) -> "RelatedRows":
        """For the ketenmachtigingen of ``qs``."""
        subquery = qs.order_by().values("pk")
        few = list(subquery.values_list("pk", flat=True)[: SMALL + 1])
        return cls.load_ids(few if len(few) <= SMALL else subquery)

    @classmethod
    def load_ids(cls, pks: list[int] | QuerySet) -> "RelatedRows":
        """For the ketenmachtigingen with these ids (a list, or a query of ``pk`` values)."""

        def linked(relation: str) -> tuple[dict[int, list[int]], QuerySet]:
            through = getattr(Ketenmachtiging, relation).through
            # The through table's column of the other side: dienst, lidmaatschap, groep, …
            column = Ketenmachtiging._meta.get_field(relation).m2m_reverse_field_name()
            pairs = through.objects.filter(ketenmachtiging_id__in=pks)
            links: dict[int, list[int]] = defaultdict(list)
            for km_id, target_id in pairs.values_list("ketenmachtiging_id", column).iterator(
                chunk_size=CHUNK_SIZE
            ):
                links[km_id].append(target_id)
            return links, pairs.values(column)

        dv_links, dv_ids = linked("dienstverleners")
        dienst_links, dienst_ids = linked("diensten")
        lid_links, lid_ids = linked("gebruikers")
        groep_links, groep_ids = linked("groepen")
        return cls(
            links={
                "dienstverleners": dv_links,
                "diensten": dienst_links,
                "gebruikers": lid_links,
                "groepen": groep_links,
            },
            dienstverleners=_by_pk(Dienstverlener.objects.filter(pk__in=dv_ids)),
            diensten=_by_pk(
                Dienst.objects.filter(pk__in=dienst_ids).select_related("dienstverlener")
            ),
            gebruikers=_by_pk(Lidmaatschap.objects.filter(pk__in=lid_ids).select_related("user")),
            groepen=_by_pk(Groep.objects.filter(pk__in=groep_ids)),
        )

    def dienstverleners_of(self, pk: int) -> list[Dienstverlener]:
        found = [self.dienstverleners[i] for i in self.links["dienstverleners"].get(pk, ())]
        return sorted(found, key=lambda dv: (dv.naam, dv.pk))

    def diensten_of(self, pk: int) -> list[Dienst]:
        found = [self.diensten[i] for i in self.links["diensten"].get(pk, ())]
        return sorted(found, key=lambda d: (d.dienstverlener.naam, d.naam, d.pk))

    def gebruikers_of(self, pk: int) -> list[str]:
        # The order of the overview (``selectors.with_details``): by surname, then initials.
        found = [self.gebruikers[i] for i in self.links["gebruikers"].get(pk, ())]
        found.sort(key=lambda m: (m.user.last_name, m.user.voorletters, m.pk))
        return [str(m.user) for m in found]

    def groepen_of(self, pk: int) -> list[str]:
        return sorted(self.groepen[i].naam for i in self.links["groepen"].get(pk, ()))

    def ids_of(self, relation: str, pk: int) -> list[int]:
        """The ids linked to ketenmachtiging ``pk`` through ``relation`` ("diensten", …)."""
        return self.links[relation].get(pk, [])

    def scope_text_of(self, km: Ketenmachtiging) -> str:
        return scope_text_from(
            km.algemene_bevoegdheid, self.dienstverleners_of(km.pk), self.diensten_of(km.pk)
        )


def _by_pk(qs: QuerySet[_Model]) -> dict[int, _Model]:
    return {obj.pk: obj for obj in qs}
