"""Writes of the API app: keys and webhook endpoints, each audited in its transaction."""

import secrets
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind
from accounts.models import Organisatie, User
from ketenportal.exceptions import DomainError

from .constants import Toegang
from .keys import hash_key, new_key
from .models import ApiKey


def apikey_create(
    *,
    actor: User,
    organisatie: Organisatie,
    naam: str,
    toegang: str = Toegang.LEZEN,
    geldig_tot: date | None = None,
) -> tuple[ApiKey, str]:
    """A new key for ``organisatie``; returns it with the key itself, which is shown once and
    never stored."""
    naam = naam.strip()
    if not naam:
        raise DomainError(_("Give the key a name, so you can tell it apart."), code="required")
    if toegang not in Toegang.values:
        raise DomainError(_("Choose read only, or read and write."), code="toegang")
    if geldig_tot is not None and geldig_tot <= timezone.localdate():
        raise DomainError(_("The expiry date must be after today."), code="past")
    with transaction.atomic():
        for _attempt in range(5):
            key, prefix = new_key()
            if not ApiKey.objects.filter(prefix=prefix).exists():
                break
        api_key = ApiKey.objects.create(
            organisatie=organisatie,
            naam=naam[:100],
            prefix=prefix,
            key_hash=hash_key(key),
            toegang=toegang,
            geldig_tot=geldig_tot,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            organisatie=organisatie,
            action=AuditAction.CREATE,
            kind=AuditKind.API,
            obj=api_key,
            changes={
                "naam": {"old": None, "new": api_key.naam},
                "toegang": {"old": None, "new": api_key.toegang},
                "geldig_tot": {"old": None, "new": geldig_tot.isoformat() if geldig_tot else None},
            },
        )
    return api_key, key


def apikey_revoke(*, actor: User, api_key: ApiKey) -> ApiKey:
    """Revoke at once: the next request with the key is refused."""
    with transaction.atomic():
        api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if api_key.ingetrokken_op is not None:
            return api_key
        api_key.ingetrokken_op = timezone.now()
        api_key.ingetrokken_door = actor
        api_key.save(update_fields=["ingetrokken_op", "ingetrokken_door"])
        audit_log(
            actor=actor,
            organisatie=api_key.organisatie,
            action=AuditAction.UPDATE,
            kind=AuditKind.API,
            obj=api_key,
            changes={"ingetrokken": {"old": False, "new": True}},
            message="revoked",
        )
    return api_key


def new_webhook_secret() -> str:
    """A signing secret as Standard Webhooks writes it: ``whsec_`` and base64 of 32 bytes."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
