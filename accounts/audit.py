"""The audit trail: one function writes every row, in the transaction of the change itself."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from .constants import AuditAction, AuditKind
from .context import current_via
from .models import AuditEntry, Organisatie, User


def _plain(value: Any) -> Any:
    """A JSON-safe, human-readable form of a field value."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(v) for v in value)
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` of ``obj``, for a later ``diff``."""
    return {field: _plain(getattr(obj, field)) for field in fields}


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": …, "new": …}}`` for the fields whose value changed."""
    return {
        key: {"old": _plain(old.get(key)), "new": _plain(new.get(key))}
        for key in sorted(set(old) | set(new))
        if _plain(old.get(key)) != _plain(new.get(key))
    }


def audit_log(
    *,
    actor: User | None,
    organisatie: Organisatie | None,
    action: AuditAction,
    kind: AuditKind,
    obj: models.Model,
    changes: Mapping[str, Any] | None = None,
    message: str = "",
    object_repr: str | None = None,
) -> AuditEntry:
    """Record one change. Call it inside the service's ``transaction.atomic()`` block."""
    return AuditEntry.objects.create(
        organisatie=organisatie,
        actor=actor if actor is not None and actor.pk else None,
        actor_repr=(str(actor) if actor is not None else "systeem")[:200],
        via=current_via()[:200],
        action=action,
        kind=kind,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=(object_repr or str(obj))[:300],
        changes=dict(changes or {}),
        message=message[:300],
    )
