"""Words of the webhook outbox: why a try failed, why an endpoint is disabled.

A delivery and an attempt keep their error as ``"<code>: <detail>"``: the code is one of
``Fout`` (shown translated in the delivery log), the detail is the technical message of the
try (an HTTP status line, "Connection refused", an address), shown as it is. An endpoint's
``uitgeschakeld_reden`` is a code of ``Reden`` too, so the reason reads in the reader's language.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

#: The identifier of the portal in every request (``User-Agent``).
USER_AGENT = "Ketenportal-Webhooks/1"
#: Characters of the receiver's answer kept in the delivery log.
ANSWER_PREFIX = 500
#: Delivery rows per task dispatched after a commit.
TASK_BATCH = 20


class Fout(StrEnum):
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    TLS = "tls"
    REDIRECT = "redirect"
    STATUS = "status"
    ADDRESS = "address"
    DISABLED = "disabled"
    OTHER = "error"


FOUT_LABELS = {
    Fout.TIMEOUT: _("No answer in time"),
    Fout.CONNECTION: _("Could not connect"),
    Fout.TLS: _("Secure connection failed"),
    Fout.REDIRECT: _("Redirect not followed"),
    Fout.STATUS: _("Error answer"),
    Fout.ADDRESS: _("Address refused"),
    Fout.DISABLED: _("Endpoint disabled"),
    Fout.OTHER: _("Delivery failed"),
}


def fout(code: Fout, detail: str) -> str:
    """The stored form of an error (at most 300 characters, the column's length)."""
    return f"{code.value}: {detail}"[:300]


def fout_parts(value: str) -> tuple[str, str]:
    """(translated label, technical detail) of a stored error; ("", "") for none."""
    if not value:
        return "", ""
    code, _sep, detail = value.partition(": ")
    try:
        return str(FOUT_LABELS[Fout(code)]), detail
    except ValueError:
        return str(FOUT_LABELS[Fout.OTHER]), value


class Reden(StrEnum):
    """Why an endpoint is disabled (``WebhookEndpoint.uitgeschakeld_reden``)."""

    HANDMATIG = "handmatig"
    FOUTEN = "fouten"


def reden_text(value: str) -> str:
    """The reason an endpoint is disabled, in the active language. ``fouten:<n>``: disabled
    automatically after n failed attempts in a row."""
    code, _sep, number = (value or "").partition(":")
    if code == Reden.FOUTEN:
        n = int(number) if number.isdigit() else 0
        return ngettext(
            "Disabled automatically after %(n)s failed attempt in a row.",
            "Disabled automatically after %(n)s failed attempts in a row.",
            n,
        ) % {"n": n}
    if code == Reden.HANDMATIG:
        return str(_("Disabled by a beheerder."))
    return value
