"""Export of the overview "ketenmachtigingen van relaties" (manual 5.2, the "wolkje").

A beheerder downloads the ketenmachtigingen of the tab Actief, Wachtend op afhandeling or
Verlopen, as .xlsx or .csv, of the organisation being managed or of all organisations where they
are beheerder, with each ketenmachtiging's status. Each row holds what the overview shows when a
row unfolds: the parties, the status as people should see it today (the *effective* status),
the scope, the linked users and groups and the dates.

The rows are produced lazily while the download is sent (see ``ketenportal.utils.exports``,
which also makes every cell inert text): the ketenmachtigingen come from a server-side cursor,
2,000 at a time, so an intermediair with 50,000 of them gets its file without the server holding
them all.

The related rows (services, service providers, users, groups) are not prefetched per chunk as
``selectors.with_details`` does for a page of the overview. For an export that cost two thirds
of the time: Django builds a related manager and a filtered QuerySet per ketenmachtiging and
relation, and sends every chunk's 2,000 ids back to the database four times. Instead the links
are read once for the whole export, as pairs of ids (``_Related.load``, a fixed eight queries
with the export's own query as subquery), and each distinct service, user and group is loaded
once. That costs memory per *link*, a few dozen bytes each, not per ketenmachtiging.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Lidmaatschap, Organisatie
from diensten.models import Dienst, Dienstverlener
from diensten.scope import scope_text_for
from groepen.models import Groep

from .constants import PENDING, Status
from .models import Ketenmachtiging
from .selectors import ketenmachtigingen_for_organisaties

_Model = TypeVar("_Model", bound=Model)

#: Rows fetched per round trip from the server-side cursor while streaming.
CHUNK_SIZE = 2000
#: Separator inside a cell that lists several names.
LIST_SEPARATOR = "; "

#: The column labels, in the order of ``export_rows``. Lazy: ``export_header()`` renders them in
#: the language of the request.
EXPORT_HEADER = (
    _("Organisation"),
    _("Relatie"),
    _("KvK number"),
    _("RSIN"),
    _("Your reference"),
    _("Reference code"),
    _("Status"),
    _("Authorisations"),
    _("Services"),
    _("Service providers"),
    _("Users"),
    _("Groups"),
    _("Start date"),
    _("End date"),
    _("Ends on"),
    _("Invitation sent"),
    _("Valid until"),
)

# Only what a row shows is loaded: a ketenmachtiging has some 60 columns, including long texts.
_FIELDS = (
    "intermediair__naam",
    "relatie_naam",
    "relatie_kvk_nummer",
    "relatie_rsin",
    "referentie",
    "kenmerk",
    "status",
    "algemene_bevoegdheid",
    "startdatum",
    "einddatum",
    "einde_gepland_op",
    "verstuurd_op",
    "uitnodiging_geldig_tot",
)


def export_header() -> list[str]:
    """The header row in the active language (call it while handling the request)."""
    return [str(label) for label in EXPORT_HEADER]


def export_queryset(
    *, organisaties: list[Organisatie], tab: str, q: str = ""
) -> QuerySet[Ketenmachtiging]:
    """The ketenmachtigingen of one tab of ``organisaties`` together, as the overview of each
    would list them (same tab rules and search), ordered by organisation, then relatie.
    ``export_rows`` reads their services, users and groups."""
    qs = ketenmachtigingen_for_organisaties(organisaties=organisaties, tab=tab, q=q)
    return qs.select_related("intermediair").only(*_FIELDS)


def export_rows(
    qs: QuerySet[Ketenmachtiging], *, today: date, language: str | None = None
) -> Iterator[list]:
    """One list per ketenmachtiging of ``qs``, in the order of ``EXPORT_HEADER``.

    Not a generator itself: the language (by default the active one) is taken now, in the
    request, because the rows are produced later, while the response is being sent.
    """
    return _rows(qs, today=today, language=language or translation.get_language())


def _rows(qs: QuerySet[Ketenmachtiging], *, today: date, language: str) -> Iterator[list]:
    with translation.override(language):
        related = _Related.load(qs)
        # Labels and scope texts once per export, not translation work per row: most rows share
        # a scope (algemene bevoegdheid above all).
        labels = {status.value: str(status.label) for status in Status}
        scope_texts: dict[tuple, str] = {}
        for km in qs.iterator(chunk_size=CHUNK_SIZE):
            status = km.effective_status(today)
            dienstverleners = related.dienstverleners_of(km.pk)
            diensten = related.diensten_of(km.pk)
            key = (
                km.algemene_bevoegdheid,
                tuple(dv.pk for dv in dienstverleners),
                tuple(d.pk for d in diensten),
            )
            scope = scope_texts.get(key)
            if scope is None:
                loaded = _LoadedScope(key[0], _Loaded(dienstverleners), _Loaded(diensten))
                scope = scope_texts[key] = scope_text_for(loaded)
            yield [
                km.intermediair.naam,
                km.relatie_naam,
                km.relatie_kvk_nummer,
                km.relatie_rsin,
                km.referentie,
                km.kenmerk,
                labels.get(status, status),
                scope,
                LIST_SEPARATOR.join(f"{d.naam} ({d.dienstverlener.naam})" for d in diensten),
                LIST_SEPARATOR.join(dv.naam for dv in dienstverleners),
                LIST_SEPARATOR.join(related.gebruikers_of(km.pk)),
                LIST_SEPARATOR.join(related.groepen_of(km.pk)),
                km.startdatum,
                km.einddatum,
                km.einde_gepland_op,
                timezone.localdate(km.verstuurd_op) if km.verstuurd_op else None,
                # The deadline of the invitation only matters while the request is pending.
                km.uitnodiging_geldig_tot if status in PENDING else None,
            ]


@dataclass(frozen=True, slots=True)
class _Related:
    """The services, service providers, users and groups of the export's ketenmachtigingen:
    per ketenmachtiging the ids of what is linked, and each linked object once."""

    links: dict[str, dict[int, list[int]]]
    dienstverleners: dict[int, Dienstverlener]
    diensten: dict[int, Dienst]
    gebruikers: dict[int, Lidmaatschap]
    groepen: dict[int, Groep]

    @classmethod
    def load(cls, qs: QuerySet[Ketenmachtiging]) -> "_Related":
        pks = qs.order_by().values("pk")

        def linked(relation: str) -> tuple[dict[int, list[int]], QuerySet]:
            through = getattr(Ketenmachtiging, relation).through
            # The through table's column of the other side: dienst, lidmaatschap, groep, …
            column = Ketenmachtiging._meta.get_field(relation).m2m_reverse_field_name()
            pairs = through.objects.filter(ketenmachtiging_id__in=pks)
            links: dict[int, list[int]] = defaultdict(list)
            for km_id, target_id in pairs.values_list("ketenmachtiging_id", column).iterator(
                chunk_size=CHUNK_SIZE * 5
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


def _by_pk(qs: QuerySet[_Model]) -> dict[int, _Model]:
    return {obj.pk: obj for obj in qs}


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A relation already loaded as a list; ``scope_text_for`` only calls ``.all()`` on it."""

    items: list

    def all(self) -> list:
        return self.items


@dataclass(frozen=True, slots=True)
class _LoadedScope:
    """The scope fields of a ketenmachtiging as ``scope_text_for`` reads them, from what
    ``_Related`` loaded (no related managers, no queries)."""

    algemene_bevoegdheid: bool
    dienstverleners: _Loaded
    diensten: _Loaded
