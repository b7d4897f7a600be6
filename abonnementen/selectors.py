"""Reads of subscriptions: whether an organisation may use a module, and the back office's
list. Every read for a beheerder is scoped to ``request.organisatie``."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.constants import AuditKind
from accounts.models import AuditEntry, Organisatie

from .constants import MAY_REQUEST, AbonnementStatus, Module
from .models import Abonnement

S = AbonnementStatus


@dataclass(frozen=True)
class Toegang:
    """What an organisation may do with a module today."""

    abonnement: Abonnement | None
    actief: bool  # the module is on: everything may be done
    gehad: bool  # it was on once: what exists stays readable

    @property
    def status(self) -> str:
        """``geen`` (never had one), or the effective status of the subscription."""
        return self.abonnement.effectieve_status() if self.abonnement else "geen"

    @property
    def mag_aanvragen(self) -> bool:
        """Whether "Vraag toegang aan" is offered: nothing running and nothing asked yet."""
        return self.abonnement is None or self.status in MAY_REQUEST


def abonnement_of(organisatie: Organisatie, module: str = Module.KETENMACHTIGINGEN):
    return (
        Abonnement.objects.filter(organisatie=organisatie, module=module)
        .select_related("toegang_aangevraagd_door")
        .first()
    )


def toegang(
    organisatie: Organisatie, module: str = Module.KETENMACHTIGINGEN, today: date | None = None
) -> Toegang:
    today = today or timezone.localdate()
    abonnement = abonnement_of(organisatie, module)
    if abonnement is None:
        return Toegang(None, False, False)
    return Toegang(abonnement, abonnement.is_actief(today), abonnement.had_toegang(today))


#: The back office's status filter: the effective status (an active one past its end date has
#: ended), plus "open" for everything that waits for the back office.
FILTERS = ("open", *S.values)


def backoffice_search(
    *, q: str = "", status: str = "", module: str = "", today: date | None = None
) -> QuerySet[Abonnement]:
    today = today or timezone.localdate()
    qs = Abonnement.objects.select_related("organisatie", "toegang_aangevraagd_door")
    if q:
        qs = qs.filter(Q(organisatie__naam__icontains=q) | Q(organisatie__kvk_nummer=q.strip()))
    if module:
        qs = qs.filter(module=module)
    verlopen = Q(status=S.ACTIEF, actief_tot__lt=today)
    if status == "open":
        qs = qs.filter(status__in=(S.AANGEVRAAGD, S.OFFERTE_VERSTUURD, S.OFFERTE_ONTVANGEN))
    elif status == S.ACTIEF:
        qs = qs.filter(status=S.ACTIEF).exclude(verlopen)
    elif status == S.BEEINDIGD:
        qs = qs.filter(Q(status=S.BEEINDIGD) | verlopen)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at", "-pk")


def geschiedenis(abonnement: Abonnement) -> QuerySet[AuditEntry]:
    """The audit rows of one subscription, newest first (its history on the back-office page)."""
    return AuditEntry.objects.filter(
        kind=AuditKind.ORGANISATIE,
        object_type=Abonnement._meta.label_lower,
        object_id=str(abonnement.pk),
    ).order_by("-pk")
