"""Writes of EH-middelen: request a means, issue or refuse it (back office), revoke it.

Each function takes the acting user as ``actor``, runs in one transaction, locks what it changes,
writes the audit row in that transaction and queues e-mails (delivered after commit).
"""

import re
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ketenportal.exceptions import DomainError
from outbox.services import Envelope, mail_queue

from ..audit import audit_log, diff, snapshot
from ..constants import (
    MIDDEL_GELDIGHEID_JAREN,
    MIDDEL_NIVEAUS,
    AuditAction,
    AuditKind,
    MiddelAanvraagStatus,
    MiddelSoort,
    MiddelStatus,
    Rol,
    TweedeFactor,
)
from ..models import EHMiddel, EHMiddelAanvraag, Organisatie, User
from ..services import lidmaatschap_create
from .emails import WELKOM

AANVRAAG_FIELDS = ("voornaam", "achternaam", "email", "telefoonnummer", "niveau", "soort")
MIDDEL_FIELDS = (
    "houder",
    "niveau",
    "soort",
    "alleen_belastingdienst",
    "uitgegeven_op",
    "geldig_tot",
    "status",
)
# What a person may request: a certificate (EH4 on a card) is issued by other channels.
AANVRAAGBARE_SOORTEN = (MiddelSoort.SMS, MiddelSoort.APP)


def ehmiddel_aanvraag_create(
    *,
    actor: User,
    organisatie: Organisatie,
    voornaam: str,
    achternaam: str,
    email: str,
    telefoonnummer: str,
    niveau: str,
    soort: str,
) -> EHMiddelAanvraag:
    """A beheerder asks the back office for a new means for a colleague."""
    if niveau not in MIDDEL_NIVEAUS:
        raise DomainError(_("Choose a valid level."), code="invalid_niveau")
    if soort not in AANVRAAGBARE_SOORTEN:
        raise DomainError(_("Choose a valid second factor."), code="invalid_soort")
    with transaction.atomic():
        aanvraag = EHMiddelAanvraag(
            organisatie=organisatie,
            aangevraagd_door=actor,
            voornaam=voornaam.strip(),
            achternaam=achternaam.strip(),
            email=email.strip(),
            telefoonnummer=telefoonnummer,
            niveau=niveau,
            soort=soort,
        )
        aanvraag.full_clean()
        aanvraag.save()
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.CREATE,
            kind=AuditKind.GEBRUIKER,
            obj=aanvraag,
            changes=diff({}, snapshot(aanvraag, AANVRAAG_FIELDS)),
            message="EH means requested",
        )
    return aanvraag


def _lock_open(aanvraag: EHMiddelAanvraag) -> EHMiddelAanvraag:
    aanvraag = (
        EHMiddelAanvraag.objects.select_for_update()
        .select_related("organisatie")
        .get(pk=aanvraag.pk)
    )
    if aanvraag.status != MiddelAanvraagStatus.INGEDIEND:
        raise DomainError(_("This request has been handled already."), code="handled")
    return aanvraag


def _new_username(email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]+", "", email.split("@")[0].lower())[:140] or "gebruiker"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def ehmiddel_aanvraag_issue(
    *, actor: User, aanvraag: EHMiddelAanvraag, today: date | None = None
) -> EHMiddel:
    """The back office checked the person's identity: create their account (no password yet),
    make them Gebruiker of the organisation, issue the means, and e-mail them a link to set a
    password. They enrol their second factor at their first login."""
    today = today or timezone.localdate()
    with transaction.atomic():
        aanvraag = _lock_open(aanvraag)
        user = User(
            username=_new_username(aanvraag.email),
            first_name=aanvraag.voornaam,
            last_name=aanvraag.achternaam,
            email=aanvraag.email,
            telefoonnummer=aanvraag.telefoonnummer,
            eh_niveau=aanvraag.niveau,
            tweede_factor=TweedeFactor.SMS
            if aanvraag.soort == MiddelSoort.SMS
            else TweedeFactor.OTP,
        )
        user.set_unusable_password()
        user.save()
        audit_log(
            actor=actor,
            organisatie=aanvraag.organisatie,
            action=AuditAction.CREATE,
            kind=AuditKind.GEBRUIKER,
            obj=user,
            changes=diff({}, snapshot(user, ("username", "email", "eh_niveau"))),
            message="account created for an EH means",
        )
        lidmaatschap_create(
            actor=actor, user=user, organisatie=aanvraag.organisatie, rol=Rol.GEBRUIKER
        )
        middel = EHMiddel.objects.create(
            organisatie=aanvraag.organisatie,
            houder=user,
            niveau=aanvraag.niveau,
            soort=aanvraag.soort,
            uitgegeven_op=today,
            geldig_tot=today + relativedelta(years=MIDDEL_GELDIGHEID_JAREN),
        )
        audit_log(
            actor=actor,
            organisatie=aanvraag.organisatie,
            action=AuditAction.CREATE,
            kind=AuditKind.GEBRUIKER,
            obj=middel,
            changes=diff({}, snapshot(middel, MIDDEL_FIELDS)),
            message="EH means issued",
        )
        old = aanvraag.status
        aanvraag.status = MiddelAanvraagStatus.UITGEGEVEN
        aanvraag.behandeld_door = actor
        aanvraag.behandeld_op = timezone.now()
        aanvraag.middel = middel
        aanvraag.save(update_fields=["status", "behandeld_door", "behandeld_op", "middel"])
        audit_log(
            actor=actor,
            organisatie=aanvraag.organisatie,
            action=AuditAction.TRANSITION,
            kind=AuditKind.GEBRUIKER,
            obj=aanvraag,
            changes={"status": {"old": old, "new": aanvraag.status}},
        )
        mail_queue(
            Envelope(
                soort=WELKOM,
                ontvanger=user.email,
                taal=user.taal,
                params={"user": user.pk, "organisatie": aanvraag.organisatie_id},
                betreft=user,
                sleutel=f"{WELKOM}:{aanvraag.pk}",
            )
        )
    return middel


def ehmiddel_aanvraag_refuse(*, actor: User, aanvraag: EHMiddelAanvraag, reden: str) -> None:
    """The back office could not establish the person's identity (or the request is wrong)."""
    reden = reden.strip()
    if not reden:
        raise DomainError(_("Give the reason for refusing."), code="reden")
    with transaction.atomic():
        aanvraag = _lock_open(aanvraag)
        old = aanvraag.status
        aanvraag.status = MiddelAanvraagStatus.GEWEIGERD
        aanvraag.behandeld_door = actor
        aanvraag.behandeld_op = timezone.now()
        aanvraag.reden = reden[:500]
        aanvraag.save(update_fields=["status", "behandeld_door", "behandeld_op", "reden"])
        audit_log(
            actor=actor,
            organisatie=aanvraag.organisatie,
            action=AuditAction.TRANSITION,
            kind=AuditKind.GEBRUIKER,
            obj=aanvraag,
            changes={
                "status": {"old": old, "new": aanvraag.status},
                "reden": {"old": None, "new": aanvraag.reden},
            },
        )


def ehmiddelen_revoke(*, actor: User, organisatie: Organisatie, houder: User) -> list[EHMiddel]:
    """Revoke every active means ``houder`` holds on behalf of ``organisatie`` (one audit row
    each). Call inside the caller's transaction."""
    now = timezone.now()
    middelen = list(
        EHMiddel.objects.select_for_update().filter(
            organisatie=organisatie, houder=houder, status=MiddelStatus.ACTIEF
        )
    )
    for middel in middelen:
        middel.status = MiddelStatus.INGETROKKEN
        middel.ingetrokken_op = now
        middel.save(update_fields=["status", "ingetrokken_op"])
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.TRANSITION,
            kind=AuditKind.GEBRUIKER,
            obj=middel,
            changes={"status": {"old": MiddelStatus.ACTIEF, "new": MiddelStatus.INGETROKKEN}},
        )
    return middelen
