"""A limit on e-mails that people send by hand (send again, pass on the details, …).

The same sending action repeated many times a second must not turn the portal into a mail
cannon: at most ``MAIL_THROTTLE_PER_USER`` e-mails per person, ``MAIL_THROTTLE_PER_RECIPIENT``
per address and ``MAIL_THROTTLE_PER_ORGANISATIE`` per organisation in a window of
``MAIL_THROTTLE_WINDOW_SECONDS``. Counted in the cache (Redis in production, so shared by every
process). Work the portal does by itself (sweeps, a bulk renewal of hundreds) is not limited
here: it is one action, and its e-mails are each needed once.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from ketenportal.exceptions import DomainError


class MailThrottled(DomainError):
    pass


def within_limit(dimension: str, value: str, limit: int, window: int) -> bool:
    """Count one event for ``value`` in its ``dimension`` in the current window; False once
    more than ``limit`` were counted (shared by every limit that counts in the cache)."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:24]
    key = f"mail-throttle:{dimension}:{digest}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    return count <= limit


def mail_throttle(
    *, user_id: int | None = None, organisatie_id: int | None = None, ontvanger: str = ""
) -> None:
    """Count one hand-sent e-mail; raise ``MailThrottled`` (with a message for the person)
    when it is one too many."""
    window = max(1, settings.MAIL_THROTTLE_WINDOW_SECONDS)
    if user_id and not within_limit("user", str(user_id), settings.MAIL_THROTTLE_PER_USER, window):
        raise MailThrottled(
            _("You are sending e-mails faster than allowed. Wait a minute, then try again."),
            code="throttled_user",
        )
    if ontvanger and not within_limit(
        "ontvanger", ontvanger.strip().lower(), settings.MAIL_THROTTLE_PER_RECIPIENT, window
    ):
        raise MailThrottled(
            _(
                "An e-mail was sent to %(email)s several times just now. Wait a few minutes "
                "before you send it again."
            )
            % {"email": ontvanger},
            code="throttled_recipient",
        )
    if organisatie_id and not within_limit(
        "organisatie", str(organisatie_id), settings.MAIL_THROTTLE_PER_ORGANISATIE, window
    ):
        raise MailThrottled(
            _(
                "Your organisation is sending e-mails faster than allowed. Wait a minute, then "
                "try again."
            ),
            code="throttled_organisatie",
        )


def anonymous_mail_throttle(ip: str | None) -> None:
    """Count one e-mail asked for by someone not logged in (password reset, username reminder)
    from address ``ip``; raise ``MailThrottled`` when it is one too many. The message is the
    same whether or not an account exists."""
    window = max(1, settings.MAIL_THROTTLE_WINDOW_SECONDS)
    if ip and not within_limit("ip", ip, settings.MAIL_THROTTLE_PER_IP, window):
        raise MailThrottled(
            _("Too many requests from your address just now. Wait a minute, then try again."),
            code="throttled_ip",
        )
