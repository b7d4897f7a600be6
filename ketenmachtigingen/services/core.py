"""Writes of ketenmachtigingen: request, register, invite, process, link users, end, grant.

Every function takes the acting user as ``actor``, validates, changes rows inside one
transaction with the rows it changes locked, writes the audit row in that transaction, and
schedules side effects (the invitation e-mail) with ``transaction.on_commit``.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.audit import audit_log, diff, snapshot
from accounts.constants import AuditAction, AuditKind
from accounts.models import Lidmaatschap, Organisatie, User
from diensten.scope import Scope, scope_save, scope_text
from groepen.models import Groep
from ketenportal.exceptions import DomainError
from outbox.throttle import mail_throttle

from ..constants import ALLOWED_TRANSITIONS, EIGEN_LEVERANCIER, PENDING, Bron, Kanaal, Status
from ..exceptions import (
    AlreadyProcessed,
    DuplicateKetenmachtiging,
    InvitationLapsed,
    KetenmachtigingError,
)
from ..models import Afzenderinstellingen, Ketenmachtiging, StatusWijziging, add_months
from ..notifications import Event, notify, row_of
from ..selectors import open_renewal_of
from ..signals import send_status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Relatie:
    """The company as looked up (the KvK client's ``Bedrijf`` fits this shape)."""

    naam: str
    kvk_nummer: str
    rsin: str
    adres: str
    postcode_plaats: str
    land: str = "Nederland"

    @classmethod
    def from_bedrijf(cls, bedrijf) -> "Relatie":
        return cls(
            naam=bedrijf.naam,
            kvk_nummer=bedrijf.kvk_nummer or "",
            rsin=bedrijf.rsin or "",
            adres=bedrijf.adres,
            postcode_plaats=bedrijf.postcode_plaats,
            land=getattr(bedrijf, "land", "") or "Nederland",
        )

    @classmethod
    def from_ketenmachtiging(cls, km: Ketenmachtiging) -> "Relatie":
        """The company as it was looked up for ``km`` (to request it again)."""
        return cls(
            naam=km.relatie_naam,
            kvk_nummer=km.relatie_kvk_nummer,
            rsin=km.relatie_rsin,
            adres=km.relatie_adres,
            postcode_plaats=km.relatie_postcode_plaats,
            land=km.relatie_land,
        )


@dataclass(frozen=True)
class Contacten:
    """Who the invitation is from and to."""

    voorletters: str
    tussenvoegsel: str
    achternaam: str
    email: str
    telefoon: str
    relatie_email: str
    relatie_telefoon: str
    relatie_voorletters: str = ""
    relatie_tussenvoegsel: str = ""
    relatie_achternaam: str = ""


def _audit_create(km: Ketenmachtiging, actor: User | None, organisatie: Organisatie | None):
    audit_log(
        actor=actor,
        organisatie=organisatie,
        action=AuditAction.CREATE,
        kind=AuditKind.KETENMACHTIGING,
        obj=km,
        changes={
            "relatie": {"old": None, "new": f"{km.relatie_naam} ({km.relatie_identifier})"},
            "status": {"old": None, "new": km.status},
            "diensten": {"old": None, "new": scope_text_of(km)},
            "looptijd_jaren": {"old": None, "new": km.looptijd_jaren},
            "gebruikers": {"old": None, "new": sorted(str(m.user) for m in km.gebruikers.all())},
            "groepen": {"old": None, "new": sorted(g.naam for g in km.groepen.all())},
        },
    )


def scope_text_of(km: Ketenmachtiging) -> str:
    from diensten.scope import scope_of

    return scope_text(scope_of(km))


def _check_linkable(
    organisatie: Organisatie, gebruikers: Iterable[Lidmaatschap], groepen: Iterable[Groep]
) -> tuple[list[Lidmaatschap], list[Groep]]:
    gebruikers, groepen = list(gebruikers), list(groepen)
    if any(m.organisatie_id != organisatie.pk for m in gebruikers) or any(
        g.organisatie_id != organisatie.pk for g in groepen
    ):
        raise KetenmachtigingError(
            _("Only users and groups of %(organisatie)s can be linked.")
            % {"organisatie": organisatie},
            code="foreign",
        )
    unable = [str(m.user) for m in gebruikers if not m.user.can_use_ketenmachtigingen]
    if unable:
        raise KetenmachtigingError(
            ngettext(
                "%(names)s cannot use ketenmachtigingen: a means of at least level EH3 that is "
                "not for the Belastingdienst only is needed.",
                "%(names)s cannot use ketenmachtigingen: a means of at least level EH3 that is "
                "not for the Belastingdienst only is needed.",
                len(unable),
            )
            % {"names": ", ".join(unable)},
            code="level",
        )
    return gebruikers, groepen


def _check_scope(scope: Scope) -> None:
    if scope.is_empty:
        raise KetenmachtigingError(
            _("Choose general authority, a service provider or at least one service."),
            code="empty_scope",
        )


def _duplicate(relatie: Relatie, bestaande: Ketenmachtiging | None) -> DuplicateKetenmachtiging:
    return DuplicateKetenmachtiging(
        _("%(naam)s already has an active or pending ketenmachtiging with you.")
        % {"naam": relatie.naam},
        bestaande=bestaande,
    )


def _check_none_open(intermediair: Organisatie, relatie: Relatie) -> None:
    """One active or pending ketenmachtiging per relatie (call it with the intermediair locked)."""
    bestaande = open_ketenmachtiging_for(intermediair=intermediair, relatie=relatie)
    if bestaande:
        raise _duplicate(relatie, bestaande)


def _check_no_pending_renewal(
    intermediair: Organisatie, relatie: Relatie, vernieuwing_van: Ketenmachtiging
) -> None:
    """A renewal: no other renewal of the same ketenmachtiging and no other request for the
    relatie may be pending (call it with the intermediair locked)."""
    bestaande = open_renewal_of(vernieuwing_van) or next(
        (
            km
            for km in _of_relatie(intermediair, relatie).filter(status__in=PENDING)
            if km.effective_status() in PENDING
        ),
        None,
    )
    if bestaande:
        raise _duplicate(relatie, bestaande)


def _of_relatie(intermediair: Organisatie, relatie: Relatie):
    qs = Ketenmachtiging.objects.filter(intermediair=intermediair)
    if relatie.kvk_nummer:
        return qs.filter(relatie_kvk_nummer=relatie.kvk_nummer)
    return qs.filter(relatie_kvk_nummer="", relatie_rsin=relatie.rsin)


def _lock_intermediair(intermediair: Organisatie) -> None:
    """Requests of one intermediair are made one at a time (the duplicate checks hold)."""
    Organisatie.objects.select_for_update().get(pk=intermediair.pk)


#: The reason a sweep gives (jobs.sweep_vervallen), for a lapse noticed by a new request.
REDEN_VERVALLEN = "Formulier niet binnen 3 maanden ontvangen"


def _lapse_stale(qs) -> None:
    """Requests whose invitation lapsed but that the sweep has not reached yet are lapsed now,
    as the sweep would (history, audit, message): they no longer count as pending, and the
    database's uniqueness of pending requests must not refuse a new one because of them."""
    today = timezone.localdate()
    stale = qs.filter(
        status__in=[Status.VERSTUURD, Status.INCOMPLEET, Status.FOUT],
        uitnodiging_geldig_tot__lt=today,
    )
    for km in stale.select_for_update().order_by("pk"):
        km.transition_to(Status.VERVALLEN, actor=None, reden=REDEN_VERVALLEN)


def _check_not_self(intermediair: Organisatie, relatie: Relatie) -> None:
    if relatie.kvk_nummer and relatie.kvk_nummer == intermediair.kvk_nummer:
        raise KetenmachtigingError(
            _("Your own organisation cannot grant you a ketenmachtiging."), code="self"
        )


def _check_looptijd(looptijd_jaren: int) -> None:
    if looptijd_jaren not in (1, 2, 3, 4, 5):
        raise KetenmachtigingError(_("Choose a term of 1 to 5 years."), code="looptijd")


def _withdraw_replaced(
    vervangt: Ketenmachtiging | None, *, actor: User, intermediair: Organisatie
) -> None:
    """Vraag opnieuw aan from a failed request: the new request replaces it, so it is withdrawn
    in the same transaction (before the check for an open one). One that is no longer failed
    (sent again, lapsed, withdrawn meanwhile) is left as it is."""
    if vervangt is None:
        return
    km = _lock(vervangt)
    if km.intermediair_id != intermediair.pk:
        raise KetenmachtigingError(_("This request cannot be replaced."), code="foreign")
    if km.effective_status() == Status.FOUT:
        km.transition_to(
            Status.BEEINDIGD, actor=actor, reden=_("Withdrawn: replaced by a new request")
        )


def open_ketenmachtiging_for(*, intermediair: Organisatie, relatie: Relatie):
    """An active or pending ketenmachtiging of this intermediair for this relatie, if any."""
    today = timezone.localdate()
    qs = _of_relatie(intermediair, relatie)
    for km in qs.filter(status__in=[*PENDING, Status.ACTIEF]).order_by("-created_at"):
        if km.effective_status(today) in (*PENDING, Status.ACTIEF):
            return km
    return None


def _relatie_organisatie(relatie: Relatie) -> Organisatie | None:
    if relatie.kvk_nummer:
        return Organisatie.objects.filter(kvk_nummer=relatie.kvk_nummer).first()
    return None


def _new(
    *,
    actor: User,
    intermediair: Organisatie,
    relatie: Relatie,
    scope: Scope,
    looptijd_jaren: int,
    referentie: str,
    bron: str,
    status: str,
    **fields,
) -> Ketenmachtiging:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                km = Ketenmachtiging.objects.create(
                    intermediair=intermediair,
                    intermediair_naam=intermediair.naam,
                    intermediair_kvk_nummer=intermediair.kvk_nummer,
                    relatie_organisatie=_relatie_organisatie(relatie),
                    relatie_naam=relatie.naam,
                    relatie_kvk_nummer=relatie.kvk_nummer,
                    relatie_rsin=relatie.rsin,
                    relatie_adres=relatie.adres,
                    relatie_postcode_plaats=relatie.postcode_plaats,
                    relatie_land=relatie.land,
                    looptijd_jaren=looptijd_jaren,
                    referentie=referentie.strip()[:100],
                    bron=bron,
                    status=status,
                    algemene_bevoegdheid=scope.algemeen,
                    created_by=actor,
                    **fields,
                )
            StatusWijziging.objects.create(ketenmachtiging=km, van="", naar=status, actor=actor)
            send_status([{**row_of(km), "van": "", "naar": status}])
            return km
        except IntegrityError:
            if status in PENDING:
                # Another request for the same relatie (or renewal) won a race past the checks:
                # the database's constraint refused this one; say what the check would have said.
                bestaande = _pending_duplicate(intermediair, relatie, fields.get("vernieuwing_van"))
                if bestaande is not None:
                    raise _duplicate(relatie, bestaande) from None
            # A kenmerk collision is astronomically rare; anything else is a real error.
            if _attempt == 4:
                raise
    raise AssertionError("unreachable")


def _pending_duplicate(
    intermediair: Organisatie, relatie: Relatie, vernieuwing_van: Ketenmachtiging | None
) -> Ketenmachtiging | None:
    """The pending row a new pending request collides with, if any."""
    pending = _of_relatie(intermediair, relatie).filter(status__in=PENDING)
    if vernieuwing_van is not None:
        pending = pending | Ketenmachtiging.objects.filter(
            vernieuwing_van=vernieuwing_van, status__in=PENDING
        )
    return pending.order_by("-created_at", "-pk").first()


def _renews(old: Ketenmachtiging, intermediair: Organisatie, relatie: Relatie) -> bool:
    """Whether a request for ``relatie`` by ``intermediair`` can be a renewal of ``old``."""
    if old.intermediair_id != intermediair.pk:
        return False
    if relatie.kvk_nummer:
        return old.relatie_kvk_nummer == relatie.kvk_nummer
    return not old.relatie_kvk_nummer and old.relatie_rsin == relatie.rsin


def ketenmachtiging_request(
    *,
    actor: User,
    intermediair: Organisatie,
    relatie: Relatie,
    scope: Scope,
    gebruikers: Iterable[Lidmaatschap] = (),
    groepen: Iterable[Groep] = (),
    looptijd_jaren: int,
    referentie: str = "",
    contacten: Contacten,
    taal: str,
    persoonlijk_bericht: str = "",
    akkoord_kosten: bool,
    vernieuwing_van: Ketenmachtiging | None = None,
    vervangt: Ketenmachtiging | None = None,
) -> Ketenmachtiging:
    """Verstuur aanvraag tot goedkeuring: create the request and send the invitation with the
    signed-form PDF to the relatie's contact (after commit, by a task). ``vervangt``: a failed
    request of this intermediair that the new one replaces (it is withdrawn).

    One pending request per relatie, and one pending renewal per ketenmachtiging: a second is
    refused with a ``DuplicateKetenmachtiging`` (code "duplicate"), also when two arrive at
    once (the database's constraints decide then). A ``vernieuwing_van`` of another relatie
    (a renewal whose company was changed in the wizard) makes this an ordinary new request."""
    _check_scope(scope)
    _check_looptijd(looptijd_jaren)
    if not akkoord_kosten:
        raise KetenmachtigingError(
            _("Agree to the costs of registering this ketenmachtiging to continue."),
            code="akkoord",
        )
    if taal not in dict(settings.LANGUAGES):
        raise KetenmachtigingError(_("Choose Dutch or English."), code="taal")
    gebruikers, groepen = _check_linkable(intermediair, gebruikers, groepen)
    _check_not_self(intermediair, relatie)
    now = timezone.now()
    if vernieuwing_van is not None and not _renews(vernieuwing_van, intermediair, relatie):
        vernieuwing_van = None
    with transaction.atomic():
        _lock_intermediair(intermediair)
        _lapse_stale(_of_relatie(intermediair, relatie))
        _withdraw_replaced(vervangt, actor=actor, intermediair=intermediair)
        if vernieuwing_van is None:
            _check_none_open(intermediair, relatie)
        else:
            _check_no_pending_renewal(intermediair, relatie, vernieuwing_van)
        km = _new(
            actor=actor,
            intermediair=intermediair,
            relatie=relatie,
            scope=scope,
            looptijd_jaren=looptijd_jaren,
            referentie=referentie,
            bron=Bron.AANGEVRAAGD,
            status=Status.VERSTUURD,
            contact_voorletters=contacten.voorletters.strip(),
            contact_tussenvoegsel=contacten.tussenvoegsel.strip(),
            contact_achternaam=contacten.achternaam.strip(),
            contact_email=contacten.email.strip(),
            contact_telefoon=contacten.telefoon.strip(),
            relatie_contact_voorletters=contacten.relatie_voorletters.strip(),
            relatie_contact_tussenvoegsel=contacten.relatie_tussenvoegsel.strip(),
            relatie_contact_achternaam=contacten.relatie_achternaam.strip(),
            relatie_contact_email=contacten.relatie_email.strip(),
            relatie_contact_telefoon=contacten.relatie_telefoon.strip(),
            taal=taal,
            persoonlijk_bericht=persoonlijk_bericht.strip(),
            akkoord_kosten_op=now,
            tarief=settings.KETENMACHTIGING_TARIEF,
            verstuurd_op=now,
            uitnodiging_geldig_tot=add_months(timezone.localdate(now), 3),
            vernieuwing_van=vernieuwing_van,
        )
        scope_save(km, scope)
        km.gebruikers.set(gebruikers)
        km.groepen.set(groepen)
        _audit_create(km, actor, intermediair)
        notify(Event.AANGEVRAAGD, km, key="0")
    return km


def ketenmachtiging_register_approved(
    *,
    actor: User,
    intermediair: Organisatie,
    relatie: Relatie,
    scope: Scope,
    gebruikers: Iterable[Lidmaatschap] = (),
    groepen: Iterable[Groep] = (),
    looptijd_jaren: int,
    referentie: str = "",
    leverancier: str,
    vervangt: Ketenmachtiging | None = None,
) -> Ketenmachtiging:
    """Ik heb al goedkeuring ontvangen: record a ketenmachtiging the relatie already registered
    (here or at another supplier) as active; ``vervangt`` as for ``ketenmachtiging_request``."""
    _check_scope(scope)
    _check_looptijd(looptijd_jaren)
    if leverancier not in [*settings.LEVERANCIERS, EIGEN_LEVERANCIER]:
        raise KetenmachtigingError(
            _("Choose the organisation where the ketenmachtiging was registered."),
            code="leverancier",
        )
    gebruikers, groepen = _check_linkable(intermediair, gebruikers, groepen)
    _check_not_self(intermediair, relatie)
    today = timezone.localdate()
    with transaction.atomic():
        _lock_intermediair(intermediair)
        _withdraw_replaced(vervangt, actor=actor, intermediair=intermediair)
        _check_none_open(intermediair, relatie)
        km = _new(
            actor=actor,
            intermediair=intermediair,
            relatie=relatie,
            scope=scope,
            looptijd_jaren=looptijd_jaren,
            referentie=referentie,
            bron=Bron.GEREGISTREERD,
            status=Status.ACTIEF,
            leverancier=leverancier,
            startdatum=today,
            einddatum=_end_date(today, looptijd_jaren),
            geactiveerd_op=timezone.now(),
        )
        scope_save(km, scope)
        km.gebruikers.set(gebruikers)
        km.groepen.set(groepen)
        _audit_create(km, actor, intermediair)
    return km


def _end_date(start: date, years: int) -> date:
    from ..models import add_years

    return add_years(start, years)


def _lock(km: Ketenmachtiging) -> Ketenmachtiging:
    return Ketenmachtiging.objects.select_for_update().get(pk=km.pk)


# --- The invitation (run by the task) ---------------------------------------------------------


def pdf_context(km: Ketenmachtiging, link: str = "") -> dict:
    """The plain values the form template needs (see templates/pdf/ketenmachtiging_formulier);
    ``link`` is the contact's personal link, shown as a QR code beside the reference."""
    from accounts.constants import niveau_badge
    from ketenportal.utils.qr import qr_data_uri

    from ..pdf import land_text, postadres_lines, tarief_text

    intermediair = km.intermediair
    taal = km.taal or "nl"
    vorige = km.vernieuwing_van
    return {
        "kenmerk": km.kenmerk,
        # A renewal names the ketenmachtiging it renews, so the relatie knows it is no new one.
        "vernieuwing_van": vorige.kenmerk if vorige else "",
        "qr_data_uri": qr_data_uri(km.kenmerk),
        "link": link,
        "link_qr_data_uri": qr_data_uri(link) if link else "",
        "platform": {
            "naam": settings.PLATFORM_NAME,
            "postadres": postadres_lines(taal),
            "website": settings.PLATFORM_WEBSITE,
            "support_email": settings.PLATFORM_SUPPORT_EMAIL,
        },
        "intermediair": {
            "naam": km.intermediair_naam,
            "kvk_nummer": km.intermediair_kvk_nummer,
            "adres": intermediair.adres if intermediair else "",
            "postcode_plaats": intermediair.postcode_plaats if intermediair else "",
        },
        "relatie": {
            "naam": km.relatie_naam,
            "kvk_nummer": km.relatie_kvk_nummer,
            "rsin": km.relatie_rsin,
            "adres": km.relatie_adres,
            "postcode_plaats": km.relatie_postcode_plaats,
            "land": land_text(km.relatie_land, taal),
        },
        "contact_intermediair": {
            "naam": km.contact_naam,
            "email": km.contact_email,
            "telefoon": km.contact_telefoon,
        },
        "contact_relatie": {
            "naam": km.relatie_contact_naam,
            "email": km.relatie_contact_email,
            "telefoon": km.relatie_contact_telefoon,
        },
        "algemene_bevoegdheid": km.algemene_bevoegdheid,
        "dienstverleners": sorted(d.naam for d in km.dienstverleners.all()),
        "diensten": [
            {
                "naam": d.naam,
                "dienstverlener": d.dienstverlener.naam,
                "niveau": niveau_badge(d.eh_niveau),
            }
            for d in sorted(
                km.diensten.select_related("dienstverlener"),
                key=lambda d: (d.dienstverlener.naam, d.naam),
            )
        ],
        "scope_text": scope_text_of(km),
        "looptijd_jaren": km.looptijd_jaren,
        "verstuurd_op": timezone.localdate(km.verstuurd_op) if km.verstuurd_op else None,
        "uiterste_datum": km.uitnodiging_geldig_tot,
        "tarief": tarief_text(km.tarief, taal),
    }


def render_formulier(km: Ketenmachtiging, link: str = "") -> bytes:
    from django.utils import translation

    from ketenportal.utils.pdf import render_pdf

    with translation.override(km.taal):
        context = pdf_context(km, link=link)
    return render_pdf("pdf/ketenmachtiging_formulier.html", context, language=km.taal)


def ketenmachtiging_resend(*, actor: User, km: Ketenmachtiging) -> Ketenmachtiging:
    """Send the invitation again: after an error with a new 3-month term; while it waits (sent,
    or incomplete: the relatie must send the complete form), the same invitation once more (the
    status and the term stay). Limited per person, address and organisation
    (``outbox.throttle``): a double click or a script cannot flood the relatie's inbox."""
    mail_throttle(
        user_id=actor.pk, organisatie_id=km.intermediair_id, ontvanger=km.relatie_contact_email
    )
    with transaction.atomic():
        km = _lock(km)
        if km.status not in (Status.VERSTUURD, Status.INCOMPLEET, Status.FOUT):
            raise KetenmachtigingError(
                _("The invitation can only be sent again while the request waits for the form."),
                code="not_waiting",
            )
        if km.status in (Status.VERSTUURD, Status.INCOMPLEET):
            if km.invitation_lapsed():
                raise KetenmachtigingError(
                    _("This invitation has lapsed; send a new request."), code="lapsed"
                )
            audit_log(
                actor=actor,
                organisatie=km.intermediair,
                action=AuditAction.UPDATE,
                kind=AuditKind.KETENMACHTIGING,
                obj=km,
                changes={"uitnodiging": {"old": None, "new": km.relatie_contact_email}},
                message="invitation sent again",
            )
            notify(Event.UITNODIGING_OPNIEUW, km)
            return km
        km.transition_to(Status.VERSTUURD, actor=actor, reden=_("Invitation sent again"))
    return km


# --- Users and groups -------------------------------------------------------------------------


def ketenmachtiging_link(
    *,
    actor: User,
    km: Ketenmachtiging,
    gebruikers: Iterable[Lidmaatschap] = (),
    groepen: Iterable[Groep] = (),
) -> Ketenmachtiging:
    """Voeg gebruiker toe: link more users or groups of the intermediair."""
    gebruikers, groepen = _check_linkable(km.intermediair, gebruikers, groepen)
    with transaction.atomic():
        km = _lock(km)
        if km.effective_status() in (Status.VERLOPEN, Status.BEEINDIGD, Status.VERVALLEN):
            raise KetenmachtigingError(
                _("This ketenmachtiging has ended; users can no longer be linked."), code="ended"
            )
        new_users = [m for m in gebruikers if not km.gebruikers.filter(pk=m.pk).exists()]
        new_groups = [g for g in groepen if not km.groepen.filter(pk=g.pk).exists()]
        if not new_users and not new_groups:
            return km
        km.gebruikers.add(*new_users)
        km.groepen.add(*new_groups)
        _touch(km)
        audit_log(
            actor=actor,
            organisatie=km.intermediair,
            action=AuditAction.UPDATE,
            kind=AuditKind.KETENMACHTIGING,
            obj=km,
            changes={
                **(
                    {"gebruikers": {"old": None, "new": sorted(str(m.user) for m in new_users)}}
                    if new_users
                    else {}
                ),
                **(
                    {"groepen": {"old": None, "new": sorted(g.naam for g in new_groups)}}
                    if new_groups
                    else {}
                ),
            },
            message="linked",
        )
    return km


def _touch(km: Ketenmachtiging) -> None:
    """Who may use it changed: a sync by "changed since" (the API's ``gewijzigd_sinds``) must see
    it."""
    km.updated_at = timezone.now()
    km.save(update_fields=["updated_at"])


def ketenmachtiging_unlink_gebruiker(
    *, actor: User, km: Ketenmachtiging, lidmaatschap: Lidmaatschap
) -> None:
    """Remove a user: their access through this ketenmachtiging ends at once."""
    with transaction.atomic():
        km = _lock(km)
        if not km.gebruikers.filter(pk=lidmaatschap.pk).exists():
            raise KetenmachtigingError(_("This user is not linked."), code="not_linked")
        km.gebruikers.remove(lidmaatschap)
        _touch(km)
        audit_log(
            actor=actor,
            organisatie=km.intermediair,
            action=AuditAction.UPDATE,
            kind=AuditKind.KETENMACHTIGING,
            obj=km,
            changes={"gebruikers": {"old": str(lidmaatschap.user), "new": None}},
            message="unlinked",
        )


def ketenmachtiging_unlink_groep(*, actor: User, km: Ketenmachtiging, groep: Groep) -> None:
    with transaction.atomic():
        km = _lock(km)
        if not km.groepen.filter(pk=groep.pk).exists():
            raise KetenmachtigingError(_("This group is not linked."), code="not_linked")
        km.groepen.remove(groep)
        _touch(km)
        audit_log(
            actor=actor,
            organisatie=km.intermediair,
            action=AuditAction.UPDATE,
            kind=AuditKind.KETENMACHTIGING,
            obj=km,
            changes={"groepen": {"old": groep.naam, "new": None}},
            message="unlinked",
        )


# --- Ending -----------------------------------------------------------------------------------


def ketenmachtiging_end(
    *, actor: User, km: Ketenmachtiging, per: date | None = None
) -> Ketenmachtiging:
    """Verwijder bedrijf: end at once (``per`` None or today) or on a future date.

    Irreversible. The relatie is not notified. A pending request is withdrawn.
    """
    today = timezone.localdate()
    with transaction.atomic():
        km = _lock(km)
        status = km.effective_status(today)
        if status in PENDING and per is None:
            km.transition_to(Status.BEEINDIGD, actor=actor, reden=_("Request withdrawn"))
            return km
        if status != Status.ACTIEF:
            raise KetenmachtigingError(
                _("Only an active ketenmachtiging can be ended."), code="not_active"
            )
        if km.einde_gepland_op is not None:
            raise KetenmachtigingError(
                _("An end date has been set already; it cannot be changed."), code="scheduled"
            )
        if per is None or per <= today:
            if per is not None and per < today:
                raise KetenmachtigingError(_("The end date cannot be in the past."), code="past")
            old = km.status
            km.transition_to(Status.BEEINDIGD, actor=actor, reden=_("Ended at once"))
            if km.relatie_organisatie_id and km.intermediair_id:
                # A grant of a company on the platform: its log shows the end too.
                _audit_other_side(
                    km,
                    actor,
                    old,
                    _("Ended at once"),
                    organisatie=km.relatie_organisatie,
                    message="ended by the intermediair",
                )
            return km
        if per > km.einddatum:
            raise KetenmachtigingError(
                _("The end date cannot be after the end of the term (%(einddatum)s).")
                % {"einddatum": km.einddatum.strftime("%d-%m-%Y")},
                code="after_term",
            )
        km.einde_gepland_op = per
        km.updated_at = timezone.now()
        km.save(update_fields=["einde_gepland_op", "updated_at"])
        audit_log(
            actor=actor,
            organisatie=km.intermediair,
            action=AuditAction.UPDATE,
            kind=AuditKind.KETENMACHTIGING,
            obj=km,
            changes={"einde_gepland_op": {"old": None, "new": per.isoformat()}},
            message="end scheduled",
        )
        if km.relatie_organisatie_id and km.intermediair_id:
            audit_log(
                actor=actor,
                organisatie=km.relatie_organisatie,
                action=AuditAction.UPDATE,
                kind=AuditKind.KETENMACHTIGING,
                obj=km,
                changes={"einde_gepland_op": {"old": None, "new": per.isoformat()}},
                message="end scheduled",
            )
    return km


# --- Back office ------------------------------------------------------------------------------


def _backoffice_lock(km: Ketenmachtiging, expected_status: str | None) -> Ketenmachtiging:
    km = _lock(km)
    if expected_status is not None and km.status != expected_status:
        raise AlreadyProcessed(
            _(
                "This request was changed by someone else in the meantime (it is now “%(status)s”)."
                " Look at it again before you continue."
            )
            % {"status": km.get_status_display()},
            code="already_processed",
        )
    return km


#: The back office's actions and the status each leads to; "herstel" corrects an error set by
#: mistake: back to the status the request had before it (``status_before_error``).
BACKOFFICE_ACTIONS: dict[str, str | None] = {
    "ontvangen": Status.ONTVANGEN,
    "incompleet": Status.INCOMPLEET,
    "fout": Status.FOUT,
    "goedkeuren": Status.ACTIEF,
    "herstel": None,
}
BACKOFFICE_ACTION_LABELS = {
    "ontvangen": gettext_lazy("Mark as received"),
    "incompleet": gettext_lazy("Mark as incomplete"),
    "fout": gettext_lazy("Mark as error"),
    "goedkeuren": gettext_lazy("Approve: make active"),
    "herstel": gettext_lazy("Correct the error"),
}


def status_before_error(km: Ketenmachtiging) -> str:
    """The status a Fout request had before it was marked Fout (where a correction goes)."""
    change = km.statuswijzigingen.filter(naar=Status.FOUT).order_by("-timestamp", "-pk").first()
    if change is not None and change.van in (Status.VERSTUURD, Status.ONTVANGEN, Status.INCOMPLEET):
        return change.van
    return Status.ONTVANGEN if km.ontvangen_op else Status.VERSTUURD


def backoffice_actions(km: Ketenmachtiging, today: date | None = None) -> list[str]:
    """What the back office may do with ``km`` now: the steps ``ALLOWED_TRANSITIONS`` allows
    from its status; nothing once the invitation has lapsed (a form that arrives late cannot be
    processed); and on Fout only the correction, which a lapse does not stop when the form had
    been received in time."""
    if km.status == Status.FOUT:
        marked = km.statuswijzigingen.filter(naar=Status.FOUT).order_by("-timestamp", "-pk").first()
        if marked is not None and marked.actor_id is None:
            # The system made it Fout (the invitation could not be delivered): not the back
            # office's mistake to correct; the intermediair sends the invitation again.
            return []
        back = status_before_error(km)
        if back not in ALLOWED_TRANSITIONS[Status.FOUT]:
            return []
        if km.invitation_lapsed(today) and back != Status.ONTVANGEN:
            return []
        return ["herstel"]
    if km.invitation_lapsed(today):
        return []
    return [
        actie
        for actie, target in BACKOFFICE_ACTIONS.items()
        if target is not None and target in ALLOWED_TRANSITIONS[km.status]
    ]


def _check_action(km: Ketenmachtiging, actie: str) -> None:
    """Refuse what ``backoffice_actions`` does not offer, with a reason fit to show."""
    if actie in backoffice_actions(km):
        return
    _refuse_lapsed(km)
    raise KetenmachtigingError(
        _("“%(actie)s” is not possible for a request with the status “%(status)s”.")
        % {"actie": BACKOFFICE_ACTION_LABELS[actie], "status": km.get_status_display()},
        code="not_allowed",
    )


def _refuse_lapsed(km: Ketenmachtiging) -> None:
    if km.invitation_lapsed():
        raise InvitationLapsed(
            _(
                "The form arrived more than 3 months after the invitation (the deadline was "
                "%(datum)s). It cannot be processed; the intermediair must send a new request."
            )
            % {"datum": km.uitnodiging_geldig_tot.strftime("%d-%m-%Y")},
            code="lapsed",
        )


def backoffice_mark_received(
    *, actor: User, km: Ketenmachtiging, expected_status: str | None = None
) -> Ketenmachtiging:
    with transaction.atomic():
        km = _backoffice_lock(km, expected_status)
        _check_action(km, "ontvangen")
        km.transition_to(Status.ONTVANGEN, actor=actor)
    return km


def backoffice_mark_incomplete(
    *, actor: User, km: Ketenmachtiging, reden: str, expected_status: str | None = None
) -> Ketenmachtiging:
    """The form is incomplete: the relatie's contact gets the reason by e-mail."""
    reden = reden.strip()
    if not reden:
        raise KetenmachtigingError(_("Say what is missing."), code="reden")
    with transaction.atomic():
        km = _backoffice_lock(km, expected_status)
        _check_action(km, "incompleet")
        km.transition_to(Status.INCOMPLEET, actor=actor, reden=reden)
    return km


def backoffice_mark_error(
    *, actor: User, km: Ketenmachtiging, reden: str, expected_status: str | None = None
) -> Ketenmachtiging:
    reden = reden.strip()
    if not reden:
        raise KetenmachtigingError(_("Say what went wrong."), code="reden")
    with transaction.atomic():
        km = _backoffice_lock(km, expected_status)
        _check_action(km, "fout")
        km.transition_to(Status.FOUT, actor=actor, reden=reden)
    return km


def backoffice_correct(
    *, actor: User, km: Ketenmachtiging, reden: str, expected_status: str | None = None
) -> Ketenmachtiging:
    """Herstel: a request marked Fout by mistake goes back to the status it had, as it was (the
    invitation, its term and the received date stay; nothing is sent to the relatie). The
    intermediair is told it is being processed again (``Event.CORRECTIE``)."""
    reden = reden.strip()
    if not reden:
        raise KetenmachtigingError(_("Say why the error is corrected."), code="reden")
    with transaction.atomic():
        km = _backoffice_lock(km, expected_status)
        _check_action(km, "herstel")
        km.transition_to(status_before_error(km), actor=actor, reden=reden, correctie=True)
    return km


def backoffice_approve(
    *, actor: User, km: Ketenmachtiging, expected_status: str | None = None
) -> Ketenmachtiging:
    """The signed form is complete and in time: the ketenmachtiging becomes active."""
    with transaction.atomic():
        km = _backoffice_lock(km, expected_status)
        _check_action(km, "goedkeuren")
        km.leverancier = km.leverancier or EIGEN_LEVERANCIER
        km.save(update_fields=["leverancier"])
        km.transition_to(Status.ACTIEF, actor=actor)
    return km


# --- The relatie's answer (issue 15: online, or its beheerder on this platform) ----------------


def ketenmachtiging_decline(
    *, actor: User | None, km: Ketenmachtiging, reden: str, kanaal: str
) -> Ketenmachtiging:
    """The relatie declines the request (its contact through the personal link, ``actor``
    None, or a beheerder of the relatie on this platform): final status Afgewezen, with the
    reason as given; the intermediair is told (notification map, ``Event.AFGEWEZEN``)."""
    reden = reden.strip()[:1000]
    with transaction.atomic():
        km = _lock(km)
        if km.effective_status() not in (Status.VERSTUURD, Status.ONTVANGEN, Status.INCOMPLEET):
            raise KetenmachtigingError(
                _("This request is no longer waiting for an answer."), code="not_pending"
            )
        km.kanaal = kanaal
        km.save(update_fields=["kanaal"])
        old = km.status
        km.transition_to(
            Status.AFGEWEZEN,
            actor=actor,
            reden=reden,
            audit_organisatie=km.relatie_organisatie if actor is not None else None,
        )
        if actor is not None and km.relatie_organisatie_id and km.intermediair_id:
            _audit_other_side(km, actor, old, reden)
    return km


def _audit_other_side(
    km: Ketenmachtiging,
    actor: User,
    old: str,
    reden: str = "",
    *,
    organisatie: Organisatie | None = None,
    message: str = "answered by the relatie",
) -> None:
    """A change by one side of a ketenmachtiging between two organisations on the platform
    (a relatie's beheerder answered or ended, the intermediair ended): the other side's audit
    log has the change too. ``organisatie`` is that other side; the intermediair by default."""
    audit_log(
        actor=actor,
        organisatie=organisatie or km.intermediair,
        action=AuditAction.TRANSITION,
        kind=AuditKind.KETENMACHTIGING,
        obj=km,
        changes={
            "status": {"old": old, "new": km.status},
            **({"reden": {"old": None, "new": reden}} if reden else {}),
        },
        message=message,
    )


def ketenmachtiging_approve_by_relatie(*, actor: User, km: Ketenmachtiging) -> Ketenmachtiging:
    """A beheerder with EH3 of the relatie, on this platform, approves the request: it is
    active at once (the relatie's own EH3 beheerder is the digital form of the signature).
    The caller has checked that ``actor`` is such a beheerder of ``km.relatie_organisatie``."""
    with transaction.atomic():
        km = _lock(km)
        if km.effective_status() not in (Status.VERSTUURD, Status.INCOMPLEET):
            raise KetenmachtigingError(
                _("This request is no longer waiting for an answer."), code="not_pending"
            )
        km.kanaal = Kanaal.PLATFORM
        km.leverancier = km.leverancier or EIGEN_LEVERANCIER
        km.save(update_fields=["kanaal", "leverancier"])
        old = km.status
        km.transition_to(Status.ACTIEF, actor=actor, audit_organisatie=km.relatie_organisatie)
        _audit_other_side(km, actor, old)
    return km


# --- Granting (afgegeven) ---------------------------------------------------------------------


def check_grant_to(*, relatie_organisatie: Organisatie, intermediair: Relatie) -> None:
    """An organisation cannot grant a ketenmachtiging to itself (said at step 1 already)."""
    own = {relatie_organisatie.kvk_nummer, relatie_organisatie.fiscaal_nummer} - {""}
    if {intermediair.kvk_nummer, intermediair.rsin} & own:
        raise KetenmachtigingError(
            _("An organisation cannot grant a ketenmachtiging to itself."), code="self"
        )


def ketenmachtiging_grant(
    *,
    actor: User,
    relatie_organisatie: Organisatie,
    intermediair: Relatie,
    scope: Scope,
    looptijd_jaren: int,
    akkoord_kosten: bool,
) -> Ketenmachtiging:
    """A company's beheerder registers a ketenmachtiging for an intermediair (We-ID manual).

    When the intermediair is an organisation on this platform, it appears at once as active in
    its "van relaties" list and its beheerders get a message in the berichtenbox.
    """
    _check_scope(scope)
    _check_looptijd(looptijd_jaren)
    if not akkoord_kosten:
        raise KetenmachtigingError(
            _("Agree to the costs of registering this ketenmachtiging to continue."),
            code="akkoord",
        )
    check_grant_to(relatie_organisatie=relatie_organisatie, intermediair=intermediair)
    on_platform = (
        Organisatie.objects.filter(kvk_nummer=intermediair.kvk_nummer).first()
        if intermediair.kvk_nummer
        else None
    )
    today = timezone.localdate()
    with transaction.atomic():
        Organisatie.objects.select_for_update().get(pk=relatie_organisatie.pk)
        _check_not_granted(relatie_organisatie, intermediair, scope)
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    km = Ketenmachtiging.objects.create(
                        intermediair=on_platform,
                        intermediair_naam=on_platform.naam if on_platform else intermediair.naam,
                        intermediair_kvk_nummer=intermediair.kvk_nummer,
                        relatie_organisatie=relatie_organisatie,
                        relatie_naam=relatie_organisatie.naam,
                        relatie_kvk_nummer=relatie_organisatie.kvk_nummer,
                        relatie_rsin=relatie_organisatie.fiscaal_nummer,
                        relatie_adres=relatie_organisatie.adres,
                        relatie_postcode_plaats=relatie_organisatie.postcode_plaats,
                        looptijd_jaren=looptijd_jaren,
                        bron=Bron.AFGEGEVEN,
                        status=Status.ACTIEF,
                        leverancier=EIGEN_LEVERANCIER,
                        startdatum=today,
                        einddatum=_end_date(today, looptijd_jaren),
                        geactiveerd_op=timezone.now(),
                        akkoord_kosten_op=timezone.now(),
                        tarief=settings.KETENMACHTIGING_TARIEF,
                        algemene_bevoegdheid=scope.algemeen,
                        created_by=actor,
                    )
                StatusWijziging.objects.create(
                    ketenmachtiging=km, van="", naar=Status.ACTIEF, actor=actor
                )
                send_status([{**row_of(km), "van": "", "naar": Status.ACTIEF}])
                break
            except IntegrityError:
                if _attempt == 4:
                    raise
        scope_save(km, scope)
        audit_log(
            actor=actor,
            organisatie=relatie_organisatie,
            action=AuditAction.CREATE,
            kind=AuditKind.KETENMACHTIGING,
            obj=km,
            changes={
                "intermediair": {
                    "old": None,
                    "new": f"{km.intermediair_naam} ({km.intermediair_kvk_nummer})",
                },
                "diensten": {"old": None, "new": scope_text(scope)},
                "looptijd_jaren": {"old": None, "new": looptijd_jaren},
            },
            message="granted",
        )
        if on_platform is not None:
            # The intermediair's log has the grant too: it may act for the company from now on.
            audit_log(
                actor=actor,
                organisatie=on_platform,
                action=AuditAction.CREATE,
                kind=AuditKind.KETENMACHTIGING,
                obj=km,
                changes={
                    "relatie": {
                        "old": None,
                        "new": f"{km.relatie_naam} ({km.relatie_kvk_nummer})",
                    },
                    "diensten": {"old": None, "new": scope_text(scope)},
                    "looptijd_jaren": {"old": None, "new": looptijd_jaren},
                },
                message="granted to us",
            )
        if on_platform is not None:
            notify(Event.AFGEGEVEN, km, key="0", scope=scope_text(scope))
    return km


def _check_not_granted(relatie_organisatie: Organisatie, intermediair: Relatie, scope: Scope):
    """No second active grant of the same services to the same intermediair (call it with the
    granting organisation locked). Other services are a grant of their own."""
    from diensten.scope import scope_of

    from ..selectors import active_grants_to

    wanted = scope.normalised()
    for km in active_grants_to(organisatie=relatie_organisatie, kvk_nummer=intermediair.kvk_nummer):
        if scope_of(km).normalised() == wanted:
            raise DuplicateKetenmachtiging(
                _(
                    "You already gave %(naam)s an active ketenmachtiging for the same services "
                    "(reference %(kenmerk)s, until %(einddatum)s). A second one is not needed."
                )
                % {
                    "naam": km.intermediair_naam,
                    "kenmerk": km.kenmerk,
                    "einddatum": km.einddatum.strftime("%d-%m-%Y"),
                },
                bestaande=km,
            )


def ketenmachtiging_end_granted(*, actor: User, km: Ketenmachtiging) -> Ketenmachtiging:
    """The granting company ends what it granted, at once."""
    with transaction.atomic():
        km = _lock(km)
        if km.effective_status() != Status.ACTIEF:
            raise KetenmachtigingError(
                _("Only an active ketenmachtiging can be ended."), code="not_active"
            )
        old = km.status
        km.transition_to(
            Status.BEEINDIGD,
            actor=actor,
            reden=_("Ended by the relation"),
            audit_organisatie=km.relatie_organisatie,
            event=Event.BEEINDIGD_DOOR_RELATIE,
        )
        if km.intermediair_id:
            _audit_other_side(
                km, actor, old, _("Ended by the relatie"), message="ended by the relatie"
            )
    return km


def ketenmachtiging_mail_feiten(
    *, actor: User, organisatie: Organisatie, km: Ketenmachtiging, email: str, feiten: dict
) -> None:
    """E-mail the four facts of a granted ketenmachtiging to the intermediair (the We-ID
    manual's "pass these on"), through the outbox; limited per person, address and
    organisation. Audited, and listed with the ketenmachtiging's e-mails."""
    from outbox.services import Envelope, mail_queue

    from ..emails import FEITEN

    email = email.strip()
    mail_throttle(user_id=actor.pk, organisatie_id=organisatie.pk, ontvanger=email)
    with transaction.atomic():
        mail_queue(
            Envelope(
                soort=FEITEN,
                ontvanger=email,
                taal=actor.taal,
                params={
                    "km": km.pk,
                    "organisatie": organisatie.pk,
                    "feiten": feiten,
                    "afzender": actor.get_full_name() or actor.username,
                },
                betreft=km,
            )
        )
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.UPDATE,
            kind=AuditKind.KETENMACHTIGING,
            obj=km,
            changes={"feiten_gemaild_aan": {"old": None, "new": email}},
            message="details e-mailed",
        )


def ketenmachtiging_mail_again(*, actor: User, km: Ketenmachtiging, mail_id: int) -> None:
    """Send an e-mail about ``km`` that could not be delivered once more, to the same address
    (a new outbox row; the failed one stays in the history). Only the intermediair's own
    e-mails about its ketenmachtiging, only undelivered ones, limited like every e-mail sent by
    hand. The invitation itself is sent again with ``ketenmachtiging_resend`` (a new term)."""
    from outbox.constants import UNDELIVERED
    from outbox.selectors import mails_about
    from outbox.services import mail_again

    from ..emails import FEITEN, UITNODIGING

    mail = (
        mails_about(km)
        .filter(pk=mail_id, status__in=UNDELIVERED)
        .exclude(soort__in=[UITNODIGING, FEITEN])
        .first()
    )
    if mail is None:
        raise KetenmachtigingError(
            _("This e-mail cannot be sent again here."), code="mail_not_found"
        )
    mail_throttle(user_id=actor.pk, organisatie_id=km.intermediair_id, ontvanger=mail.ontvanger)
    with transaction.atomic():
        mail_again(mail=mail)
        audit_log(
            actor=actor,
            organisatie=km.intermediair,
            action=AuditAction.UPDATE,
            kind=AuditKind.KETENMACHTIGING,
            obj=km,
            changes={"email_opnieuw": {"old": None, "new": mail.ontvanger}},
            message="e-mail sent again",
        )


# --- Afzenderinstellingen ---------------------------------------------------------------------

AFZENDER_FIELDS = (
    "voorletters",
    "tussenvoegsel",
    "achternaam",
    "email",
    "telefoon",
    "herinneringen",
    "herinnering_1_dagen",
    "herinnering_2_dagen",
)


def afzender_update(
    *, actor: User, organisatie: Organisatie, **values: str
) -> Afzenderinstellingen:
    unknown = set(values) - set(AFZENDER_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here."), code="readonly")
    with transaction.atomic():
        instellingen, created = Afzenderinstellingen.objects.select_for_update().get_or_create(
            organisatie=organisatie
        )
        before = {} if created else snapshot(instellingen, AFZENDER_FIELDS)
        for field, value in values.items():
            setattr(instellingen, field, value.strip() if isinstance(value, str) else value)
        changes = diff(before, snapshot(instellingen, AFZENDER_FIELDS))
        if not changes:
            return instellingen
        instellingen.updated_at = timezone.now()
        instellingen.save()
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            kind=AuditKind.INSTELLING,
            obj=instellingen,
            changes=changes,
        )
    return instellingen
