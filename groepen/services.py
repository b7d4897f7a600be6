"""Writes of the groepen app: create, rename, delete, members and allowed services."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind
from accounts.models import Lidmaatschap, Organisatie, User
from diensten.scope import Scope, scope_of, scope_save, scope_text
from ketenportal.exceptions import DomainError

from .models import Groep


class DuplicateGroepNaam(DomainError):
    pass


def _clean_naam(naam: str) -> str:
    naam = " ".join((naam or "").split())
    if not naam:
        raise DomainError(_("Enter a name for the group."), code="required")
    if len(naam) > 100:
        raise DomainError(_("A group name has at most 100 characters."), code="max_length")
    return naam


def _ensure_unique(organisatie: Organisatie, naam: str, *, exclude: int | None = None) -> None:
    clash = Groep.objects.filter(organisatie=organisatie, naam__iexact=naam)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise DuplicateGroepNaam(
            _("There is already a group called “%(naam)s”. Every group needs a unique name.")
            % {"naam": naam},
            code="duplicate",
        )


def groep_create(*, actor: User, organisatie: Organisatie, naam: str) -> Groep:
    naam = _clean_naam(naam)
    try:
        with transaction.atomic():
            _ensure_unique(organisatie, naam)
            groep = Groep.objects.create(
                organisatie=organisatie, naam=naam, algemene_bevoegdheid=True
            )
            audit_log(
                actor=actor,
                organisatie=organisatie,
                action=AuditAction.CREATE,
                kind=AuditKind.GROEP,
                obj=groep,
                changes={
                    "naam": {"old": None, "new": naam},
                    "diensten": {"old": None, "new": scope_text(Scope.algemene_bevoegdheid())},
                },
            )
    except IntegrityError as exc:  # two people creating the same name at once
        raise DuplicateGroepNaam(
            _("There is already a group called “%(naam)s”. Every group needs a unique name.")
            % {"naam": naam},
            code="duplicate",
        ) from exc
    return groep


def _lock(groep: Groep) -> Groep:
    return Groep.objects.select_for_update().get(pk=groep.pk)


def groep_rename(*, actor: User, groep: Groep, naam: str) -> Groep:
    naam = _clean_naam(naam)
    try:
        with transaction.atomic():
            groep = _lock(groep)
            if groep.naam == naam:
                return groep
            _ensure_unique(groep.organisatie, naam, exclude=groep.pk)
            old = groep.naam
            groep.naam = naam
            groep.updated_at = timezone.now()
            groep.save(update_fields=["naam", "updated_at"])
            audit_log(
                actor=actor,
                organisatie=groep.organisatie,
                action=AuditAction.UPDATE,
                kind=AuditKind.GROEP,
                obj=groep,
                changes={"naam": {"old": old, "new": naam}},
            )
    except IntegrityError as exc:
        raise DuplicateGroepNaam(
            _("There is already a group called “%(naam)s”. Every group needs a unique name.")
            % {"naam": naam},
            code="duplicate",
        ) from exc
    return groep


def groep_delete(*, actor: User, groep: Groep) -> None:
    """Delete a group; the ketenmachtigingen it was linked to lose the link, nothing else."""
    with transaction.atomic():
        groep = _lock(groep)
        leden = sorted(str(m.user) for m in groep.leden.select_related("user"))
        audit_log(
            actor=actor,
            organisatie=groep.organisatie,
            action=AuditAction.DELETE,
            kind=AuditKind.GROEP,
            obj=groep,
            changes={
                "naam": {"old": groep.naam, "new": None},
                "leden": {"old": leden, "new": None},
            },
        )
        groep.delete()


def groep_leden_add(
    *, actor: User, groep: Groep, lidmaatschappen: Iterable[Lidmaatschap]
) -> list[Lidmaatschap]:
    """Add members of the group's own organisation; anyone else is refused."""
    lidmaatschappen = list(lidmaatschappen)
    with transaction.atomic():
        groep = _lock(groep)
        foreign = [m for m in lidmaatschappen if m.organisatie_id != groep.organisatie_id]
        if foreign:
            raise DomainError(
                _("Only users of %(organisatie)s can be added to this group.")
                % {"organisatie": groep.organisatie},
                code="foreign_member",
            )
        before = set(groep.leden.values_list("pk", flat=True))
        new = [m for m in lidmaatschappen if m.pk not in before]
        if not new:
            return []
        groep.leden.add(*new)
        audit_log(
            actor=actor,
            organisatie=groep.organisatie,
            action=AuditAction.UPDATE,
            kind=AuditKind.GROEP,
            obj=groep,
            changes={"leden": {"old": None, "new": sorted(str(m.user) for m in new)}},
            message="members added",
        )
    return new


def groep_lid_remove(*, actor: User, groep: Groep, lidmaatschap: Lidmaatschap) -> None:
    with transaction.atomic():
        groep = _lock(groep)
        if not groep.leden.filter(pk=lidmaatschap.pk).exists():
            raise DomainError(_("This user is not a member of the group."), code="not_member")
        groep.leden.remove(lidmaatschap)
        audit_log(
            actor=actor,
            organisatie=groep.organisatie,
            action=AuditAction.UPDATE,
            kind=AuditKind.GROEP,
            obj=groep,
            changes={"leden": {"old": str(lidmaatschap.user), "new": None}},
            message="member removed",
        )


def groep_set_scope(*, actor: User, groep: Groep, scope: Scope) -> Groep:
    """Set the group's allowed services: algemene bevoegdheid or a chosen set."""
    if scope.is_empty:
        raise DomainError(
            _("Choose general authority or at least one allowed service."), code="empty"
        )
    with transaction.atomic():
        groep = _lock(groep)
        old = scope_of(groep)
        if old == scope.normalised():
            return groep
        scope_save(groep, scope)
        groep.updated_at = timezone.now()
        groep.save(update_fields=["updated_at"])
        audit_log(
            actor=actor,
            organisatie=groep.organisatie,
            action=AuditAction.UPDATE,
            kind=AuditKind.GROEP,
            obj=groep,
            changes={"diensten": {"old": scope_text(old), "new": scope_text(scope.normalised())}},
        )
    return groep
