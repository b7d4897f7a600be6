"""The e-mail "messages are waiting in the berichtenbox", composed when it is delivered."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext

from accounts.constants import Rol
from accounts.models import Organisatie, User
from outbox.registry import Skip, register

from .models import Bericht
from .services import MAIL_SOORT


def render_wachtend(mail) -> EmailMultiAlternatives:
    params = mail.params
    user = User.objects.filter(pk=params.get("user"), is_active=True).first()
    organisatie = Organisatie.objects.filter(pk=params.get("organisatie")).first()
    if user is None or organisatie is None:
        raise Skip("the user or the organisation is gone")
    if not user.lidmaatschappen.filter(organisatie=organisatie, rol=Rol.BEHEERDER).exists():
        raise Skip("no longer a beheerder of the organisation")
    ids = params.get("berichten") or []
    berichten = list(Bericht.objects.filter(pk__in=ids).order_by("-created_at", "-pk")[:20])
    if not berichten:
        raise Skip("the messages are gone")
    context = {
        "user": user,
        "berichten": berichten,
        "aantal": len(ids),
        "organisatie": organisatie,
        "platform": settings.PLATFORM_NAME,
        "url": settings.SITE_URL + reverse("berichtenbox:lijst"),
    }
    message = EmailMultiAlternatives(
        subject=ngettext(
            "%(n)s message is waiting for you in the berichtenbox",
            "%(n)s messages are waiting for you in the berichtenbox",
            len(ids),
        )
        % {"n": len(ids)},
        body=render_to_string("emails/bericht.txt", context),
    )
    message.attach_alternative(render_to_string("emails/bericht.html", context), "text/html")
    return message


def register_kinds() -> None:
    register(
        MAIL_SOORT,
        label=gettext_lazy("Messages are waiting"),
        render=render_wachtend,
    )
