"""E-mails of the online path: the one-time code, and the personal link in the invitations.

``link_context`` is a hook of ``ketenmachtigingen.emails``: each invitation, reminder or
"incomplete" e-mail (when the form came in online) gets a fresh personal link when it is
composed, so the token is in the e-mail alone. A new invitation revokes the earlier links; a
reminder adds one and leaves the invitation's link working.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ketenmachtigingen import emails as km_emails
from ketenmachtigingen.constants import Kanaal
from ketenmachtigingen.models import Ketenmachtiging
from outbox.models import Mail
from outbox.registry import Skip, register

CODE = "goedkeuring.code"
#: The e-mails that carry a personal link, and whether a new one revokes the earlier links.
WITH_LINK = {
    km_emails.UITNODIGING: True,
    km_emails.UITNODIGING_OPNIEUW: True,
    km_emails.HERINNERING: False,
    km_emails.INCOMPLEET: True,
}


def link_context(km: Ketenmachtiging, kind: str) -> dict:
    from .services import link_create, link_url

    if kind not in WITH_LINK:
        return {}
    if kind == km_emails.INCOMPLEET and km.kanaal != Kanaal.DIGITAAL:
        return {}
    token = link_create(km=km, revoke_earlier=WITH_LINK[kind])
    return {"persoonlijke_link": link_url(token)}


def render_code(mail) -> EmailMultiAlternatives:
    km = Ketenmachtiging.objects.filter(pk=mail.params.get("km")).first()
    code = mail.params.get("code")
    if km is None or not code:
        raise Skip("the code is no longer needed")
    context = {"km": km, "code": code, "platform": settings.PLATFORM_NAME}
    message = EmailMultiAlternatives(
        subject=_("Your code: %(code)s") % {"code": code},
        body=render_to_string("emails/goedkeuring_code.txt", context),
    )
    message.attach_alternative(
        render_to_string("emails/goedkeuring_code.html", context), "text/html"
    )
    return message


def code_done(mail) -> None:
    """Sent or failed: the code leaves the outbox row."""
    params = {k: v for k, v in mail.params.items() if k != "code"}
    Mail.objects.filter(pk=mail.pk).update(params=params)


def register_kinds() -> None:
    register(
        CODE,
        label=gettext_lazy("Code for the personal link"),
        render=render_code,
        on_sent=code_done,
        on_failed=code_done,
    )
    if link_context not in km_emails.CONTEXT_HOOKS:
        km_emails.CONTEXT_HOOKS.append(link_context)
