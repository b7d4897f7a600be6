"""Deactivating a colleague: what they lose, and doing it.

A beheerder switches a colleague off when they leave. The colleague is removed from every
ketenmachtiging and group of the organisation (each removal audited as the single removals
are), their EH-middelen of the organisation are revoked, and their account is switched off, which
ends all their sessions at once (``User.sessie_generatie``). One audit row on the person sums it
up. The page first shows what the colleague loses (``deactivation_preview``).

Someone who also belongs to another organisation cannot be switched off by one of them: the
beheerder removes them from the organisation instead (Gebruikers > Remove).
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind, MiddelStatus, Rol
from accounts.ehmiddelen.services import ehmiddelen_revoke
from accounts.models import EHMiddel, Lidmaatschap, Organisatie, User
from groepen.models import Groep
from groepen.services import groep_lid_remove
from ketenportal.exceptions import DomainError

from ..models import Ketenmachtiging
from .core import ketenmachtiging_unlink_gebruiker


@dataclass(frozen=True)
class Preview:
    ketenmachtigingen: list[Ketenmachtiging]
    groepen: list[Groep]
    middelen: list[EHMiddel]
    problem: str  # why it cannot be done, or ""


def _problem(*, actor: User, lidmaatschap: Lidmaatschap) -> str:
    user = lidmaatschap.user
    if user.pk == actor.pk:
        return _("You cannot deactivate yourself.")
    if not user.is_active:
        return _("%(name)s has been deactivated already.") % {"name": user}
    if Lidmaatschap.objects.filter(user=user).exclude(pk=lidmaatschap.pk).exists():
        return _(
            "%(name)s also belongs to another organisation, so you cannot switch the account "
            "off. Remove %(name)s from your organisation instead."
        ) % {"name": user}
    if lidmaatschap.rol == Rol.BEHEERDER:
        others = (
            Lidmaatschap.objects.beheerders()
            .filter(organisatie_id=lidmaatschap.organisatie_id, user__is_active=True)
            .exclude(pk=lidmaatschap.pk)
        )
        if not others.exists():
            return _(
                "%(name)s is the only beheerder of %(organisatie)s. Make someone else "
                "beheerder first."
            ) % {"name": user, "organisatie": lidmaatschap.organisatie}
    return ""


def deactivation_preview(*, actor: User, lidmaatschap: Lidmaatschap) -> Preview:
    organisatie = lidmaatschap.organisatie
    return Preview(
        ketenmachtigingen=list(
            Ketenmachtiging.objects.filter(intermediair=organisatie, gebruikers=lidmaatschap)
            .order_by("relatie_naam", "pk")
            .distinct()
        ),
        groepen=list(
            Groep.objects.filter(organisatie=organisatie, leden=lidmaatschap).order_by("naam")
        ),
        middelen=list(
            EHMiddel.objects.filter(
                organisatie=organisatie, houder=lidmaatschap.user, status=MiddelStatus.ACTIEF
            )
        ),
        problem=_problem(actor=actor, lidmaatschap=lidmaatschap),
    )


def gebruiker_deactivate(*, actor: User, lidmaatschap: Lidmaatschap) -> Preview:
    """Switch a colleague off (see the module). Returns what they lost."""
    with transaction.atomic():
        Organisatie.objects.select_for_update().get(pk=lidmaatschap.organisatie_id)
        lidmaatschap = Lidmaatschap.objects.select_related("user", "organisatie").get(
            pk=lidmaatschap.pk
        )
        user = User.objects.select_for_update().get(pk=lidmaatschap.user_id)
        lidmaatschap.user = user
        preview = deactivation_preview(actor=actor, lidmaatschap=lidmaatschap)
        if preview.problem:
            raise DomainError(preview.problem, code="cannot_deactivate")
        for km in preview.ketenmachtigingen:
            ketenmachtiging_unlink_gebruiker(actor=actor, km=km, lidmaatschap=lidmaatschap)
        for groep in preview.groepen:
            groep_lid_remove(actor=actor, groep=groep, lidmaatschap=lidmaatschap)
        ehmiddelen_revoke(actor=actor, organisatie=lidmaatschap.organisatie, houder=user)
        user.is_active = False
        user.save(update_fields=["is_active"])  # raises sessie_generatie: sessions end
        audit_log(
            actor=actor,
            organisatie=lidmaatschap.organisatie,
            action=AuditAction.UPDATE,
            kind=AuditKind.GEBRUIKER,
            obj=user,
            changes={
                "is_active": {"old": True, "new": False},
                "ketenmachtigingen": {
                    "old": [km.relatie_naam for km in preview.ketenmachtigingen],
                    "new": [],
                },
                "groepen": {"old": [g.naam for g in preview.groepen], "new": []},
                "eh_middelen": {"old": len(preview.middelen), "new": 0},
            },
            message="deactivated",
        )
    return preview
