"""Reads of the accounts app. Visibility rules live here, once."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .constants import KETENMACHTIGING_MIN_RANK, AuditKind
from .models import AuditEntry, Lidmaatschap, LoginEvent, Organisatie, User


def organisaties_for(user: User) -> QuerySet[Organisatie]:
    """The organisations a person belongs to, in name order."""
    if not user.is_authenticated:
        return Organisatie.objects.none()
    return Organisatie.objects.filter(lidmaatschappen__user=user).order_by("naam", "pk")


def lidmaatschappen_for(user: User) -> QuerySet[Lidmaatschap]:
    return (
        Lidmaatschap.objects.filter(user=user)
        .select_related("organisatie")
        .order_by("organisatie__naam", "organisatie_id")
    )


def gebruikers_for(*, organisatie: Organisatie, search: str = "") -> QuerySet[Lidmaatschap]:
    """The members of an organisation with their role and means, searchable by name or e-mail."""
    qs = (
        Lidmaatschap.objects.filter(organisatie=organisatie, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__voorletters", "user__username")
    )
    for term in search.split()[:5]:
        qs = qs.filter(
            Q(user__last_name__icontains=term)
            | Q(user__first_name__icontains=term)
            | Q(user__voorletters__icontains=term)
            | Q(user__username__icontains=term)
            | Q(user__email__icontains=term)
        )
    return qs


def lidmaatschap_of(*, organisatie: Organisatie, pk: int) -> Lidmaatschap:
    """One membership of this organisation; another organisation's raises DoesNotExist (a 404)."""
    return Lidmaatschap.objects.select_related("user", "organisatie").get(
        organisatie=organisatie, pk=pk
    )


def users_eligible_for_ketenmachtigingen(*, organisatie: Organisatie) -> QuerySet[User]:
    return User.objects.filter(
        lidmaatschappen__organisatie=organisatie,
        is_active=True,
        eh_niveau_rank__gte=KETENMACHTIGING_MIN_RANK,
        alleen_belastingdienst=False,
    )


def login_history_for(user: User) -> QuerySet[LoginEvent]:
    return LoginEvent.objects.filter(user=user).order_by("-timestamp")


def audit_entries_for(
    *,
    organisatie: Organisatie,
    kind: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    search: str = "",
    met_ketenmachtigingen: bool = True,
) -> QuerySet[AuditEntry]:
    """The audit rows of one organisation, newest first, optionally filtered.

    Without ``met_ketenmachtigingen`` (a reader below EH3) the rows about ketenmachtigingen,
    groups and the sender settings are left out: those functions are for EH3 only.

    ``date_from`` and ``date_to`` are inclusive calendar days in the portal's time zone
    (Europe/Amsterdam), as a beheerder reads them; they become a timestamp range so the
    (organisatie, -timestamp) index serves the query. Every search term must occur in the
    object or the actor.
    """
    qs = AuditEntry.objects.filter(organisatie=organisatie)
    if not met_ketenmachtigingen:
        qs = qs.exclude(kind__in=[AuditKind.KETENMACHTIGING, AuditKind.GROEP]).exclude(
            object_type="ketenmachtigingen.afzenderinstellingen"
        )
    if kind:
        qs = qs.filter(kind=kind)
    if date_from is not None:
        qs = qs.filter(timestamp__gte=_start_of_local_day(max(date_from, _EARLIEST_DAY)))
    if date_to is not None and date_to < _LATEST_DAY:
        qs = qs.filter(timestamp__lt=_start_of_local_day(date_to + timedelta(days=1)))
    for term in search.split()[:5]:
        qs = qs.filter(Q(object_repr__icontains=term) | Q(actor_repr__icontains=term))
    return qs.order_by("-timestamp", "-id")


# Outside these days a local midnight cannot be converted to UTC (and no audit row exists).
_EARLIEST_DAY = date(1900, 1, 1)
_LATEST_DAY = date(9999, 12, 30)


def _start_of_local_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def user_for_certificaat(serial_number: str) -> "User | None":
    """The active person whose EH4 means is linked to a certificate's subject serialNumber."""
    from .constants import EHNiveau
    from .models import User

    if not serial_number:
        return None
    return User.objects.filter(
        eh4_certificaat_serienummer=serial_number, is_active=True, eh_niveau=EHNiveau.EH4
    ).first()
