"""Export of the overview "ketenmachtigingen van relaties" (manual 5.2, the "wolkje").

A beheerder downloads the ketenmachtigingen of the tab Actief, Wachtend op afhandeling,
Verlopen or Historie, as .xlsx or .csv, of the organisation being managed or of all organisations
where they are beheerder, with each ketenmachtiging's status. Each row holds what the overview
shows when a row unfolds: the parties, the status as people should see it today (the *effective*
status), the scope, the linked users and groups and the dates.

The rows are produced lazily while the download is sent (see ``ketenportal.utils.exports``,
which also makes every cell inert text): the ketenmachtigingen come from a server-side cursor,
2,000 at a time, so an intermediair with 50,000 of them gets its file without the server holding
them all.

The related rows (services, service providers, users, groups) are not prefetched per chunk as
``selectors.with_details`` does for a page of the overview. For an export that cost two thirds
of the time: Django builds a related manager and a filtered QuerySet per ketenmachtiging and
relation, and sends every chunk's 2,000 ids back to the database four times. Instead the links
are read once for the whole export, as pairs of ids (``RelatedRows.load``, a fixed eight queries
with the export's own query as subquery), and each distinct service, user and group is loaded
once. That costs memory per *link*, a few dozen bytes each, not per ketenmachtiging.
"""

from collections.abc import Iterator
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisatie
from diensten.scope import scope_text_from

from .constants import PENDING, Status
from .models import Ketenmachtiging
from .related import RelatedRows
from .selectors import OverzichtFilters, ketenmachtigingen_for_organisaties

#: Rows fetched per round trip from the server-side cursor while streaming.
CHUNK_SIZE = 2000
#: Separator inside a cell that lists several names.
LIST_SEPARATOR = "; "

#: The column labels, in the order of ``export_rows``. Lazy: ``export_header()`` renders them in
#: the language of the request.
EXPORT_HEADER = (
    _("Organisation"),
    _("Relation"),
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
    "intermediair",
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
    *,
    organisaties: list[Organisatie],
    tab: str,
    q: str = "",
    status: str = "",
    sort: str = "",
    filters: OverzichtFilters | None = None,
) -> QuerySet[Ketenmachtiging]:
    """The ketenmachtigingen of one tab of ``organisaties`` together, as the overview of each
    would list them (same tab rules, search, filters and sort), ordered by organisation, then
    as sorted (by relatie when not). ``export_rows`` reads their services, users and groups."""
    qs = ketenmachtigingen_for_organisaties(
        organisaties=organisaties, tab=tab, q=q, status=status, sort=sort, filters=filters
    )
    return qs.only(*_FIELDS)


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
        related = RelatedRows.load(qs)
        # The organisations' names once, not an Organisatie object per row.
        namen = dict(
            Organisatie.objects.filter(pk__in=qs.order_by().values("intermediair_id")).values_list(
                "pk", "naam"
            )
        )
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
                scope = scope_texts[key] = scope_text_from(key[0], dienstverleners, diensten)
            yield [
                namen.get(km.intermediair_id, ""),
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
