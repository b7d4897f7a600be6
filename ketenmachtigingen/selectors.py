"""Reads of ketenmachtigingen. The tabs of the overview and every lookup by id live here, each
scoped to one organisation; views never filter on their own.

The tabs use the *effective* status (see ``Ketenmachtiging.effective_status``): a ketenmachtiging
past its end date is in Verlopen and one past its scheduled end is in Historie, even before the
nightly job has changed its row; an invitation past its 3 months has lapsed (Historie too).
Actief, Wachtend, Verlopen and Historie divide every ketenmachtiging between them by its effective
status (see ``constants.Tab``); Acties is a part of Actief.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone, translation

from accounts.models import Lidmaatschap, Organisatie
from diensten.models import Dienst, Dienstverlener
from groepen.models import Groep

from .constants import (
    PARTITION_TABS,
    PENDING,
    SORT_FIELDS,
    VERLENGING_MAANDEN,
    Bron,
    Kanaal,
    Sort,
    Status,
    Tab,
)
from .models import Ketenmachtiging, StatusWijziging, add_months

LAPSING = (Status.VERSTUURD, Status.INCOMPLEET, Status.FOUT)


def _active(today: date) -> Q:
    return Q(status=Status.ACTIEF, einddatum__gte=today) & _no_scheduled_end_passed(today)


def _lapsed(today: date) -> Q:
    return Q(status__in=LAPSING, uitnodiging_geldig_tot__lt=today)


def _no_scheduled_end_passed(today: date) -> Q:
    return Q(einde_gepland_op__isnull=True) | Q(einde_gepland_op__gt=today)


def _renewal_requested() -> Exists:
    return Exists(
        Ketenmachtiging.objects.filter(
            vernieuwing_van=OuterRef("pk"), status__in=[*PENDING, Status.ACTIEF]
        )
    )


def tab_filter(tab: str, today: date) -> Q:
    if tab == Tab.ACTIEF:
        return _active(today)
    if tab == Tab.WACHTEND:
        return Q(status__in=PENDING) & ~_lapsed(today)
    if tab == Tab.ACTIES:
        return (
            _active(today)
            & Q(einddatum__lte=add_months(today, VERLENGING_MAANDEN), einde_gepland_op__isnull=True)
            & ~Q(_renewal_requested())
        )
    if tab == Tab.VERLOPEN:
        # Past its end date, unless a scheduled end (never after the end date) came first.
        return Q(status=Status.VERLOPEN) | (
            Q(status=Status.ACTIEF, einddatum__lt=today) & _no_scheduled_end_passed(today)
        )
    if tab == Tab.HISTORIE:
        # Ended (also on a scheduled date that has passed), withdrawn, and lapsed.
        return (
            Q(status__in=[Status.BEEINDIGD, Status.VERVALLEN, Status.AFGEWEZEN])
            | Q(status=Status.ACTIEF, einde_gepland_op__lte=today)
            | _lapsed(today)
        )
    raise ValueError(tab)


def effective_status_filter(status: str, today: date) -> Q:
    """The rows whose *effective* status (``Ketenmachtiging.effective_status``) is ``status``
    today, as one condition: an active row past its end date is verlopen, one past its scheduled
    end is beëindigd, and an invitation past its term has lapsed (vervallen)."""
    if status == Status.ACTIEF:
        return _active(today)
    if status == Status.VERLOPEN:
        return tab_filter(Tab.VERLOPEN, today)
    if status == Status.BEEINDIGD:
        return Q(status=Status.BEEINDIGD) | Q(status=Status.ACTIEF, einde_gepland_op__lte=today)
    if status == Status.VERVALLEN:
        return Q(status=Status.VERVALLEN) | _lapsed(today)
    if status in LAPSING:
        return Q(status=status) & ~Q(uitnodiging_geldig_tot__lt=today)
    if status in Status.values:
        return Q(status=status)
    raise ValueError(status)


def _search(qs: QuerySet, q: str) -> QuerySet:
    """Every term (up to five) in the name or reference, or the whole kenmerk; a number also
    as the start of the KvK number or the RSIN. On PostgreSQL the three text conditions are
    read from indexes on exactly these expressions (``UPPER(…) LIKE``, ``UPPER(…) =``: migration
    ``0015_search_indexes``); keep them in this form, or the indexes go unused."""
    for term in q.split()[:5]:
        digits = term.replace(".", "")
        condition = (
            Q(relatie_naam__icontains=term)
            | Q(referentie__icontains=term)
            | Q(kenmerk__iexact=term)
        )
        if digits.isdigit():
            condition |= Q(relatie_kvk_nummer__startswith=digits) | Q(relatie_rsin=digits)
        qs = qs.filter(condition)
    return qs


def _covers_dienstverlener(dienstverlener_id: int) -> Q:
    """Algemene bevoegdheid, the dienstverlener itself, or one of its services. The two link
    tables are read as one ``IN (… UNION …)``: PostgreSQL hashes it once, where two ``EXISTS``
    cost a hashed subplan each over every row of the intermediair (issue 17: 3x faster)."""
    through_dv = Ketenmachtiging.dienstverleners.through
    through_dienst = Ketenmachtiging.diensten.through
    linked = (
        through_dv.objects.filter(dienstverlener_id=dienstverlener_id)
        .values("ketenmachtiging_id")
        .union(
            through_dienst.objects.filter(dienst__dienstverlener_id=dienstverlener_id).values(
                "ketenmachtiging_id"
            )
        )
    )
    return Q(algemene_bevoegdheid=True) | Q(pk__in=linked)


def with_details(qs: QuerySet[Ketenmachtiging]) -> QuerySet[Ketenmachtiging]:
    """Prefetch what a row shows when it unfolds, in a fixed number of queries."""
    return qs.prefetch_related(
        "dienstverleners",
        Prefetch("diensten", queryset=Dienst.objects.select_related("dienstverlener")),
        Prefetch(
            "gebruikers",
            queryset=Lidmaatschap.objects.select_related("user").order_by(
                "user__last_name", "user__voorletters"
            ),
        ),
        "groepen",
    )


@dataclass(frozen=True)
class OverzichtFilters:
    """The overview's filters beyond the search, as cleaned by ``forms.OverzichtFilterForm``
    (ids, dates, choices; None or "" when not used). The ids are not checked here: every query
    is limited to the organisation's own ketenmachtigingen, so a foreign id matches nothing."""

    gebruiker_id: int | None = None  # a Lidmaatschap: linked directly or through a group
    groep_id: int | None = None
    dienstverlener_id: int | None = None
    dienst_id: int | None = None  # covered: algemene bevoegdheid, its dienstverlener, or itself
    einde_binnen: int | None = None  # months from today
    einde_van: date | None = None  # inclusive
    einde_tot: date | None = None  # inclusive
    bron: str = ""
    verlenging: bool | None = None  # an open renewal (pending, not lapsed, or active)

    def __bool__(self) -> bool:
        return any(
            value not in (None, "")
            for value in (
                self.gebruiker_id,
                self.groep_id,
                self.dienstverlener_id,
                self.dienst_id,
                self.einde_binnen,
                self.einde_van,
                self.einde_tot,
                self.bron,
                self.verlenging,
            )
        )


def _covers_dienst(dienst_id: int) -> Q:
    """Like ``diensten.scope.scope_covers`` in SQL: algemene bevoegdheid, the dienst's
    dienstverlener (all of its services), or the dienst itself (one ``IN (… UNION …)``, as
    ``_covers_dienstverlener``)."""
    through_dv = Ketenmachtiging.dienstverleners.through
    through_dienst = Ketenmachtiging.diensten.through
    linked = (
        through_dv.objects.filter(dienstverlener__diensten=dienst_id)
        .values("ketenmachtiging_id")
        .union(through_dienst.objects.filter(dienst_id=dienst_id).values("ketenmachtiging_id"))
    )
    return Q(algemene_bevoegdheid=True) | Q(pk__in=linked)


def _linked_to_gebruiker(lidmaatschap_id: int) -> Q:
    """The user is linked to the ketenmachtiging, or is a member of a linked group. One
    ``IN (… UNION …)`` of the few linked ids: PostgreSQL looks those rows up instead of testing
    every row of the intermediair against two subplans (issue 17: 80-150 ms to 10-20 ms at
    20,000)."""
    through_leden = Ketenmachtiging.gebruikers.through
    through_groepen = Ketenmachtiging.groepen.through
    linked = (
        through_leden.objects.filter(lidmaatschap_id=lidmaatschap_id)
        .values("ketenmachtiging_id")
        .union(
            through_groepen.objects.filter(groep__leden=lidmaatschap_id).values(
                "ketenmachtiging_id"
            )
        )
    )
    return Q(pk__in=linked)


def _open_renewal(today: date) -> Exists:
    """A renewal that is still open, as ``open_renewals`` reads it: pending and not lapsed,
    or active already."""
    # "IS NOT NULL" lets PostgreSQL read the renewals from the small partial index
    # ``km_renewals_idx`` instead of scanning every row of the table to hash them.
    return Exists(
        Ketenmachtiging.objects.filter(
            vernieuwing_van=OuterRef("pk"), vernieuwing_van__isnull=False
        ).filter((Q(status__in=PENDING) & ~_lapsed(today)) | Q(status=Status.ACTIEF))
    )


def _filtered(qs: QuerySet, filters: OverzichtFilters | None, today: date) -> QuerySet:
    if not filters:
        return qs
    if filters.gebruiker_id:
        qs = qs.filter(_linked_to_gebruiker(filters.gebruiker_id))
    if filters.groep_id:
        through_groepen = Ketenmachtiging.groepen.through
        qs = qs.filter(
            Exists(
                through_groepen.objects.filter(
                    ketenmachtiging_id=OuterRef("pk"), groep_id=filters.groep_id
                )
            )
        )
    if filters.dienstverlener_id:
        qs = qs.filter(_covers_dienstverlener(filters.dienstverlener_id))
    if filters.dienst_id:
        qs = qs.filter(_covers_dienst(filters.dienst_id))
    if filters.einde_binnen:
        qs = qs.filter(einddatum__gte=today, einddatum__lte=add_months(today, filters.einde_binnen))
    if filters.einde_van:
        qs = qs.filter(einddatum__gte=filters.einde_van)
    if filters.einde_tot:
        qs = qs.filter(einddatum__lte=filters.einde_tot)
    if filters.bron:
        qs = qs.filter(bron=filters.bron)
    if filters.verlenging is not None:
        qs = qs.filter(_open_renewal(today) if filters.verlenging else ~Q(_open_renewal(today)))
    return qs


def tab_order(tab: str, sort: str = "") -> list[str]:
    """The order of a tab's rows: ``sort`` (a ``Sort`` value, "-" first for descending), or the
    tab's own order; always ending with the primary key, so pages never overlap."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key in Sort.values:
        sign = "-" if descending else ""
        return [f"{sign}{SORT_FIELDS[Sort(key)]}", f"{sign}pk"]
    return ["einddatum", "relatie_naam", "pk"] if tab == Tab.ACTIES else ["relatie_naam", "pk"]


def ketenmachtigingen_for(
    *,
    organisatie: Organisatie,
    tab: str = Tab.ACTIEF,
    q: str = "",
    status: str = "",
    dienstverlener_id: int | None = None,
    today: date | None = None,
    sort: str = "",
    filters: OverzichtFilters | None = None,
) -> QuerySet[Ketenmachtiging]:
    """One tab of "ketenmachtigingen van relaties" for the intermediair ``organisatie``,
    searched, filtered and sorted (see ``tab_order``)."""
    today = today or timezone.localdate()
    qs = Ketenmachtiging.objects.filter(intermediair=organisatie).filter(tab_filter(tab, today))
    if q:
        qs = _search(qs, q)
    if status and tab == Tab.WACHTEND and status in PENDING:
        qs = qs.filter(status=status)
    if dienstverlener_id:
        qs = qs.filter(_covers_dienstverlener(dienstverlener_id))
    qs = _filtered(qs, filters, today)
    return qs.order_by(*tab_order(tab, sort))


def all_ketenmachtigingen_for(*, organisatie: Organisatie) -> QuerySet[Ketenmachtiging]:
    """Every ketenmachtiging of the intermediair ``organisatie``, whatever its status or tab
    (the API's list without a tab), in the order they were made."""
    return Ketenmachtiging.objects.filter(intermediair=organisatie).order_by("pk")


def tab_counts(*, organisatie: Organisatie, today: date | None = None) -> dict[str, int]:
    """How many ketenmachtigingen each tab holds. Acties is counted on its own: its filter is
    narrow (an index range on the end date) and carries a subquery that the one pass over all
    rows of the other four should not pay for (an index-only scan of ``km_tab_counts_idx``)."""
    today = today or timezone.localdate()
    counts = Ketenmachtiging.objects.filter(intermediair=organisatie).aggregate(
        **{tab.value: Count("pk", filter=tab_filter(tab, today)) for tab in PARTITION_TABS}
    )
    counts[Tab.ACTIES.value] = (
        Ketenmachtiging.objects.filter(intermediair=organisatie)
        .filter(tab_filter(Tab.ACTIES, today))
        .count()
    )
    return {tab.value: counts[tab.value] for tab in Tab}


def search_counts(
    *,
    organisatie: Organisatie,
    q: str,
    dienstverlener_id: int | None = None,
    today: date | None = None,
    filters: OverzichtFilters | None = None,
    acties: bool = False,
) -> dict[str, int]:
    """How many ketenmachtigingen match a search and filters in each of Actief, Wachtend,
    Verlopen and Historie: one query, whatever the number of tabs or matches. Acties, a part of
    Actief, is counted only when asked (``acties``), by a second query: its subquery would be
    paid for every match of the first."""
    today = today or timezone.localdate()
    qs = Ketenmachtiging.objects.filter(intermediair=organisatie)
    if q:
        qs = _search(qs, q)
    if dienstverlener_id:
        qs = qs.filter(_covers_dienstverlener(dienstverlener_id))
    qs = _filtered(qs, filters, today)
    counts = qs.aggregate(
        **{tab.value: Count("pk", filter=tab_filter(tab, today)) for tab in PARTITION_TABS}
    )
    if acties:
        counts[Tab.ACTIES.value] = qs.filter(tab_filter(Tab.ACTIES, today)).count()
    return counts


def _naam_in_taal():
    """Order by the name people read: the English name in English (the Dutch one when a
    provider or service has none), the Dutch name in Dutch."""
    if (translation.get_language() or "").startswith("en"):
        return Coalesce(NullIf("naam_en", Value("")), "naam_nl")
    return F("naam_nl")


def overzicht_filter_choices(*, organisatie: Organisatie) -> dict[str, QuerySet]:
    """What the overview's filters may name, of this organisation only: its users
    (memberships), its groups, the service providers and services of the catalogue. The form
    validates ids against these, so another organisation's id is an invalid choice."""
    return {
        "gebruikers": Lidmaatschap.objects.filter(organisatie=organisatie)
        .select_related("user")
        .order_by("user__last_name", "user__voorletters", "pk"),
        "groepen": Groep.objects.filter(organisatie=organisatie).order_by("naam", "pk"),
        "dienstverleners": Dienstverlener.objects.filter(aangeboden=True).order_by(
            _naam_in_taal(), "pk"
        ),
        "diensten": Dienst.objects.select_related("dienstverlener").order_by(_naam_in_taal(), "pk"),
    }


def renewed_kenmerken(kms: list[Ketenmachtiging]) -> dict[int, str]:
    """Per renewal among ``kms``: the reference (kenmerk) of the ketenmachtiging it renews, in
    one query, within the intermediairs of ``kms`` (a renewal renews its own office's row)."""
    ids = {km.vernieuwing_van_id for km in kms if km.vernieuwing_van_id}
    if not ids:
        return {}
    return dict(
        Ketenmachtiging.objects.filter(
            pk__in=ids, intermediair_id__in={km.intermediair_id for km in kms}
        ).values_list("pk", "kenmerk")
    )


def ketenmachtiging_of(*, organisatie: Organisatie, pk: int) -> Ketenmachtiging:
    """One ketenmachtiging of this intermediair; another organisation's raises DoesNotExist."""
    return with_details(Ketenmachtiging.objects.filter(intermediair=organisatie)).get(pk=pk)


def linkable_again(
    km: Ketenmachtiging,
) -> tuple[list[Lidmaatschap], list, list[Lidmaatschap]]:
    """The users and groups of ``km`` that a new request for its relatie can link again, and
    the users left out: deactivated, or whose means no longer allows ketenmachtigingen. (A
    deleted user or group has left no link behind.) Reads what ``with_details`` prefetched."""
    gebruikers = list(km.gebruikers.all())
    keep = [m for m in gebruikers if m.user.is_active and m.user.can_use_ketenmachtigingen]
    left_out = [m for m in gebruikers if m not in keep]
    return keep, list(km.groepen.all()), left_out


def open_renewals(
    kms: list[Ketenmachtiging], today: date | None = None
) -> dict[int, Ketenmachtiging]:
    """Per ketenmachtiging of ``kms``: its renewal that is still open (pending and not lapsed,
    or active already; the newest if there were several), in one query. Renewals are the
    intermediair's own rows, so they are read within the intermediairs of ``kms``."""
    today = today or timezone.localdate()
    if not kms:
        return {}
    renewals = Ketenmachtiging.objects.filter(
        intermediair_id__in={km.intermediair_id for km in kms},
        vernieuwing_van_id__in=[km.pk for km in kms],
        status__in=[*PENDING, Status.ACTIEF],
    ).order_by("created_at", "pk")
    found: dict[int, Ketenmachtiging] = {}
    for renewal in renewals:
        if renewal.effective_status(today) in (*PENDING, Status.ACTIEF):
            found[renewal.vernieuwing_van_id] = renewal  # the newest wins
    return found


def open_renewal_of(km: Ketenmachtiging, today: date | None = None) -> Ketenmachtiging | None:
    """The open renewal of ``km`` (see ``open_renewals``), or None: a renewal can be asked."""
    return open_renewals([km], today).get(km.pk)


def status_history(km: Ketenmachtiging) -> QuerySet[StatusWijziging]:
    return km.statuswijzigingen.select_related("actor").order_by("timestamp", "pk")


def afgegeven_for(*, organisatie: Organisatie) -> QuerySet[Ketenmachtiging]:
    """What this organisation granted (as relatie), newest first; lapsed and withdrawn hidden."""
    return with_details(
        Ketenmachtiging.objects.filter(relatie_organisatie=organisatie).exclude(
            status=Status.VERVALLEN
        )
    ).order_by("-created_at", "-pk")


def active_grants_to(
    *, organisatie: Organisatie, kvk_nummer: str, today: date | None = None
) -> list[Ketenmachtiging]:
    """What ``organisatie`` granted to the intermediair with ``kvk_nummer`` (here, or as a
    relatie of a request) that is active today, newest first, with its scope."""
    if not kvk_nummer:
        return []
    today = today or timezone.localdate()
    qs = Ketenmachtiging.objects.filter(
        relatie_organisatie=organisatie, intermediair_kvk_nummer=kvk_nummer
    ).filter(_active(today))
    return list(with_details(qs).order_by("-created_at", "-pk"))


def afgegeven_of(*, organisatie: Organisatie, pk: int) -> Ketenmachtiging:
    return with_details(Ketenmachtiging.objects.filter(relatie_organisatie=organisatie)).get(pk=pk)


#: The back office's queue of forms uploaded online (issue 15), a choice of its status filter.
DIGITAAL_ONTVANGEN = "digitaal"


def _te_beoordelen(today: date) -> Q:
    """Requests the relatie can answer on this platform ("Keur goed"): sent or incomplete and
    not lapsed (``Ketenmachtiging.awaits_relatie_answer`` in Python)."""
    return Q(bron=Bron.AANGEVRAAGD, status__in=(Status.VERSTUURD, Status.INCOMPLEET)) & (
        Q(uitnodiging_geldig_tot__isnull=True) | Q(uitnodiging_geldig_tot__gte=today)
    )


def te_beoordelen_for(
    *, organisatie: Organisatie, today: date | None = None
) -> QuerySet[Ketenmachtiging]:
    """Requests of intermediairs to this organisation (as relatie) that wait for its answer,
    the deadline nearest first."""
    today = today or timezone.localdate()
    qs = Ketenmachtiging.objects.filter(relatie_organisatie=organisatie).filter(
        _te_beoordelen(today)
    )
    return with_details(qs).order_by("uitnodiging_geldig_tot", "pk")


def te_beoordelen_count(*, organisatie: Organisatie, today: date | None = None) -> int:
    """The menu's count of requests waiting for this organisation's answer: one COUNT."""
    today = today or timezone.localdate()
    return (
        Ketenmachtiging.objects.filter(relatie_organisatie=organisatie)
        .filter(_te_beoordelen(today))
        .count()
    )


def verzoek_of(*, organisatie: Organisatie, pk: int) -> Ketenmachtiging:
    """A request of an intermediair to this organisation (as relatie), answered or not: a
    second answer finds it and is told that it has been answered."""
    return with_details(
        Ketenmachtiging.objects.filter(relatie_organisatie=organisatie, bron=Bron.AANGEVRAAGD)
    ).get(pk=pk)


def backoffice_search(*, q: str = "", status: str = "") -> QuerySet[Ketenmachtiging]:
    """Requests for the back office, by reference, KvK or name; pending ones by default."""
    qs = Ketenmachtiging.objects.filter(bron="aangevraagd")
    if status == DIGITAAL_ONTVANGEN:
        qs = qs.filter(status=Status.ONTVANGEN, kanaal=Kanaal.DIGITAAL)
    elif status in Status.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=PENDING)
    if q:
        qs = _search(qs, q)
    return qs.select_related("intermediair").order_by("verstuurd_op", "pk")


def ketenmachtigingen_for_organisaties(
    *,
    organisaties: list[Organisatie],
    tab: str,
    q: str = "",
    today: date | None = None,
    status: str = "",
    sort: str = "",
    filters: OverzichtFilters | None = None,
) -> QuerySet[Ketenmachtiging]:
    """One tab for several intermediairs at once (the export "of all my organisations"), as one
    query, ordered by organisation, then as ``ketenmachtigingen_for`` orders a tab's rows (with
    the same search, filters and sort)."""
    today = today or timezone.localdate()
    qs = Ketenmachtiging.objects.filter(intermediair__in=organisaties).filter(
        tab_filter(tab, today)
    )
    if q:
        qs = _search(qs, q)
    if status and tab == Tab.WACHTEND and status in PENDING:
        qs = qs.filter(status=status)
    qs = _filtered(qs, filters, today)
    order = ["relatie_naam", "pk"] if not sort and tab == Tab.ACTIES else tab_order(tab, sort)
    return qs.order_by("intermediair__naam", "intermediair_id", *order)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a ketenmachtiging's history: a status change, an e-mail or a message."""

    tijd: object
    soort: str  # "status", "mail" or "bericht"
    titel: str
    door: str
    detail: str
    mail: object = None
    bericht: object = None


def km_history(km: Ketenmachtiging, *, organisatie: Organisatie) -> list[HistoryEntry]:
    """Status changes, the e-mails about ``km`` that ``organisatie`` sent or caused, and the
    messages it got about it, oldest first (three queries, whatever the length)."""
    from django.utils.translation import gettext as _

    from berichtenbox.selectors import berichten_about
    from outbox.selectors import mails_about

    from .emails import FEITEN

    entries = [
        HistoryEntry(
            tijd=w.timestamp,
            soort="status",
            titel=w.get_naar_display(),
            door=str(w.actor) if w.actor else _("the system"),
            detail=w.reden,
        )
        for w in status_history(km)
    ]
    mails = mails_about(km)
    if organisatie.pk == km.intermediair_id:
        mails = mails.exclude(soort=FEITEN)
    else:
        mails = mails.filter(params__organisatie=organisatie.pk)
    for mail in mails:
        entries.append(
            HistoryEntry(
                tijd=mail.created_at,
                soort="mail",
                titel=_("E-mail “%(kind)s” to %(email)s")
                % {"kind": mail.kind_label, "email": mail.ontvanger},
                door=_("the system"),
                detail="",
                mail=mail,
            )
        )
    for bericht in berichten_about(km, organisatie=organisatie):
        entries.append(
            HistoryEntry(
                tijd=bericht.created_at,
                soort="bericht",
                titel=_("Message in the berichtenbox: %(title)s") % {"title": bericht.titel},
                door=_("the system"),
                detail="",
                bericht=bericht,
            )
        )
    return sorted(entries, key=lambda e: e.tijd)


def current_invitation(km: Ketenmachtiging):
    """The outbox row of the invitation that is out now (None before the outbox, or when the
    request does not wait for one)."""
    from outbox.selectors import mails_about

    from .emails import UITNODIGING

    if km.status != Status.VERSTUURD:
        return None
    return (
        mails_about(km)
        .filter(soort=UITNODIGING, created_at__gte=km.verstuurd_op)
        .order_by("-created_at", "-pk")
        .first()
    )


def beheerders_count(organisatie_id: int | None) -> int:
    """How many active beheerders an organisation has (who can read its berichtenbox)."""
    from accounts.constants import Rol

    if not organisatie_id:
        return 0
    return Lidmaatschap.objects.filter(
        organisatie_id=organisatie_id, rol=Rol.BEHEERDER, user__is_active=True
    ).count()


def afzender_initial(*, organisatie: Organisatie, user) -> dict[str, str]:
    """The office's own contact as a request or renewal form starts with: the organisation's
    Afzenderinstellingen when set, otherwise the beheerder who is filling the form in."""
    from .models import Afzenderinstellingen

    afzender = Afzenderinstellingen.objects.filter(organisatie=organisatie).first()
    if afzender:
        return {
            "voorletters": afzender.voorletters,
            "tussenvoegsel": afzender.tussenvoegsel,
            "achternaam": afzender.achternaam,
            "email": afzender.email,
            "telefoon": afzender.telefoon,
        }
    return {
        "voorletters": user.voorletters,
        "tussenvoegsel": user.tussenvoegsel,
        "achternaam": user.last_name,
        "email": user.email,
        "telefoon": user.telefoonnummer,
    }
