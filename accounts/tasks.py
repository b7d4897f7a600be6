"""Tasks of the accounts: the recovery e-mails, looked up away from the request.

"Wachtwoord vergeten" and "Gebruikersnaam vergeten" must not tell, by what they do or how long
they take, whether an account exists. The request therefore only dispatches this task with what
was typed, the same for every value; the task looks the account up and puts the e-mail in the
outbox, or does nothing. Each address gets at most ``MAIL_THROTTLE_PER_RECIPIENT`` such e-mails
per window, silently: the person asking is never told more than "if an account exists …".
"""

import logging

from celery import shared_task
from django.db import transaction
from django.db.models import Q

logger = logging.getLogger(__name__)


def _within_limit(email: str) -> bool:
    from outbox.throttle import MailThrottled, mail_throttle

    try:
        mail_throttle(ontvanger=email)
    except MailThrottled:
        logger.warning("recovery e-mail to one address limited")
        return False
    return True


@shared_task(acks_late=True)
def send_password_reset(value: str) -> int:
    """Mail a reset link to every active account whose username or e-mail address is
    ``value`` (and that has a password). Returns how many e-mails were queued."""
    from outbox.services import Envelope, mails_queue

    from .emails import PASSWORD_RESET
    from .models import User

    value = (value or "").strip()
    if not value:
        return 0
    users = [
        u
        for u in User.objects.filter(
            Q(username__iexact=value) | Q(email__iexact=value), is_active=True
        ).exclude(email="")
        if u.has_usable_password() and _within_limit(u.email)
    ]
    with transaction.atomic():
        queued = mails_queue(
            Envelope(
                soort=PASSWORD_RESET,
                ontvanger=u.email,
                taal=u.taal,
                params={"user": u.pk},
                betreft=u,
            )
            for u in users
        )
    return len(queued)


@shared_task(acks_late=True)
def send_usernames(email: str) -> int:
    """Mail the usernames registered on ``email``, if there are any."""
    from outbox.services import Envelope, mails_queue

    from .emails import USERNAMES
    from .models import User

    users = list(User.objects.filter(email__iexact=(email or "").strip(), is_active=True))
    if not users or not _within_limit(users[0].email):
        return 0
    with transaction.atomic():
        queued = mails_queue(
            [Envelope(soort=USERNAMES, ontvanger=users[0].email, taal=users[0].taal)]
        )
    return len(queued)


@shared_task(acks_late=True)
def prune_task() -> dict[str, int]:
    """Beat runs this once a day: expired sessions, old login history, SMS records (jobs.py)."""
    from .jobs import prune

    return prune()
