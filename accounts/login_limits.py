"""Limits on guessing passwords, beside django-axes' lock per username.

* django-axes locks a username after ``AXES_FAILURE_LIMIT`` failures, from any address and any
  browser (``AXES_LOCKOUT_PARAMETERS``), for ``AXES_COOLOFF_HOURS``.
* Password spraying (one address trying one password on many usernames) stays under that limit
  per username, so one address is also limited over all usernames:
  ``LOGIN_IP_FAILURE_LIMIT`` wrong passwords within the same cool-off time. Counted from the
  login history (``LoginEvent``), which every process shares.
* The last attempt before a lock gets a warning on the form (``warning_before_lock``).
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import ngettext

from .constants import LoginResult
from .middleware import client_ip
from .models import LoginEvent


def cooloff() -> timedelta:
    return timedelta(hours=float(settings.AXES_COOLOFF_TIME or 0.5))


def address_is_spraying(request) -> bool:
    """Whether the request's address had too many wrong passwords (or refused certificates),
    over all usernames."""
    ip = client_ip(request)
    if not ip:
        return False
    recent = LoginEvent.objects.filter(
        ip_address=ip,
        result__in=[LoginResult.WRONG_PASSWORD, LoginResult.WRONG_CERTIFICATE],
        timestamp__gte=timezone.now() - cooloff(),
    )
    limit = settings.LOGIN_IP_FAILURE_LIMIT
    return recent[: limit + 1].count() >= limit


def warning_before_lock(request) -> str:
    """A warning for the attempt after which the next failure locks the account, or ""."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return ""
    left = settings.AXES_FAILURE_LIMIT - failures
    if left != 1:
        return ""
    minutes = int(cooloff().total_seconds() // 60)
    return ngettext(
        "Careful: one more wrong attempt blocks this account for %(minutes)s minute.",
        "Careful: one more wrong attempt blocks this account for %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}
