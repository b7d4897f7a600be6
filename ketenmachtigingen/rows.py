"""What one row of the overview shows, prepared in Python: a page of 50 rows renders in a single
template loop without includes or URL lookups per row (the overview must stay fast at 20,000
ketenmachtigingen).

The linked services, service providers, users and groups of the page are read in four queries,
one per relation, through its link table with the names joined in, as values: ``prefetch_related``
would use as many queries, but builds a related manager and a filtered QuerySet per row and
relation (200 per page), and model objects for a few hundred links, which cost a quarter of the
page's time under load. The rows' HTML is written in ``rows_html``.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import full_name
from diensten.models import in_language
from diensten.scope import scope_text_from

from .constants import PARTITION_TABS, PENDING, Kanaal, Status, Tab
from .listing import query_with
from .models import Ketenmachtiging
from .selectors import open_renewals, renewed_kenmerken

#: What a user's name (``str(user)``, ``accounts.models.full_name``) and its order need.
USER_NAME_FIELDS = tuple(
    f"user__{field}"
    for field in ("username", "first_name", "voorletters", "tussenvoegsel", "last_name")
)

BADGE = {
    Status.ACTIEF: "ok",
    Status.FOUT: "error",
    Status.VERLOPEN: "muted",
    Status.VERVALLEN: "muted",
    Status.BEEINDIGD: "muted",
    Status.AFGEWEZEN: "error",
}


@dataclass
class Linked:
    naam: str
    remove_url: str
    is_groep: bool = False


@dataclass
class Row:
    km: Ketenmachtiging
    status_css: str
    status_label: str
    scope: str
    linked: list[Linked]
    days_left: int | None
    detail_url: str
    gebruikers_url: str  # empty when users can no longer be linked (ended, expired, lapsed)
    verleng_url: str
    opnieuw_url: str  # "Vraag opnieuw aan"; empty when not offered
    # Renewal: due (the button), or requested already (a line with a link, not the button).
    renewal_due: bool = False
    verlenging: Ketenmachtiging | None = None
    verlenging_text: str = ""
    verlenging_url: str = ""
    # A pending request that renews another: "Verlenging van KM-…", linked to that one.
    vernieuwing_van_kenmerk: str = ""
    vernieuwing_van_url: str = ""


@dataclass(frozen=True)
class Actions:
    """What the detail page offers for a ketenmachtiging today (nothing: no "Acties" section)."""

    renew: bool
    resend: bool
    end: bool
    withdraw: bool
    request_again: bool

    @property
    def any(self) -> bool:
        return self.renew or self.resend or self.end or self.withdraw or self.request_again


@dataclass(frozen=True)
class OtherMatches:
    """ "3 in Wachtend op afhandeling": how many matches of a search another tab holds."""

    tab: str
    label: str
    count: int
    url: str


def other_matches(counts: dict[str, int] | None, *, tab: str, params) -> list[OtherMatches]:
    """The other tabs that hold matches of the search and filters, each linked with them."""
    if not counts:
        return []
    found = []
    for other in PARTITION_TABS:
        if other == tab or not counts.get(other):
            continue
        drop = () if other == Tab.WACHTEND else ("status",)
        found.append(
            OtherMatches(
                other.value,
                Tab(other).label,
                counts[other],
                query_with(params, drop=drop, tab=other.value),
            )
        )
    return found


def actions_for(km: Ketenmachtiging, today: date) -> Actions:
    status = km.effective_status(today)
    return Actions(
        renew=km.renewal_due(today),
        resend=km.status == Status.FOUT or status in (Status.VERSTUURD, Status.INCOMPLEET),
        end=status == Status.ACTIEF and not km.einde_gepland_op,
        withdraw=km.is_pending and status != Status.VERVALLEN,
        request_again=km.can_request_again(today),
    )


def url_template(name: str, *extra: str) -> str:
    # Reverse once with placeholders, then fill them in per row.
    args = [999999, *[888888 + i for i in range(len(extra))]]
    return reverse(name, args=args).replace("999999", "{pk}").replace("888888", "{extra}")


def status_badge(km: Ketenmachtiging, today: date) -> tuple[str, str]:
    status = km.effective_status(today)
    if status == Status.ACTIEF and km.einde_gepland_op:
        return "warning", _("Ends on %(datum)s") % {
            "datum": km.einde_gepland_op.strftime("%d-%m-%Y")
        }
    if status == Status.VERSTUURD and km.uitnodiging_verzonden_op is None:
        # In the outbox, not yet accepted by the mail server: say so, never "sent".
        return "info", _("Invitation being sent")
    css = BADGE.get(status, "info")
    if km.kanaal == Kanaal.DIGITAAL and status in PENDING:
        return css, _("%(status)s (online)") % {"status": Status(status).label}
    return css, Status(status).label


@dataclass(frozen=True)
class _Naam:
    """A linked service provider, as ``scope_text_from`` reads it."""

    naam: str


@dataclass(frozen=True)
class _Dienst:
    """A linked service with its provider, as ``scope_text_from`` reads it."""

    naam: str
    dienstverlener: _Naam


@dataclass(frozen=True)
class _Lid:
    pk: int
    naam: str
    order: tuple[str, str, str]  # surname, initials, username: as the detail page


@dataclass(frozen=True)
class _Groep:
    pk: int
    naam: str


def _links(pks: list[int], relation: str, *fields: str) -> dict[int, list[tuple]]:
    """Per ketenmachtiging of ``pks``: the ``fields`` of each link through ``relation``, read
    as values in one query (no model objects: a page links a few hundred, and building them
    cost a third of building the rows)."""
    through = getattr(Ketenmachtiging, relation).through
    found: dict[int, list[tuple]] = defaultdict(list)
    for km_id, *values in through.objects.filter(ketenmachtiging_id__in=pks).values_list(
        "ketenmachtiging_id", *fields
    ):
        found[km_id].append(values)
    return found


def _linked_names(pks: list[int]) -> tuple[dict, dict, dict, dict]:
    """The page's linked service providers, services, users and groups, per ketenmachtiging,
    in the language of the request."""
    naam = ("naam_nl", "naam_en")
    dienstverleners = {
        km_id: [_Naam(in_language(*v)) for v in values]
        for km_id, values in _links(
            pks, "dienstverleners", *(f"dienstverlener__{f}" for f in naam)
        ).items()
    }
    diensten = {
        km_id: [
            _Dienst(in_language(nl, en), _Naam(in_language(dv_nl, dv_en)))
            for nl, en, dv_nl, dv_en in values
        ]
        for km_id, values in _links(
            pks,
            "diensten",
            *(f"dienst__{f}" for f in naam),
            *(f"dienst__dienstverlener__{f}" for f in naam),
        ).items()
    }
    leden = {
        km_id: [
            _Lid(
                pk,
                full_name(voorletters, first, tussenvoegsel, last) or username,
                (last, voorletters, username),
            )
            for pk, username, first, voorletters, tussenvoegsel, last in values
        ]
        for km_id, values in _links(
            pks,
            "gebruikers",
            "lidmaatschap_id",
            *(f"lidmaatschap__{f}" for f in USER_NAME_FIELDS),
        ).items()
    }
    groepen = {
        km_id: [_Groep(pk, groep_naam) for pk, groep_naam in values]
        for km_id, values in _links(pks, "groepen", "groep_id", "groep__naam").items()
    }
    return dienstverleners, diensten, leden, groepen


def build_rows(kms: Iterable[Ketenmachtiging], *, today: date) -> list[Row]:
    kms = list(kms)
    pks = [km.pk for km in kms]
    linked_dienstverleners, linked_diensten, linked_leden, linked_groepen = _linked_names(pks)
    detail = url_template("ketenmachtigingen:detail")
    gebruikers = url_template("ketenmachtigingen:gebruikers")
    verleng = url_template("ketenmachtigingen:verleng")
    opnieuw = url_template("ketenmachtigingen:opnieuw_aanvragen")
    unlink_user = url_template("ketenmachtigingen:gebruiker_verwijder", "lid")
    unlink_group = url_template("ketenmachtigingen:groep_verwijder", "groep")
    renewals = open_renewals([km for km in kms if km.status == Status.ACTIEF], today)
    renewed = renewed_kenmerken([km for km in kms if km.status in PENDING])
    rows = []
    for km in kms:
        css, label = status_badge(km, today)
        # In the order of the detail page: users by surname and initials, then groups by name.
        users = sorted(linked_leden.get(km.pk, ()), key=lambda m: m.order)
        groups = sorted(linked_groepen.get(km.pk, ()), key=lambda g: (g.naam, g.pk))
        linked = [Linked(m.naam, unlink_user.format(pk=km.pk, extra=m.pk)) for m in users] + [
            Linked(g.naam, unlink_group.format(pk=km.pk, extra=g.pk), is_groep=True) for g in groups
        ]
        rows.append(
            Row(
                km=km,
                status_css=css,
                status_label=label,
                scope=scope_text_from(
                    km.algemene_bevoegdheid,
                    linked_dienstverleners.get(km.pk, []),
                    linked_diensten.get(km.pk, []),
                ),
                linked=linked,
                days_left=km.days_left(today) if km.status in PENDING else None,
                detail_url=detail.format(pk=km.pk),
                gebruikers_url=gebruikers.format(pk=km.pk) if km.can_link(today) else "",
                verleng_url=verleng.format(pk=km.pk),
                opnieuw_url=opnieuw.format(pk=km.pk) if km.can_request_again(today) else "",
                renewal_due=km.pk not in renewals and km.renewal_due(today),
                verlenging=renewals.get(km.pk),
                verlenging_text=renewal_text(renewals[km.pk], today) if km.pk in renewals else "",
                verlenging_url=detail.format(pk=renewals[km.pk].pk) if km.pk in renewals else "",
                vernieuwing_van_kenmerk=renewed.get(km.vernieuwing_van_id, "")
                if km.status in PENDING
                else "",
                vernieuwing_van_url=detail.format(pk=km.vernieuwing_van_id)
                if km.status in PENDING and km.vernieuwing_van_id in renewed
                else "",
            )
        )
    return rows


def renewal_text(renewal: Ketenmachtiging, today: date) -> str:
    """ "Renewal requested on 02-12-2026 (Request sent)": shown instead of the renewal button."""
    return _("Renewal requested on %(datum)s (%(status)s)") % {
        "datum": timezone.localtime(renewal.created_at).strftime("%d-%m-%Y"),
        "status": Status(renewal.effective_status(today)).label,
    }
