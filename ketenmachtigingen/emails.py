"""E-mails about ketenmachtigingen, in the language chosen for the recipients."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Ketenmachtiging, StatusWijziging


def _context(km: Ketenmachtiging, **extra) -> dict:
    return {
        "km": km,
        "platform": settings.PLATFORM_NAME,
        "platform_website": settings.PLATFORM_WEBSITE,
        "postadres": settings.PLATFORM_POSTADRES,
        "is_verlenging": km.vernieuwing_van_id is not None,
        **extra,
    }


def send_uitnodiging_mail(km: Ketenmachtiging, pdf: bytes) -> None:
    """The invitation with the Ketenmachtiging formulier (PDF) to the relatie's contact."""
    with translation.override(km.taal):
        context = _context(km)
        subject = _("Ketenmachtiging for %(relatie)s") % {"relatie": km.relatie_naam}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/uitnodiging.txt", context),
            to=[km.relatie_contact_email],
            reply_to=[km.contact_email] if km.contact_email else None,
        )
        message.attach_alternative(
            render_to_string("emails/uitnodiging.html", context), "text/html"
        )
        message.attach(f"ketenmachtiging-{km.kenmerk}.pdf", pdf, "application/pdf")
        message.send()


def send_incompleet_mail(km: Ketenmachtiging, wijziging: StatusWijziging) -> None:
    """The back office found the form incomplete: tell the relatie's contact what is missing."""
    with translation.override(km.taal):
        context = _context(km, reden=wijziging.reden)
        message = EmailMultiAlternatives(
            subject=_("Your ketenmachtiging form %(kenmerk)s is incomplete")
            % {"kenmerk": km.kenmerk},
            body=render_to_string("emails/incompleet.txt", context),
            to=[km.relatie_contact_email],
            reply_to=[settings.PLATFORM_SUPPORT_EMAIL],
        )
        message.attach_alternative(render_to_string("emails/incompleet.html", context), "text/html")
        message.send()


def send_herinnering_mail(km: Ketenmachtiging, pdf: bytes | None, *, opnieuw: bool) -> None:
    """A reminder while the invitation waits (or the invitation again, on request), with the
    form attached again."""
    with translation.override(km.taal):
        context = _context(km, opnieuw=opnieuw)
        subject = (
            _("Ketenmachtiging for %(relatie)s")
            if opnieuw
            else _("Reminder: ketenmachtiging for %(relatie)s")
        ) % {"relatie": km.relatie_naam}
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/herinnering.txt", context),
            to=[km.relatie_contact_email],
            reply_to=[km.contact_email] if km.contact_email else None,
        )
        message.attach_alternative(
            render_to_string("emails/herinnering.html", context), "text/html"
        )
        if pdf:
            message.attach(f"ketenmachtiging-{km.kenmerk}.pdf", pdf, "application/pdf")
        message.send()
