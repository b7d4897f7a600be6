"""Writes of the berichtenbox: one function creates every message."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.constants import Rol
from accounts.models import Organisatie, User

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
    that a message is waiting (unless they switched that off on Mijn profiel).

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
    transaction.on_commit(lambda: _notify_beheerders(bericht.pk))
    return bericht


def _notify_beheerders(bericht_id: int) -> None:
    bericht = Bericht.objects.select_related("organisatie").get(pk=bericht_id)
    recipients = User.objects.filter(
        lidmaatschappen__organisatie=bericht.organisatie,
        lidmaatschappen__rol=Rol.BEHEERDER,
        is_active=True,
        email_berichten=True,
    ).exclude(email="")
    for user in recipients:
        with translation.override(user.taal):
            context = {
                "user": user,
                "bericht": bericht,
                "organisatie": bericht.organisatie,
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
            except Exception:  # noqa: BLE001 - the message itself is stored; mail is a courtesy
                logger.exception("berichtenbox: mail to user %s failed", user.pk)
