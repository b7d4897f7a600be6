"""Reading a bounce: a delivery status notification (RFC 3464) that a mail server sends back
when an e-mail we sent could not be delivered after all.

The outbox gives every e-mail its own Message-ID; a bounce carries the headers of the returned
e-mail (``text/rfc822-headers`` or ``message/rfc822``), so the Message-ID finds the row. Only a
report whose action is ``failed`` counts (``delayed`` and ``delivered`` reports are ignored).
"""

import email
import re
from dataclasses import dataclass
from email import policy
from email.message import Message

_MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>\s]+>)", re.I | re.M)


@dataclass(frozen=True)
class Bounce:
    message_id: str
    detail: str


def _headers_of_returned(message: Message) -> str:
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "text/rfc822-headers":
            payload = part.get_payload(decode=True) or b""
            return payload.decode(errors="replace")
        if content_type == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner:
                return "".join(f"{k}: {v}\n" for k, v in inner[0].items())
    return ""


def _status_fields(message: Message) -> list[dict[str, str]]:
    """The per-recipient groups of the ``message/delivery-status`` part."""
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            groups = part.get_payload()
            if isinstance(groups, list):
                return [{k.lower(): str(v) for k, v in g.items()} for g in groups]
    return []


def parse_bounce(raw: bytes) -> Bounce | None:
    """The bounce in ``raw`` (a whole e-mail), or None when it is not a failure report."""
    message = email.message_from_bytes(raw, policy=policy.compat32)
    fields = _status_fields(message)
    failed = [f for f in fields if f.get("action", "").strip().lower() == "failed"]
    if not failed:
        return None
    match = _MESSAGE_ID.search(_headers_of_returned(message))
    if not match:
        return None
    recipient = failed[0]
    detail = " ".join(
        part
        for part in (
            recipient.get("status", "").strip(),
            recipient.get("diagnostic-code", "").strip(),
        )
        if part
    )
    return Bounce(message_id=match.group(1), detail=detail or "failed")
