"""The links of the overview's list: the tabs, the sortable column headers, the active filters
as removable chips and "Wis filters". Each is the current query string with some parameters
changed, so a sorted and filtered list can be bookmarked and every link keeps what is not
changed. Built once per page in Python (a handful of links, no URL lookups per row)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .constants import Sort, Tab

#: Every parameter the overview reads; anything else is dropped from the links it makes.
KNOWN = (
    "tab",
    "q",
    "status",
    "sort",
    "gebruiker",
    "groep",
    "dienstverlener",
    "dienst",
    "einde_binnen",
    "einde_van",
    "einde_tot",
    "bron",
    "verlenging",
    "per_pagina",
    "page",
)


def query_with(params: QueryDict, *, drop: Iterable[str] = (), **changes) -> str:
    """ "?…": ``params`` (only the known parameters, never the page) with ``drop`` left out
    and ``changes`` set (a value of None or "" removes the parameter)."""
    query = QueryDict(mutable=True)
    for key in KNOWN:
        if key in changes:
            value = changes[key]
        elif key == "page" or key in drop:
            continue
        else:
            value = params.get(key, "")
        if value not in (None, ""):
            query[key] = str(value)
    return f"?{query.urlencode()}"


@dataclass(frozen=True)
class TabLink:
    value: str
    label: str
    count: int | None
    url: str
    current: bool


@dataclass(frozen=True)
class SortHeader:
    """A column header: its link sorts by the column, ascending, or descending when it is
    sorted ascending already; ``aria_sort`` is set on the column the list is sorted by."""

    label: str
    url: str
    aria_sort: str  # "ascending", "descending" or ""


@dataclass(frozen=True)
class Chip:
    label: str
    remove_url: str


def tab_links(params: QueryDict, *, tab: str, counts: dict[str, int]) -> list[TabLink]:
    """The tabs, each with the current search, filters, sort and page size; the status filter
    belongs to Wachtend only."""
    links = []
    for value, label in Tab.choices:
        drop = () if value == Tab.WACHTEND else ("status",)
        links.append(
            TabLink(
                value,
                label,
                counts.get(value),
                query_with(params, drop=drop, tab=value),
                value == tab,
            )
        )
    return links


def sort_headers(params: QueryDict, *, sort: str) -> list[SortHeader]:
    active, descending = sort.removeprefix("-"), sort.startswith("-")
    headers = []
    for column in Sort:
        if column.value == active:
            aria = "descending" if descending else "ascending"
            target = column.value if descending else f"-{column.value}"
        else:
            aria, target = "", column.value
        headers.append(SortHeader(str(column.label), query_with(params, sort=target), aria))
    return headers


def chips(params: QueryDict, form) -> list[Chip]:
    """One chip per filter in use (and valid), with a link without it."""
    found = []

    def add(name: str, label: str, *, also: Iterable[str] = ()) -> None:
        found.append(Chip(label, query_with(params, drop=(name, *also))))

    value = form.value
    if value("q"):
        add("q", _("Search: %(value)s") % {"value": value("q")})
    if value("status"):
        add(
            "status",
            _("Status: %(value)s")
            % {"value": dict(form.fields["status"].choices)[value("status")]},
        )
    if value("gebruiker"):
        add("gebruiker", _("User: %(value)s") % {"value": value("gebruiker").user})
    if value("groep"):
        add("groep", _("Group: %(value)s") % {"value": value("groep").naam})
    if value("dienstverlener"):
        add(
            "dienstverlener",
            _("Service provider: %(value)s") % {"value": value("dienstverlener").naam},
        )
    if value("dienst"):
        add("dienst", _("Service: %(value)s") % {"value": value("dienst").naam})
    if value("einde_binnen"):
        n = value("einde_binnen")
        add(
            "einde_binnen",
            ngettext("Ends within %(n)s month", "Ends within %(n)s months", n) % {"n": n},
        )
    if value("einde_van"):
        add("einde_van", _("End date from %(datum)s") % {"datum": f"{value('einde_van'):%d-%m-%Y}"})
    if value("einde_tot"):
        add(
            "einde_tot", _("End date until %(datum)s") % {"datum": f"{value('einde_tot'):%d-%m-%Y}"}
        )
    if value("bron"):
        add(
            "bron",
            _("Origin: %(value)s") % {"value": dict(form.fields["bron"].choices)[value("bron")]},
        )
    if value("verlenging"):
        add(
            "verlenging",
            _("Renewal requested: %(value)s")
            % {"value": dict(form.fields["verlenging"].choices)[value("verlenging")]},
        )
    return found


def clear_filters_url(params: QueryDict) -> str:
    """ "Wis filters": the tab, its sort and page size, without search and filters."""
    return query_with(params, drop=[k for k in KNOWN if k not in ("tab", "sort", "per_pagina")])
