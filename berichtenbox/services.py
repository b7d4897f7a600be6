"""Writes of the berichtenbox: one function creates every message, one mails that they wait."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from accounts.constants import KETENMACHTIGING_MIN_RANK, Rol
from accounts.models import Organisatie, User
from ketenportal.utils.tasks import dispatch
from outbox.services import Envelope, mails_queue

from .constants import ALGEMEEN
from .models import Bericht

#: The outbox kind of the e-mail "messages are waiting" (registered in ``emails``).
MAIL_SOORT = "berichtenbox.wachtend"


def bericht_create(
    *,
    organisatie: Organisatie,
    soort: str,
    sjabloon: str = "",
    params: dict | None = None,
    onderwerp: str = "",
    tekst: str = "",
    link: str = "",
    betreft: models.Model | None = None,
    sleutel: str | None = None,
    mailen: bool = True,
) -> Bericht | None:
    """Put a message in the organisation's berichtenbox; after commit its beheerders get an
    e-mail that a message waits (see ``berichten_mail_queue``), unless ``mailen`` is off.

    With a ``sleutel`` the message is created once: a second call returns None.
    """
    try:
        with transaction.atomic():
            bericht = Bericht.objects.create(
                organisatie=organisatie,
                soort=soort,
                sjabloon=sjabloon,
                params=params or {},
                onderwerp=onderwerp[:200],
                tekst=tekst,
                link=link,
                betreft_type=ContentType.objects.get_for_model(betreft) if betreft else None,
                betreft_id=betreft.pk if betreft else None,
                sleutel=sleutel,
                mailen=mailen,
            )
    except IntegrityError:
        if sleutel and Bericht.objects.filter(sleutel=sleutel).exists():
            return None
        raise
    if mailen:
        from .tasks import mail_berichten

        dispatch(mail_berichten, [organisatie.pk])
    return bericht


def berichten_create(berichten: list[Bericht]) -> set[int]:
    """Many messages in one statement (the sweeps); a ``sleutel`` that exists is skipped.
    Returns the organisations that have messages to mail. The caller mails them once its whole
    run is done (``berichten_mail_queue``), so a sweep of many chunks sends one e-mail per
    beheerder, not one per chunk."""
    if not berichten:
        return set()
    Bericht.objects.bulk_create(berichten, batch_size=2000, ignore_conflicts=True)
    return {b.organisatie_id for b in berichten if b.mailen}


def berichten_mail_queue(organisatie_ids: list[int] | None = None) -> int:
    """Put one e-mail per beheerder per organisation ("messages are waiting") in the outbox for
    the messages not mailed yet, and mark those messages, in one transaction: run twice, or on
    two workers at once, every message is mailed once. Beheerders who switched these e-mails
    off on Mijn profiel get none. Returns the number of e-mails queued."""
    now = timezone.now()
    with transaction.atomic():
        pending = Bericht.objects.filter(gemaild_op__isnull=True, mailen=True)
        if organisatie_ids:
            pending = pending.filter(organisatie_id__in=organisatie_ids)
        rows = list(
            pending.select_for_update(skip_locked=True)
            .order_by("organisatie_id", "pk")
            .values_list("pk", "organisatie_id", "soort")
        )
        if not rows:
            return 0
        per_org: dict[int, list[int]] = defaultdict(list)
        algemeen: dict[int, list[int]] = defaultdict(list)
        for pk, organisatie_id, soort in rows:
            per_org[organisatie_id].append(pk)
            if soort in ALGEMEEN:
                algemeen[organisatie_id].append(pk)
        Bericht.objects.filter(pk__in=[row[0] for row in rows]).update(gemaild_op=now)
        recipients = (
            User.objects.filter(
                lidmaatschappen__organisatie_id__in=list(per_org),
                lidmaatschappen__rol=Rol.BEHEERDER,
                is_active=True,
                email_berichten=True,
            )
            .exclude(email="")
            .values_list(
                "pk",
                "email",
                "taal",
                "lidmaatschappen__organisatie_id",
                "eh_niveau_rank",
                "alleen_belastingdienst",
            )
        )
        envelopes = []
        for user_id, email, taal, org_id, rank, alleen_bd in recipients:
            # Messages about ketenmachtigingen only to beheerders who may use them (EH3).
            ids = (
                per_org[org_id]
                if rank >= KETENMACHTIGING_MIN_RANK and not alleen_bd
                else algemeen[org_id]
            )
            if not ids:
                continue
            envelopes.append(
                Envelope(
                    soort=MAIL_SOORT,
                    ontvanger=email,
                    taal=taal,
                    params={"user": user_id, "organisatie": org_id, "berichten": ids},
                    sleutel=f"berichten:{user_id}:{ids[0]}",
                )
            )
        queued = mails_queue(envelopes)
    return len(queued)


def bericht_mark_read(*, bericht: Bericht) -> None:
    """Record that the organisation has read ``bericht`` (the first opening counts).

    Read state belongs to the organisation, not to the person who opened it. Not audited: a read
    receipt is not a change of the organisation's data. A conditional UPDATE, so two people
    opening the message at once keep the first time.
    """
    if bericht.gelezen_op is not None:
        return
    now = timezone.now()
    updated = Bericht.objects.filter(pk=bericht.pk, gelezen_op__isnull=True).update(gelezen_op=now)
    if updated:
        bericht.gelezen_op = now
    else:
        bericht.refresh_from_db(fields=["gelezen_op"])


def berichten_mark_all_read(*, actor: User, organisatie: Organisatie) -> int:
    """Mark every unread message of ``organisatie`` read in one set-based UPDATE; returns how
    many changed. ``actor`` is the beheerder who asked (kept for the service signature).

    Not audited, for the same reason as ``bericht_mark_read``: read state is a receipt, not a
    change of the organisation's data.
    """
    return Bericht.objects.filter(organisatie=organisatie, gelezen_op__isnull=True).update(
        gelezen_op=timezone.now()
    )
