"""Scopes: which services a groep or ketenmachtiging covers.

A ``Scope`` is algemene bevoegdheid (every service, now and later), or a set of dienstverleners
(all their services, including ones they add later) plus a set of individual diensten. One
function answers "does this scope cover dienst X" (``scope_covers``), one renders a scope as text
(``scope_text``), and ``scope_of``/``scope_save`` move a scope in and out of ``ScopeFields``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Dienst, Dienstverlener, ScopeFields


@dataclass(frozen=True)
class Scope:
    algemeen: bool = False
    dienstverlener_ids: frozenset[int] = field(default_factory=frozenset)
    dienst_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def algemene_bevoegdheid(cls) -> "Scope":
        return cls(algemeen=True)

    @classmethod
    def of(cls, *, dienstverleners: Iterable[int] = (), diensten: Iterable[int] = ()) -> "Scope":
        return cls(
            algemeen=False,
            dienstverlener_ids=frozenset(int(pk) for pk in dienstverleners),
            dienst_ids=frozenset(int(pk) for pk in diensten),
        )

    @property
    def is_empty(self) -> bool:
        return not (self.algemeen or self.dienstverlener_ids or self.dienst_ids)

    def normalised(self) -> "Scope":
        """Algemene bevoegdheid makes every other choice redundant."""
        return Scope.algemene_bevoegdheid() if self.algemeen else self


def scope_covers(scope: Scope, dienst: Dienst) -> bool:
    """Does ``scope`` cover ``dienst``? (Algemene bevoegdheid covers everything.)"""
    return (
        scope.algemeen
        or dienst.dienstverlener_id in scope.dienstverlener_ids
        or dienst.pk in scope.dienst_ids
    )


def diensten_covered_by(scope: Scope) -> QuerySet[Dienst]:
    """The catalogue's diensten that ``scope`` covers, as one query."""
    if scope.algemeen:
        return Dienst.objects.all()
    return Dienst.objects.filter(
        Q(dienstverlener_id__in=scope.dienstverlener_ids) | Q(pk__in=scope.dienst_ids)
    )


def scope_of(obj: ScopeFields) -> Scope:
    """The scope stored on ``obj``; uses prefetched rows when they are there."""
    if obj.algemene_bevoegdheid:
        return Scope.algemene_bevoegdheid()
    return Scope.of(
        dienstverleners=[d.pk for d in obj.dienstverleners.all()],
        diensten=[d.pk for d in obj.diensten.all()],
    )


def scope_save(obj: ScopeFields, scope: Scope) -> None:
    """Store ``scope`` on a saved ``obj`` (the caller holds the transaction and writes audit)."""
    scope = scope.normalised()
    if obj.algemene_bevoegdheid != scope.algemeen:
        obj.algemene_bevoegdheid = scope.algemeen
        obj.save(update_fields=["algemene_bevoegdheid"])
    obj.dienstverleners.set(sorted(scope.dienstverlener_ids))
    obj.diensten.set(sorted(scope.dienst_ids))


def scope_text(scope: Scope, *, limit: int = 3) -> str:
    """The scope as people read it: "Algemene bevoegdheid: alle diensten", "Alle diensten van
    UWV", "3 diensten: A, B, C"; both parts joined with a semicolon."""
    if scope.algemeen:
        return _render(True, [], [], limit=limit)
    dienstverleners = list(Dienstverlener.objects.filter(pk__in=scope.dienstverlener_ids))
    diensten = list(Dienst.objects.filter(pk__in=scope.dienst_ids).select_related("dienstverlener"))
    return _render(False, dienstverleners, diensten, limit=limit)


def scope_text_for(obj: ScopeFields, *, limit: int = 3) -> str:
    """``scope_text`` of a stored scope without queries, when ``dienstverleners`` and
    ``diensten__dienstverlener`` are prefetched (as the overview does for a page of rows)."""
    if obj.algemene_bevoegdheid:
        return _render(True, [], [], limit=limit)
    return _render(False, list(obj.dienstverleners.all()), list(obj.diensten.all()), limit=limit)


def scope_text_from(
    algemeen: bool,
    dienstverleners: list[Dienstverlener],
    diensten: list[Dienst],
    *,
    limit: int = 3,
) -> str:
    """``scope_text`` of parts already loaded (``diensten`` with their ``dienstverlener``)."""
    return _render(algemeen, dienstverleners, diensten, limit=limit)


def _render(
    algemeen: bool,
    dienstverleners: list[Dienstverlener],
    diensten: list[Dienst],
    *,
    limit: int,
) -> str:
    if algemeen:
        return _("General authority: all services")
    parts = []
    if dienstverleners:
        names = sorted(d.naam for d in dienstverleners)
        parts.append(_("All services of %(names)s") % {"names": _join(names)})
    if diensten:
        diensten = sorted(diensten, key=lambda d: (d.dienstverlener.naam, d.naam))
        names = [f"{d.naam} ({d.dienstverlener.naam})" for d in diensten[:limit]]
        more = len(diensten) - limit
        listed = ", ".join(names) + (
            " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": more}
            if more > 0
            else ""
        )
        parts.append(
            ngettext("%(count)s service: %(names)s", "%(count)s services: %(names)s", len(diensten))
            % {"count": len(diensten), "names": listed}
        )
    if not parts:
        return _("No services")
    return "; ".join(parts)


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}
