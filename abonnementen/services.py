"""Writes of subscriptions. Each one locks the row, checks the lifecycle (``ALLOWED``) and the
status the actor saw, writes one audit row and tells the organisation (``notifications``), all
in one transaction."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log, diff, snapshot
from accounts.constants import AuditAction, AuditKind
from accounts.models import Organisatie, User
from ketenportal.exceptions import DomainError

from .constants import ALLOWED, MAY_REQUEST, AbonnementStatus, Module
from .models import Abonnement
from .notifications import Event, notify

S = AbonnementStatus
FIELDS = (
    "status",
    "toegang_aangevraagd_op",
    "toegang_aangevraagd_door",
    "offerte_verstuurd_op",
    "offerte_ontvangen_op",
    "actief_van",
    "actief_tot",
    "beeindigd_op",
)


def _audit(*, actor, abonnement: Abonnement, action: str, old: dict, message: str = "") -> None:
    audit_log(
        actor=actor,
        organisatie=abonnement.organisatie,
        action=action,
        kind=AuditKind.ORGANISATIE,
        obj=abonnement,
        changes=diff(old, snapshot(abonnement, FIELDS)),
        message=message,
    )


def abonnement_create(
    *, actor: User, organisatie: Organisatie, module: str = Module.KETENMACHTIGINGEN
) -> Abonnement:
    """The back office starts a subscription for an organisation (status New); one per module."""
    with transaction.atomic():
        if Abonnement.objects.filter(organisatie=organisatie, module=module).exists():
            raise DomainError(
                _("This organisation has a subscription for this module already: open it."),
                code="duplicate",
            )
        try:
            with transaction.atomic():
                abonnement = Abonnement.objects.create(organisatie=organisatie, module=module)
        except IntegrityError as exc:
            raise DomainError(
                _("This organisation has a subscription for this module already: open it."),
                code="duplicate",
            ) from exc
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.CREATE,
            kind=AuditKind.ORGANISATIE,
            obj=abonnement,
            changes=diff({}, snapshot(abonnement, ("module", "status"))),
        )
    return abonnement


def toegang_aanvragen(
    *, actor: User, organisatie: Organisatie, module: str = Module.KETENMACHTIGINGEN
) -> tuple[Abonnement, bool]:
    """ "Vraag toegang aan": the organisation asks for the module. Returns the subscription and
    whether a new request was made; a request already running (or an active subscription) is
    not made twice, and the back office is told only once."""
    now = timezone.now()
    with transaction.atomic():
        abonnement, created = Abonnement.objects.select_for_update().get_or_create(
            organisatie=organisatie, module=module, defaults={"status": S.NIEUW}
        )
        if abonnement.effectieve_status() not in MAY_REQUEST:
            return abonnement, False
        old = {} if created else snapshot(abonnement, FIELDS)
        abonnement.status = S.AANGEVRAAGD
        abonnement.toegang_aangevraagd_op = now
        abonnement.toegang_aangevraagd_door = actor
        abonnement.updated_at = now
        abonnement.save()
        _audit(
            actor=actor,
            abonnement=abonnement,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            old=old,
        )
        notify(Event.TOEGANG_AANGEVRAAGD, abonnement)
    return abonnement, True


def _change(
    *,
    actor: User,
    abonnement: Abonnement,
    naar: str,
    expected_status: str,
    event: Event,
    **fields,
) -> Abonnement:
    with transaction.atomic():
        locked = (
            Abonnement.objects.select_for_update()
            .select_related("organisatie")
            .get(pk=abonnement.pk)
        )
        if expected_status and locked.status != expected_status:
            raise DomainError(
                _("Someone changed this subscription meanwhile. Look at it again."),
                code="already_processed",
            )
        if locked.effectieve_status() not in ALLOWED[naar]:
            raise DomainError(
                _("This step is not possible for a subscription with status “%(status)s”.")
                % {"status": locked.effectieve_status_label()},
                code="invalid_transition",
            )
        old = snapshot(locked, FIELDS)
        locked.status = naar
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.updated_at = timezone.now()
        locked.save()
        _audit(actor=actor, abonnement=locked, action=AuditAction.UPDATE, old=old)
        notify(event, locked)
    abonnement.refresh_from_db()
    return locked


def _not_in_future(datum: date) -> None:
    if datum > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), code="invalid")


def offerte_verstuurd(
    *, actor: User, abonnement: Abonnement, datum: date, expected_status: str = ""
) -> Abonnement:
    _not_in_future(datum)
    return _change(
        actor=actor,
        abonnement=abonnement,
        naar=S.OFFERTE_VERSTUURD,
        expected_status=expected_status,
        event=Event.OFFERTE_VERSTUURD,
        offerte_verstuurd_op=datum,
        offerte_ontvangen_op=None,
    )


def offerte_ontvangen(
    *, actor: User, abonnement: Abonnement, datum: date, expected_status: str = ""
) -> Abonnement:
    _not_in_future(datum)
    if abonnement.offerte_verstuurd_op and datum < abonnement.offerte_verstuurd_op:
        raise DomainError(
            _("The signed quote cannot have arrived before the quote was sent."), code="invalid"
        )
    return _change(
        actor=actor,
        abonnement=abonnement,
        naar=S.OFFERTE_ONTVANGEN,
        expected_status=expected_status,
        event=Event.OFFERTE_ONTVANGEN,
        offerte_ontvangen_op=datum,
    )


def activeren(
    *,
    actor: User,
    abonnement: Abonnement,
    van: date,
    tot: date | None = None,
    expected_status: str = "",
) -> Abonnement:
    """Switch the module on from ``van`` (until ``tot``, inclusive; open-ended without)."""
    if tot is not None and tot < van:
        raise DomainError(_("The end date must be on or after the start date."), code="invalid")
    if tot is not None and tot < timezone.localdate():
        raise DomainError(_("The end date cannot be in the past."), code="invalid")
    return _change(
        actor=actor,
        abonnement=abonnement,
        naar=S.ACTIEF,
        expected_status=expected_status,
        event=Event.GEACTIVEERD,
        actief_van=van,
        actief_tot=tot,
        beeindigd_op=None,
        eerst_actief_van=min(d for d in (abonnement.eerst_actief_van, van) if d),
    )


def beeindigen(
    *, actor: User, abonnement: Abonnement, datum: date, expected_status: str = ""
) -> Abonnement:
    """End the subscription as of ``datum`` (today or earlier). Nothing of the organisation is
    deleted: its ketenmachtigingen stay readable, changes are refused."""
    _not_in_future(datum)
    return _change(
        actor=actor,
        abonnement=abonnement,
        naar=S.BEEINDIGD,
        expected_status=expected_status,
        event=Event.BEEINDIGD,
        beeindigd_op=datum,
    )
