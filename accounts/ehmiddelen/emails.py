"""The e-mail to a colleague whose new means was issued: set a password, then log in and enrol a
second factor. The link is Django's password reset link (``accounts:password_reset_confirm``),
made when the e-mail is delivered, so its term starts then; after setting the password the login
asks for the second factor and, as the account has none, sends the person to enrol one."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbox.registry import Skip, register

WELKOM = "accounts.ehmiddel_welkom"


def set_password_url(user) -> str:
    return settings.SITE_URL + reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def render_welkom(mail) -> EmailMultiAlternatives:
    from ..models import Organisatie, User

    user = User.objects.filter(pk=mail.params.get("user"), is_active=True).first()
    if user is None:
        raise Skip("the user is gone")
    organisatie = Organisatie.objects.filter(pk=mail.params.get("organisatie")).first()
    context = {
        "user": user,
        "organisatie": organisatie.naam if organisatie else "",
        "platform": settings.PLATFORM_NAME,
        "url": set_password_url(user),
        "login_url": settings.SITE_URL + reverse("two_factor:login"),
    }
    message = EmailMultiAlternatives(
        subject=_("Your eHerkenning means at %(platform)s is ready")
        % {"platform": settings.PLATFORM_NAME},
        body=render_to_string("emails/ehmiddel_welkom.txt", context),
    )
    message.attach_alternative(
        render_to_string("emails/ehmiddel_welkom.html", context), "text/html"
    )
    return message


def register_kinds() -> None:
    register(WELKOM, label=gettext_lazy("New EH means: set a password"), render=render_welkom)
