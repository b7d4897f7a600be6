"""The accounts' e-mails as outbox kinds: security notices, a password reset link, the usernames
of an address. Composed when delivered, in the person's language; links from ``SITE_URL``,
never from the Host header of the request that asked for them."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbox.registry import Skip, register

from .models import User
from .notifications import CHANGES, MAIL_SOORT

PASSWORD_RESET = "accounts.wachtwoord_herstel"
USERNAMES = "accounts.gebruikersnaam"


def _message(template: str, subject: str, context: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"emails/{template}.txt", context)
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def render_security_change(mail) -> EmailMultiAlternatives:
    params = mail.params
    user = User.objects.filter(pk=params.get("user")).first()
    if user is None:
        raise Skip("the user is gone")
    subject, sentence = CHANGES[params["change"]]
    facts = {
        "platform": settings.PLATFORM_NAME,
        "username": user.get_username(),
        "old_email": params.get("old_email", ""),
        "new_email": params.get("new_email", ""),
    }
    context = {
        "name": user.get_full_name() or user.get_username(),
        "what": str(sentence) % facts,
        "when": parse_datetime(params.get("when", "")),
        "platform": settings.PLATFORM_NAME,
        "profiel_url": settings.SITE_URL + reverse("accounts:profiel"),
    }
    return _message("security_change", str(subject) % facts, context)


def render_password_reset(mail) -> EmailMultiAlternatives:
    user = User.objects.filter(pk=mail.params.get("user"), is_active=True).first()
    if user is None or not user.has_usable_password():
        raise Skip("the user is gone or cannot log in with a password")
    context = {
        "user": user,
        "platform_name": settings.PLATFORM_NAME,
        "reset_url": settings.SITE_URL
        + reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        ),
    }
    subject = render_to_string("emails/password_reset_subject.txt", context)
    return _message("password_reset", "".join(subject.splitlines()), context)


def render_usernames(mail) -> EmailMultiAlternatives:
    users = list(
        User.objects.filter(email__iexact=mail.ontvanger, is_active=True).order_by("username")
    )
    if not users:
        raise Skip("no account has this address any more")
    context = {
        "users": users,
        "platform": settings.PLATFORM_NAME,
        "login_url": settings.SITE_URL + reverse("two_factor:login"),
    }
    return _message(
        "username_recovery",
        _("Your username for %(platform)s") % {"platform": settings.PLATFORM_NAME},
        context,
    )


def register_kinds() -> None:
    register(MAIL_SOORT, label=gettext_lazy("Security notice"), render=render_security_change)
    register(PASSWORD_RESET, label=gettext_lazy("Password reset"), render=render_password_reset)
    register(USERNAMES, label=gettext_lazy("Username reminder"), render=render_usernames)
