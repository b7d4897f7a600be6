"""Writes of the online path: links, codes, and the contact's answer.

The contact has no account: ``actor`` is None in the audit log and the status history, and
the audit row belongs to the intermediair. Each step leaves a ``Gebeurtenis``.
"""

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind
from ketenmachtigingen.constants import Kanaal, Status
from ketenmachtigingen.exceptions import KetenmachtigingError
from ketenmachtigingen.models import Ketenmachtiging
from ketenmachtigingen.services import ketenmachtiging_decline
from ketenportal.exceptions import DomainError
from outbox.services import Envelope, mail_queue
from outbox.throttle import within_limit

from .models import Gebeurtenis, Ondertekening, Uitnodigingslink, private_storage

logger = logging.getLogger(__name__)

CODE_GELDIG = timedelta(minutes=10)
MAX_POGINGEN = 5
#: Codes sent per link and per IP address in an hour.
SENDS_PER_LINK = 5
SENDS_PER_IP = 20
SEND_WINDOW = 3600
#: Code checks per IP address in an hour, over all links (guessing across many links).
CHECKS_PER_IP = 30
#: Statuses in which the contact can still answer online.
OPEN = (Status.VERSTUURD, Status.INCOMPLEET)


class CodeError(DomainError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    return settings.SITE_URL + reverse("goedkeuring:start", kwargs={"token": token})


def link_create(*, km: Ketenmachtiging, revoke_earlier: bool = True) -> str:
    """A new personal link for ``km``'s invitation; returns the raw token (never stored). The
    earlier links stop working unless ``revoke_earlier`` is False (a reminder adds a link)."""
    token = secrets.token_urlsafe(32)  # 256 bits
    now = timezone.now()
    with transaction.atomic():
        if revoke_earlier:
            Uitnodigingslink.objects.filter(ketenmachtiging=km, ingetrokken_op=None).update(
                ingetrokken_op=now
            )
        Uitnodigingslink.objects.create(
            ketenmachtiging=km,
            token_hash=token_hash(token),
            created_at=now,
            geldig_tot=km.uitnodiging_geldig_tot or timezone.localdate(now),
        )
    return token


def links_revoke(*, km: Ketenmachtiging) -> None:
    Uitnodigingslink.objects.filter(ketenmachtiging=km, ingetrokken_op=None).update(
        ingetrokken_op=timezone.now()
    )


def _event(km: Ketenmachtiging, soort: str, detail: str = "") -> Gebeurtenis:
    return Gebeurtenis.objects.create(ketenmachtiging=km, soort=soort, detail=detail[:300])


def _event_once(km: Ketenmachtiging, soort: str, *, within: timedelta) -> None:
    """A step that a visitor repeats by reloading (opening the link, downloading the form) is
    on the timeline once per ``within``, not once per page view."""
    recent = Gebeurtenis.objects.filter(
        ketenmachtiging=km, soort=soort, timestamp__gte=timezone.now() - within
    )
    if not recent.exists():
        _event(km, soort)


def link_opened(*, link: Uitnodigingslink) -> None:
    _event_once(link.ketenmachtiging, Gebeurtenis.Soort.LINK_GEOPEND, within=timedelta(hours=1))


def _code_hash(link: Uitnodigingslink, code: str) -> str:
    return salted_hmac("goedkeuring.code", f"{link.pk}:{code}").hexdigest()


def _sms_number(km: Ketenmachtiging) -> str:
    from django.core.exceptions import ValidationError

    from accounts.sms import validate_sms_number

    number = km.relatie_contact_telefoon.strip()
    if not number:
        return ""
    try:
        validate_sms_number(number)
    except ValidationError:
        return ""
    return number


def code_send(*, link: Uitnodigingslink, ip_address: str | None) -> None:
    """Send a new 6-digit code to the contact (e-mail, and SMS to a Dutch mobile number); the
    earlier code stops working. Refused when sent too often for this link or address."""
    if not within_limit("goedkeuring-link", str(link.pk), SENDS_PER_LINK, SEND_WINDOW) or (
        ip_address and not within_limit("goedkeuring-ip", ip_address, SENDS_PER_IP, SEND_WINDOW)
    ):
        raise CodeError(
            _(
                "A code has been sent several times already. Use the last code you received, "
                "or wait an hour before you ask for a new one."
            ),
            code="throttled",
        )
    km = link.ketenmachtiging
    code = f"{secrets.randbelow(1_000_000):06d}"
    number = _sms_number(km)
    with transaction.atomic():
        link.code_hash = _code_hash(link, code)
        link.code_verstuurd_op = timezone.now()
        link.code_pogingen = 0
        link.save(update_fields=["code_hash", "code_verstuurd_op", "code_pogingen"])
        mail_queue(
            Envelope(
                soort="goedkeuring.code",
                ontvanger=km.relatie_contact_email,
                taal=km.taal,
                # The code waits in the outbox row until delivered, then it is wiped.
                params={"km": km.pk, "link": link.pk, "code": code},
                betreft=km,
            )
        )
        _event(
            km, Gebeurtenis.Soort.CODE_VERSTUURD, _("by e-mail and text message") if number else ""
        )
    if number:
        text = _("Your %(platform)s code for the ketenmachtiging of %(naam)s: %(code)s") % {
            "platform": settings.PLATFORM_NAME,
            "naam": km.intermediair_naam,
            "code": code,
        }

        def send_sms() -> None:
            try:
                import_string(settings.SMS_BACKEND)().send(number=number, text=text)
            except Exception:  # noqa: BLE001 - the e-mail carries the code too
                logger.warning("SMS code for link %s not sent", link.pk)

        # Like every side effect: only once the code is stored for good.
        transaction.on_commit(send_sms)


def code_verify(*, link: Uitnodigingslink, code: str, ip_address: str | None = None) -> None:
    """Accept ``code`` once: right, not expired, within the tries. Raise ``CodeError``. Checks
    are also limited per IP address over all links (``CHECKS_PER_IP`` an hour)."""
    if ip_address and not within_limit(
        "goedkeuring-check-ip", ip_address, CHECKS_PER_IP, SEND_WINDOW
    ):
        raise CodeError(
            _("Too many codes were tried from your address. Wait an hour, then try again."),
            code="throttled_ip",
        )
    error = None
    with transaction.atomic():
        link = Uitnodigingslink.objects.select_for_update().get(pk=link.pk)
        if not link.code_hash or link.code_verstuurd_op is None:
            raise CodeError(_("Ask for a code first."), code="no_code")
        if link.code_pogingen >= MAX_POGINGEN:
            raise CodeError(_("Too many wrong tries. Ask for a new code."), code="tries")
        if timezone.now() - link.code_verstuurd_op > CODE_GELDIG:
            raise CodeError(_("This code has expired. Ask for a new code."), code="expired")
        link.code_pogingen += 1
        if constant_time_compare(_code_hash(link, code.strip()), link.code_hash):
            # Single use: the code is gone once accepted.
            link.code_hash = ""
            link.geverifieerd_op = timezone.now()
            link.save(update_fields=["code_pogingen", "code_hash", "geverifieerd_op"])
            _event(link.ketenmachtiging, Gebeurtenis.Soort.CODE_GEVERIFIEERD)
            return
        # The wrong try is counted (committed) before the error is raised.
        link.save(update_fields=["code_pogingen"])
        left = MAX_POGINGEN - link.code_pogingen
        if left <= 0:
            error = CodeError(_("Too many wrong tries. Ask for a new code."), code="tries")
        else:
            error = CodeError(
                _("This code is not right. You can try %(n)s more time(s).") % {"n": left},
                code="wrong",
            )
    raise error


def _lock_open(link: Uitnodigingslink) -> Ketenmachtiging:
    km = Ketenmachtiging.objects.select_for_update().get(pk=link.ketenmachtiging_id)
    if km.status not in OPEN or km.invitation_lapsed():
        raise KetenmachtigingError(
            _("This request is no longer waiting for an answer."), code="not_pending"
        )
    return km


def online_approve(
    *,
    link: Uitnodigingslink,
    ondertekenaars: list[dict],
    bestand: UploadedFile,
    paginas: int,
) -> Ondertekening:
    """The contact approves: the signed form is stored privately and the request becomes
    "aanvraag ontvangen" by the digital channel; the links stop working."""
    with transaction.atomic():
        km = _lock_open(link)
        name = private_storage().save(
            f"goedkeuring/{km.kenmerk}-{secrets.token_hex(8)}.pdf", bestand
        )
        try:
            ondertekening = _record_approval(km, link, ondertekenaars, bestand, paginas, name)
        except BaseException:
            private_storage().delete(name)  # never a stored file without its request
            raise
    return ondertekening


def _record_approval(km, link, ondertekenaars, bestand, paginas, name) -> Ondertekening:
    ondertekening = Ondertekening.objects.create(
        ketenmachtiging=km,
        link=link,
        ondertekenaars=ondertekenaars,
        verklaring=True,
        bestand=name,
        bestandsnaam=(bestand.name or "formulier.pdf")[:200],
        grootte=bestand.size,
        paginas=paginas,
    )
    km.kanaal = Kanaal.DIGITAAL
    km.save(update_fields=["kanaal"])
    audit_log(
        actor=None,
        organisatie=km.intermediair,
        action=AuditAction.UPDATE,
        kind=AuditKind.KETENMACHTIGING,
        obj=km,
        changes={
            "kanaal": {"old": None, "new": Kanaal.DIGITAAL},
            "ondertekenaars": {"old": None, "new": [o["naam"] for o in ondertekenaars]},
        },
        message="signed form uploaded online",
    )
    km.transition_to(Status.ONTVANGEN, actor=None)
    _event(
        km,
        Gebeurtenis.Soort.GEUPLOAD,
        ", ".join(f"{o['naam']} ({o['functie']})" for o in ondertekenaars),
    )
    links_revoke(km=km)
    return ondertekening


def online_decline(*, link: Uitnodigingslink, reden: str) -> Ketenmachtiging:
    with transaction.atomic():
        _lock_open(link)
        km = ketenmachtiging_decline(
            actor=None, km=link.ketenmachtiging, reden=reden, kanaal=Kanaal.DIGITAAL
        )
        _event(km, Gebeurtenis.Soort.AFGEWEZEN, reden.strip())
        links_revoke(km=km)
    return km


def post_chosen(*, link: Uitnodigingslink) -> None:
    _event_once(link.ketenmachtiging, Gebeurtenis.Soort.PER_POST, within=timedelta(hours=1))
