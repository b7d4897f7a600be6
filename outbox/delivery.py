"""Delivering the outbox: claim, compose, send, mark, retry.

* Claim: due rows get a claim token and a lease (``MAIL_LEASE_SECONDS``) in one short
  transaction; ``SKIP LOCKED`` on PostgreSQL lets several workers claim side by side, and the
  conditional UPDATE keeps two claimers apart on any database. A worker that dies leaves a claim
  that runs out; the row is then due again, so nothing is lost.
* Send: the kind composes the message in the recipient's language; just before it goes to the
  mail server the worker renews its claim on that row (a row whose claim ran out while earlier
  rows of a slow batch were sent, and that another worker took over, is left to that worker);
  only when the server accepted it is the row marked ``verzonden`` (so an e-mail is
  sent at most once per row, except when a worker dies in the instant between the server's
  "250 OK" and the mark).
* Retry: a refusal that may pass (a 4xx reply, no connection) is tried again after the next of
  ``MAIL_RETRY_DELAYS_SECONDS``; a permanent one (a 5xx reply, an invalid address or header)
  and the last retry end the row as ``mislukt`` and call the kind's ``on_failed``.
"""

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import BadHeaderError, get_connection
from django.core.mail.message import EmailAlternative
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation

from ketenportal.utils.text import zin

from .constants import FoutSoort, MailStatus
from .models import Mail
from .registry import Skip, kind_of

logger = logging.getLogger("ketenportal.outbox")


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, other: "Report") -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.skipped += other.skipped

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "skipped": self.skipped,
        }


class Failure(Exception):
    def __init__(self, soort: str, detail: str, *, permanent: bool) -> None:
        super().__init__(detail)
        self.soort = soort
        self.detail = detail[:1000]
        self.permanent = permanent


def retry_delays() -> list[int]:
    return [int(d) for d in settings.MAIL_RETRY_DELAYS_SECONDS]


def max_attempts() -> int:
    """The first attempt and one per retry delay."""
    return len(retry_delays()) + 1


def _due(now: datetime) -> Q:
    return Q(status=MailStatus.WACHTEND, volgende_poging_op__lte=now) & (
        Q(geclaimd_tot__isnull=True) | Q(geclaimd_tot__lt=now)
    )


def _claim(now: datetime, *, limit: int, ids: list[int] | None = None) -> list[Mail]:
    token = uuid.uuid4().hex
    with transaction.atomic():
        due = Mail.objects.filter(_due(now))
        if ids is not None:
            due = due.filter(pk__in=ids)
        candidates = list(
            due.select_for_update(skip_locked=True)
            .order_by("volgende_poging_op", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not candidates:
            return []
        Mail.objects.filter(_due(now), pk__in=candidates).update(
            geclaimd_door=token,
            geclaimd_tot=now + timedelta(seconds=settings.MAIL_LEASE_SECONDS),
            pogingen=F("pogingen") + 1,
            updated_at=now,
        )
    return list(Mail.objects.filter(geclaimd_door=token, status=MailStatus.WACHTEND))


def _classify(exc: Exception) -> Failure:
    """Permanent or not, and in which words, by what the mail server (or Django) said."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        codes = [code for code, _msg in replies]
        detail = "; ".join(f"{code} {msg.decode(errors='replace')}" for code, msg in replies)
        return Failure(FoutSoort.GEWEIGERD, detail, permanent=all(c >= 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        message = exc.smtp_error
        if isinstance(message, bytes):
            message = message.decode(errors="replace")
        soort = (
            FoutSoort.GEWEIGERD if isinstance(exc, smtplib.SMTPSenderRefused) else FoutSoort.SERVER
        )
        return Failure(soort, f"{exc.smtp_code} {message}", permanent=exc.smtp_code >= 500)
    if isinstance(exc, BadHeaderError | ValueError | UnicodeError):
        return Failure(FoutSoort.ONGELDIG, str(exc), permanent=True)
    # No connection, a timeout, a server that hung up: try again later.
    return Failure(FoutSoort.ONBEREIKBAAR, str(exc) or exc.__class__.__name__, permanent=False)


def _compose(mail: Mail):
    kind = kind_of(mail.soort)
    with translation.override(mail.taal):
        message = kind.render(mail)
    # Many sentences end right after a name; "De Boer B.V." must not end with "B.V.." (issue 18).
    message.subject = zin(message.subject)
    message.body = zin(message.body)
    message.alternatives = [
        EmailAlternative(zin(content) if isinstance(content, str) else content, mimetype)
        for content, mimetype in getattr(message, "alternatives", [])
    ]
    message.to = [mail.ontvanger]
    message.cc = []
    message.bcc = []
    message.extra_headers = {**message.extra_headers, "Message-ID": mail.message_id}
    return message


def _still_ours(mail: Mail) -> QuerySet[Mail]:
    """The row, as long as this worker's claim on it stands and it is waiting: every change a
    delivering worker makes goes through this, so a row another worker took over is left be."""
    return Mail.objects.filter(
        pk=mail.pk, geclaimd_door=mail.geclaimd_door, status=MailStatus.WACHTEND
    )


def _renew_claim(mail: Mail) -> bool:
    """Extend this worker's lease on the row just before sending it. False when the claim ran
    out and another worker took the row over (or it is no longer waiting): then it is theirs."""
    now = timezone.now()
    return bool(
        _still_ours(mail).update(geclaimd_tot=now + timedelta(seconds=settings.MAIL_LEASE_SECONDS))
    )


def _mark_sent(mail: Mail) -> bool:
    now = timezone.now()
    with transaction.atomic():
        updated = _still_ours(mail).update(
            status=MailStatus.VERZONDEN,
            verzonden_op=now,
            geclaimd_door="",
            geclaimd_tot=None,
            updated_at=now,
        )
        if not updated:
            return False
        mail.status, mail.verzonden_op = MailStatus.VERZONDEN, now
        _hook(mail, "on_sent")
    return True


def _hook(mail: Mail, name: str) -> None:
    """Run the kind's hook in a savepoint: a failing hook is logged and never undoes the mark
    (undoing a "sent" would send the e-mail again)."""
    hook = getattr(kind_of(mail.soort), name, None)
    if hook is None:
        return
    try:
        with transaction.atomic():
            hook(mail)
    except Exception:  # noqa: BLE001 - the delivery state must stand
        logger.exception("outbox: %s of mail %s (%s) failed", name, mail.pk, mail.soort)


def _mark_failed(mail: Mail, failure: Failure) -> str:
    """Schedule the next attempt, or end the row as ``mislukt``. Returns the outcome."""
    now = timezone.now()
    final = failure.permanent or mail.pogingen >= max_attempts()
    fields = {
        "geclaimd_door": "",
        "geclaimd_tot": None,
        "fout_soort": failure.soort,
        "fout": failure.detail,
        "updated_at": now,
    }
    if final:
        fields["status"] = MailStatus.MISLUKT
    else:
        delay = retry_delays()[min(mail.pogingen, len(retry_delays())) - 1]
        fields["volgende_poging_op"] = now + timedelta(seconds=delay)
    with transaction.atomic():
        updated = _still_ours(mail).update(**fields)
        if not updated:
            return "lost"
        for name, value in fields.items():
            setattr(mail, name, value)
        if final:
            _hook(mail, "on_failed")
    logger.warning(
        "outbox: mail %s (%s) attempt %s failed (%s)%s",
        mail.pk,
        mail.soort,
        mail.pogingen,
        failure.soort,
        ", giving up" if final else "",
    )
    return "failed" if final else "retried"


def _mark_skipped(mail: Mail, reason: str) -> None:
    _still_ours(mail).update(
        status=MailStatus.VERVALLEN,
        fout=reason[:1000],
        geclaimd_door="",
        geclaimd_tot=None,
        updated_at=timezone.now(),
    )


def _deliver_batch(mails: list[Mail]) -> Report:
    report = Report()
    connection = get_connection(fail_silently=False)
    try:
        for mail in mails:
            try:
                message = _compose(mail)
            except Skip as skip:
                _mark_skipped(mail, str(skip))
                report.skipped += 1
                continue
            except Exception as exc:  # noqa: BLE001 - a composing error is kept on the row
                logger.exception("outbox: composing mail %s (%s) failed", mail.pk, mail.soort)
                failure = (
                    _classify(exc)
                    if isinstance(exc, BadHeaderError)
                    else Failure(FoutSoort.OPMAAK, str(exc) or repr(exc), permanent=False)
                )
                outcome = _mark_failed(mail, failure)
                report.failed += outcome == "failed"
                report.retried += outcome == "retried"
                continue
            if not _renew_claim(mail):
                logger.info("outbox: mail %s was taken over by another worker", mail.pk)
                continue
            message.connection = connection
            try:
                message.send()
            except Exception as exc:  # noqa: BLE001 - every failure is classified and kept
                connection.close()  # a half-used connection is not reused
                outcome = _mark_failed(mail, _classify(exc))
                report.failed += outcome == "failed"
                report.retried += outcome == "retried"
                continue
            report.sent += _mark_sent(mail)
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a dead connection
            logger.debug("outbox: closing the mail connection failed", exc_info=True)
    return report


def deliver_mails(ids: list[int]) -> Report:
    """Deliver these rows if they are due (after the commit that wrote them)."""
    report = Report()
    mails = _claim(timezone.now(), limit=len(ids), ids=ids)
    if mails:
        report.add(_deliver_batch(mails))
    return report


def deliver_due(*, limit: int | None = None) -> Report:
    """Deliver everything that is due, in batches of ``MAIL_BATCH``; at most ``limit`` rows."""
    report = Report()
    done = 0
    while limit is None or done < limit:
        batch = settings.MAIL_BATCH if limit is None else min(settings.MAIL_BATCH, limit - done)
        mails = _claim(timezone.now(), limit=batch)
        if not mails:
            break
        report.add(_deliver_batch(mails))
        done += len(mails)
    return report


def record_bounce(*, message_id: str, detail: str) -> Mail | None:
    """A mail server returned an e-mail we sent (a delivery status notification): mark it
    ``onbestelbaar`` and tell the people concerned (the kind's ``on_failed``). Once."""
    now = timezone.now()
    with transaction.atomic():
        mail = (
            Mail.objects.select_for_update()
            .filter(message_id=message_id.strip(), status=MailStatus.VERZONDEN)
            .first()
        )
        if mail is None:
            return None
        mail.status = MailStatus.ONBESTELBAAR
        mail.fout_soort = FoutSoort.BOUNCE
        mail.fout = detail[:1000]
        mail.updated_at = now
        mail.save(update_fields=["status", "fout_soort", "fout", "updated_at"])
        _hook(mail, "on_failed")
    logger.warning("outbox: mail %s (%s) bounced", mail.pk, mail.soort)
    return mail
