"""Writes of the diensten app: importing the service catalogue."""

from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind
from accounts.models import User

from .catalogue import ParsedDienstverlener, parse_catalogue
from .models import Dienst, Dienstverlener

DIENSTVERLENER_FIELDS = ("naam_nl", "naam_en", "is_public")
DIENST_FIELDS = (
    "naam_nl",
    "naam_en",
    "omschrijving_nl",
    "omschrijving_en",
    "eh_niveau",
    "intermediation",
)


@dataclass
class CatalogueImportResult:
    new: int = 0
    changed: int = 0
    withdrawn: int = 0
    unchanged: int = 0
    dienstverleners_new: int = 0
    changes: list[str] = field(default_factory=list)

    @property
    def nothing_changed(self) -> bool:
        return not (self.new or self.changed or self.withdrawn or self.dienstverleners_new)


def catalogus_import(*, actor: User | None, source: BinaryIO) -> CatalogueImportResult:
    """Import a catalogue file: the whole file is checked before anything is written."""
    parsed = parse_catalogue(source)
    return catalogus_store(actor=actor, parsed=parsed)


def catalogus_store(
    *, actor: User | None, parsed: list[ParsedDienstverlener]
) -> CatalogueImportResult:
    """Create and update by OIN and ServiceUUID; mark what left the catalogue as withdrawn.

    Nothing is deleted, so ketenmachtigingen that name a withdrawn dienst keep their meaning.
    Running it twice with the same catalogue changes nothing the second time.
    """
    result = CatalogueImportResult()
    now = timezone.now()
    with transaction.atomic():
        providers = {d.oin: d for d in Dienstverlener.objects.select_for_update()}
        diensten = {d.uuid: d for d in Dienst.objects.select_for_update()}
        seen_providers: set[int] = set()
        seen_diensten: set[int] = set()
        to_create: list[Dienst] = []
        to_update: list[Dienst] = []

        for parsed_provider in parsed:
            provider = providers.get(parsed_provider.oin)
            if provider is None:
                provider = Dienstverlener.objects.create(
                    oin=parsed_provider.oin,
                    naam_nl=parsed_provider.naam_nl,
                    naam_en=parsed_provider.naam_en,
                    is_public=parsed_provider.is_public,
                    updated_at=now,
                )
                result.dienstverleners_new += 1
            else:
                dirty = [
                    f
                    for f in DIENSTVERLENER_FIELDS
                    if getattr(provider, f) != getattr(parsed_provider, f)
                ]
                if dirty or not provider.aangeboden:
                    for f in dirty:
                        setattr(provider, f, getattr(parsed_provider, f))
                    provider.aangeboden = True
                    provider.updated_at = now
                    provider.save()
            seen_providers.add(provider.pk)

            for parsed_dienst in parsed_provider.diensten:
                dienst = diensten.get(parsed_dienst.uuid)
                values = {f: getattr(parsed_dienst, f) for f in DIENST_FIELDS}
                if dienst is None:
                    to_create.append(
                        Dienst(
                            uuid=parsed_dienst.uuid,
                            dienstverlener=provider,
                            updated_at=now,
                            **values,
                        )
                    )
                    result.new += 1
                    continue
                seen_diensten.add(dienst.pk)
                dirty = [f for f, v in values.items() if getattr(dienst, f) != v]
                moved = dienst.dienstverlener_id != provider.pk
                if dirty or moved or not dienst.aangeboden:
                    for f in dirty:
                        setattr(dienst, f, values[f])
                    dienst.dienstverlener = provider
                    dienst.aangeboden = True
                    dienst.ingetrokken_op = None
                    dienst.updated_at = now
                    to_update.append(dienst)
                    result.changed += 1
                    result.changes.append(str(parsed_dienst.uuid))
                else:
                    result.unchanged += 1

        Dienst.objects.bulk_create(to_create, batch_size=500)
        if to_update:
            Dienst.objects.bulk_update(
                to_update,
                [*DIENST_FIELDS, "dienstverlener", "aangeboden", "ingetrokken_op", "updated_at"],
                batch_size=500,
            )
        result.withdrawn = (
            Dienst.objects.filter(aangeboden=True)
            .exclude(pk__in=seen_diensten)
            .exclude(uuid__in=[d.uuid for d in to_create])
            .update(aangeboden=False, ingetrokken_op=now, updated_at=now)
        )
        Dienstverlener.objects.filter(aangeboden=True).exclude(pk__in=seen_providers).update(
            aangeboden=False, updated_at=now
        )
        if not result.nothing_changed:
            anchor = Dienstverlener.objects.order_by("pk").first()
            audit_log(
                actor=actor,
                organisatie=None,
                action=AuditAction.UPDATE,
                kind=AuditKind.CATALOGUS,
                obj=anchor,
                object_repr="dienstencatalogus",
                changes={
                    "new": {"old": None, "new": result.new},
                    "changed": {"old": None, "new": result.changed},
                    "withdrawn": {"old": None, "new": result.withdrawn},
                },
                message="catalogue imported",
            )
    return result
