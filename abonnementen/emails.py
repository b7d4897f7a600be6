"""The e-mail to the back office that an organisation asks for access to a module, composed in
the recipient's language when it is delivered."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbox.registry import Skip, register

from .berichten import _values
from .models import Abonnement
from .notifications import MAIL_BACKOFFICE


def render_toegang_aangevraagd(mail) -> EmailMultiAlternatives:
    abonnement = (
        Abonnement.objects.select_related("organisatie")
        .filter(pk=mail.params.get("abonnement"))
        .first()
    )
    if abonnement is None:
        raise Skip("the subscription is gone")
    context = {
        "abonnement": abonnement,
        "organisatie": abonnement.organisatie,
        **_values(mail.params),
        "platform": settings.PLATFORM_NAME,
        "url": settings.SITE_URL + reverse("abonnementen:backoffice_detail", args=[abonnement.pk]),
    }
    message = EmailMultiAlternatives(
        subject=_("%(organisatie)s requests access to %(module)s")
        % {"organisatie": abonnement.organisatie.naam, "module": context["module"]},
        body=render_to_string("emails/abonnement_aangevraagd.txt", context),
    )
    message.attach_alternative(
        render_to_string("emails/abonnement_aangevraagd.html", context), "text/html"
    )
    return message


def register_kinds() -> None:
    register(
        MAIL_BACKOFFICE,
        label=gettext_lazy("Access requested (back office)"),
        render=render_toegang_aangevraagd,
    )
