"""E-mails about ketenmachtigingen: outbox kinds, composed when delivered.

Each kind renders its message from the ketenmachtiging as it is at delivery time, in the
language of the outbox row (the invitation's language for the relatie's contact). A kind whose
e-mail is no longer needed (the request was withdrawn or sent anew before its e-mail went out)
raises ``Skip``. What happens when the mail server accepts or refuses an e-mail is here too:
the invitation marks itself sent; an invitation that cannot be delivered makes the request
``fout`` (the manual's meaning of Fout), any other e-mail leaves a message for the sender.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbox.registry import Skip, register

from .constants import Status
from .models import Ketenmachtiging
from .pdf import postadres_lines

logger = logging.getLogger(__name__)

UITNODIGING = "ketenmachtigingen.uitnodiging"
UITNODIGING_OPNIEUW = "ketenmachtigingen.uitnodiging_opnieuw"
HERINNERING = "ketenmachtigingen.herinnering"
INCOMPLEET = "ketenmachtigingen.incompleet"
GOEDGEKEURD = "ketenmachtigingen.goedgekeurd"
FEITEN = "ketenmachtigingen.feiten"


#: Apps above this one add to the e-mails to the relatie's contact: callables ``(km, kind) ->
#: dict`` whose result joins the template context (goedkeuring adds a fresh personal link as
#: ``persoonlijke_link``, which the attached form then shows as a QR code).
CONTEXT_HOOKS: list[Callable[[Ketenmachtiging, str], dict]] = []


def _contact_context(km: Ketenmachtiging, kind: str, **extra) -> dict:
    context = _context(km, **extra)
    for hook in CONTEXT_HOOKS:
        context.update(hook(km, kind))
    return context


def _formulier(km: Ketenmachtiging, context: dict) -> bytes:
    """The form to attach: with a personal link it is rendered for this e-mail alone (the
    link's token is stored nowhere), otherwise the stored form of the invitation."""
    stored = formulier_pdf(km)  # kept for the downloads of the form (without a link)
    if context.get("persoonlijke_link"):
        from .services import render_formulier

        return render_formulier(km, link=context["persoonlijke_link"])
    return stored


def _context(km: Ketenmachtiging, **extra) -> dict:
    return {
        "km": km,
        "platform": settings.PLATFORM_NAME,
        "platform_website": settings.PLATFORM_WEBSITE,
        # In the e-mail's language (its renderer runs with that language active).
        "postadres": postadres_lines(translation.get_language() or "nl"),
        "is_verlenging": km.vernieuwing_van_id is not None,
        **extra,
    }


def _km(mail) -> Ketenmachtiging:
    km = Ketenmachtiging.objects.select_related("intermediair").filter(pk=mail.params.get("km"))
    km = km.first()
    if km is None:
        raise Skip("the ketenmachtiging is gone")
    return km


def _same_invitation(mail, km: Ketenmachtiging) -> bool:
    """Whether the e-mail belongs to the invitation that is out now (not an earlier term)."""
    sent = parse_datetime(mail.params.get("verstuurd_op") or "")
    return km.status == Status.VERSTUURD and sent is not None and km.verstuurd_op == sent


def _message(
    template: str, subject: str, context: dict, reply_to: list[str]
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        reply_to=[r for r in reply_to if r] or None,
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message


def formulier_pdf(km: Ketenmachtiging) -> bytes:
    """The form of the current invitation: stored once, rendered when it is not there yet."""
    from .services import render_formulier

    if km.formulier_pdf:
        try:
            with km.formulier_pdf.open("rb") as handle:
                return handle.read()
        except OSError:
            logger.warning("form of ketenmachtiging %s is missing; rendering it again", km.pk)
    pdf = render_formulier(km)
    name = km.formulier_pdf.storage.save(
        km.formulier_pdf.field.generate_filename(km, f"ketenmachtiging-{km.kenmerk}.pdf"),
        ContentFile(pdf),
    )
    Ketenmachtiging.objects.filter(pk=km.pk, verstuurd_op=km.verstuurd_op).update(
        formulier_pdf=name
    )
    return pdf


def _invitation_subject(km: Ketenmachtiging) -> str:
    """The subject of an invitation, in the e-mail's language from its first word: a renewal
    says it is one (the body asks to renew, not to grant something new)."""
    if km.vernieuwing_van_id is not None:
        return _("Renewal of the ketenmachtiging for %(relatie)s") % {"relatie": km.relatie_naam}
    return _("Request for a ketenmachtiging for %(relatie)s") % {"relatie": km.relatie_naam}


# --- Renderers --------------------------------------------------------------------------------


def render_uitnodiging(mail) -> EmailMultiAlternatives:
    km = _km(mail)
    if not _same_invitation(mail, km):
        raise Skip("the request is no longer waiting for this invitation")
    context = _contact_context(km, UITNODIGING)
    message = _message(
        "uitnodiging",
        _invitation_subject(km),
        context,
        [km.contact_email],
    )
    message.attach(f"ketenmachtiging-{km.kenmerk}.pdf", _formulier(km, context), "application/pdf")
    return message


def _render_herinnering(mail, *, opnieuw: bool) -> EmailMultiAlternatives:
    km = _km(mail)
    # Sent again on request also while the form is incomplete (the complete form must come).
    waiting = (Status.VERSTUURD, Status.INCOMPLEET) if opnieuw else (Status.VERSTUURD,)
    if km.status not in waiting or km.invitation_lapsed():
        raise Skip("the request is no longer waiting for the form")
    if opnieuw:
        subject = _invitation_subject(km)
    else:
        subject = _("Reminder: ketenmachtiging for %(relatie)s") % {"relatie": km.relatie_naam}
    kind = UITNODIGING_OPNIEUW if opnieuw else HERINNERING
    context = _contact_context(km, kind, opnieuw=opnieuw)
    message = _message("herinnering", subject, context, [km.contact_email])
    message.attach(f"ketenmachtiging-{km.kenmerk}.pdf", _formulier(km, context), "application/pdf")
    return message


def render_herinnering(mail) -> EmailMultiAlternatives:
    return _render_herinnering(mail, opnieuw=False)


def render_opnieuw(mail) -> EmailMultiAlternatives:
    return _render_herinnering(mail, opnieuw=True)


def render_incompleet(mail) -> EmailMultiAlternatives:
    km = _km(mail)
    if km.status != Status.INCOMPLEET:
        raise Skip("the request is no longer incomplete")
    return _message(
        "incompleet",
        _("Your ketenmachtiging form %(kenmerk)s is incomplete") % {"kenmerk": km.kenmerk},
        _contact_context(km, INCOMPLEET, reden=mail.params.get("reden", "")),
        [settings.PLATFORM_SUPPORT_EMAIL],
    )


def render_goedgekeurd(mail) -> EmailMultiAlternatives:
    km = _km(mail)
    if km.status != Status.ACTIEF:
        raise Skip("the ketenmachtiging is no longer active")
    return _message(
        "goedgekeurd",
        _("Ketenmachtiging %(kenmerk)s is active") % {"kenmerk": km.kenmerk},
        _context(km),
        [settings.PLATFORM_SUPPORT_EMAIL],
    )


def _date_or_none(value: str | None):
    from datetime import date

    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def render_feiten(mail) -> EmailMultiAlternatives:
    km = _km(mail)
    feiten = mail.params.get("feiten", {})
    context = {
        "feiten": feiten,
        "startdatum": _date_or_none(feiten.get("startdatum")),
        "einddatum": _date_or_none(feiten.get("einddatum")),
        "platform": settings.PLATFORM_NAME,
        "afzender_naam": mail.params.get("afzender", ""),
    }
    return EmailMultiAlternatives(
        subject=_("Ketenmachtiging registered for %(naam)s") % {"naam": km.intermediair_naam},
        body=render_to_string("emails/afgegeven_feiten.txt", context),
    )


# --- Delivered or not -------------------------------------------------------------------------


def uitnodiging_sent(mail) -> None:
    km = Ketenmachtiging.objects.filter(pk=mail.params.get("km")).first()
    if km is not None and _same_invitation(mail, km):
        Ketenmachtiging.objects.filter(pk=km.pk, verstuurd_op=km.verstuurd_op).update(
            uitnodiging_verzonden_op=mail.verzonden_op or timezone.now()
        )


def uitnodiging_failed(mail) -> None:
    """The invitation was refused for good or bounced: the request is ``fout`` with the
    reason (the beheerder is told by the FOUT notice), if it still waits for this invitation;
    otherwise a message about the e-mail."""
    km = Ketenmachtiging.objects.select_for_update().filter(pk=mail.params.get("km")).first()
    if km is None:
        return
    if _same_invitation(mail, km):
        km.transition_to(
            Status.FOUT,
            actor=None,
            reden=_("The invitation could not be delivered to %(email)s: %(error)s")
            % {"email": mail.ontvanger, "error": (mail.fout or "")[:300]},
        )
        return
    mail_failed(mail)


def mail_failed(mail) -> None:
    from .notifications import notify_mail_failed

    km = Ketenmachtiging.objects.filter(pk=mail.params.get("km")).first()
    organisatie_id = mail.params.get("organisatie") or (km.intermediair_id if km else None)
    notify_mail_failed(mail, organisatie_id=organisatie_id, km=km)


def register_kinds() -> None:
    register(
        UITNODIGING,
        label=gettext_lazy("Invitation"),
        render=render_uitnodiging,
        on_sent=uitnodiging_sent,
        on_failed=uitnodiging_failed,
    )
    register(
        UITNODIGING_OPNIEUW,
        label=gettext_lazy("Invitation sent again"),
        render=render_opnieuw,
        on_failed=mail_failed,
    )
    register(
        HERINNERING,
        label=gettext_lazy("Reminder"),
        render=render_herinnering,
        on_failed=mail_failed,
    )
    register(
        INCOMPLEET,
        label=gettext_lazy("Form incomplete"),
        render=render_incompleet,
        on_failed=mail_failed,
    )
    register(
        GOEDGEKEURD,
        label=gettext_lazy("Ketenmachtiging active"),
        render=render_goedgekeurd,
        on_failed=mail_failed,
    )
    register(
        FEITEN,
        label=gettext_lazy("Details passed on to the intermediair"),
        render=render_feiten,
        on_failed=mail_failed,
    )
