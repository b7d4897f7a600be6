"""Writes of the outbox: putting e-mails in it (inside the caller's transaction).

``mail_queue`` and ``mails_queue`` only write rows; delivery starts after the transaction
commits (a task per small batch, see ``tasks.deliver_mails``), and the periodic
``deliver_due`` catches anything left over (a worker that was down, a retry that is due).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ketenportal.utils.tasks import dispatch

from .models import Mail
from .registry import kind_of


@dataclass(frozen=True)
class Envelope:
    """One e-mail to put in the outbox."""

    soort: str
    ontvanger: str
    taal: str
    params: dict = field(default_factory=dict)
    betreft: models.Model | None = None
    sleutel: str | None = None


def _row(envelope: Envelope, now) -> Mail:
    kind_of(envelope.soort)  # an unknown kind is a programming error: fail at once, not later
    taal = envelope.taal if envelope.taal in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    betreft = envelope.betreft
    return Mail(
        soort=envelope.soort,
        sleutel=envelope.sleutel,
        ontvanger=envelope.ontvanger.strip(),
        taal=taal,
        params=envelope.params,
        betreft_type=ContentType.objects.get_for_model(betreft) if betreft else None,
        betreft_id=betreft.pk if betreft else None,
        volgende_poging_op=now,
        created_at=now,
        updated_at=now,
    )


def _deliver_after_commit(ids: list[int]) -> None:
    from .tasks import deliver_mails

    size = max(1, settings.MAIL_TASK_BATCH)
    for start in range(0, len(ids), size):
        dispatch(deliver_mails, ids[start : start + size])


def mail_queue(envelope: Envelope) -> Mail | None:
    """Put one e-mail in the outbox; it is delivered after the current transaction commits.

    With a ``sleutel`` that is in the outbox already nothing is added and None is returned.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            mail = _row(envelope, now)
            mail.save()
    except IntegrityError:
        if envelope.sleutel and Mail.objects.filter(sleutel=envelope.sleutel).exists():
            return None
        raise
    _deliver_after_commit([mail.pk])
    return mail


def mails_queue(envelopes: Iterable[Envelope]) -> list[Mail]:
    """Put many e-mails in the outbox in one statement (bulk work: sweeps, bulk renewal).

    Rows whose ``sleutel`` exists already are left out. Returns the rows written.
    """
    now = timezone.now()
    rows = [_row(e, now) for e in envelopes]
    if not rows:
        return []
    keyed = [r.sleutel for r in rows if r.sleutel]
    if keyed:
        taken = set(Mail.objects.filter(sleutel__in=keyed).values_list("sleutel", flat=True))
        rows = [r for r in rows if not r.sleutel or r.sleutel not in taken]
    # PostgreSQL and SQLite (3.35+) return the new ids from a bulk insert.
    created = Mail.objects.bulk_create(rows, batch_size=2000)
    _deliver_after_commit([m.pk for m in created])
    return created


def mail_again(*, mail: Mail, ontvanger: str | None = None) -> Mail:
    """The same e-mail once more, as a new row (the failed one stays in the history)."""
    return mail_queue(
        Envelope(
            soort=mail.soort,
            ontvanger=ontvanger or mail.ontvanger,
            taal=mail.taal,
            params=mail.params,
            betreft=mail.betreft,
        )
    )
