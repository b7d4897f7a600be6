"""Writes of the berichtenbox: one function creates every message."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.constants import Rol
from accounts.models import Organisatie, User
from ketenportal.utils.tasks import dispatch

from .models import Bericht

logger = logging.getLogger(__name__)


def bericht_create(
    *,
    organisatie: Organisatie,
    soort: str,
    onderwerp: str,
    tekst: str,
    link: str = "",
    sleutel: str | None = None,
) -> Bericht | None:
    """Put a message in the organisation's berichtenbox and, after commit, e-mail its beheerders
    that a message is waiting (unless they switched that off on Mijn profiel; see
    ``tasks.mail_berichten``).

    With a ``sleutel`` the message is created once: a second call returns None.
    """
    try:
        with transaction.atomic():
            bericht = Bericht.objects.create(
                organisatie=organisatie,
                soort=soort,
                onderwerp=onderwerp[:200],
                tekst=tekst,
                link=link,
                sleutel=sleutel,
            )
    except IntegrityError:
        if sleutel and Bericht.objects.filter(sleutel=sleutel).exists():
            return None
        raise
    from .tasks import mail_berichten

    dispatch(mail_berichten, [organisatie.pk])
    return bericht


def send_waiting_mail(*, organisatie_id: int, bericht_ids: list[int]) -> None:
    """E-mail the organisation's beheerders that messages are waiting (not to those who switched
    it off on Mijn profiel), each in their own language. Called by ``tasks.mail_berichten``."""
    organisatie = Organisatie.objects.get(pk=organisatie_id)
    berichten = list(Bericht.objects.filter(pk__in=bericht_ids).order_by("-created_at")[:20])
    recipients = User.objects.filter(
        lidmaatschappen__organisatie=organisatie,
        lidmaatschappen__rol=Rol.BEHEERDER,
        is_active=True,
        email_berichten=True,
    ).exclude(email="")
    for user in recipients:
        with translation.override(user.taal):
            context = {
                "user": user,
                "berichten": berichten,
                "aantal": len(bericht_ids),
                "organisatie": organisatie,
                "platform": settings.PLATFORM_NAME,
                "url": settings.SITE_URL + "/berichtenbox/",
            }
            try:
                send_mail(
                    subject=_("A message is waiting for you in the berichtenbox"),
                    message=render_to_string("emails/bericht.txt", context),
                    html_message=render_to_string("emails/bericht.html", context),
                    from_email=None,
                    recipient_list=[user.email],
                )
            except Exception:  # noqa: BLE001 - the messages themselves are stored; mail is a courtesy
                logger.exception("berichtenbox: mail to user %s failed", user.pk)


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
