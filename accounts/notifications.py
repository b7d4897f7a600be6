"""E-mails that tell a person about a change to how they log in.

A change of the second factor, the backup codes or the e-mail address is mailed to the person,
so that someone who did not make it notices and warns their beheerder. A new e-mail address is
told to the old address too: the person who lost control of the account still reads that one.

Self-contained on purpose: the one function here can later hand its message to an outbox
instead of sending it.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

SECOND_FACTOR_ADDED = "second_factor_added"
BACKUP_CODES_REGENERATED = "backup_codes_regenerated"
EMAIL_CHANGED = "email_changed"

#: Per change: the subject and the sentence that says what happened.
CHANGES = {
    SECOND_FACTOR_ADDED: (
        gettext_lazy("%(platform)s: a second factor was added to your account"),
        gettext_lazy(
            "A second factor (an authenticator app or a phone number for text messages) was "
            "added to your account %(username)s."
        ),
    ),
    BACKUP_CODES_REGENERATED: (
        gettext_lazy("%(platform)s: new backup codes were made for your account"),
        gettext_lazy(
            "New backup codes were made for your account %(username)s. The backup codes you had "
            "before no longer work."
        ),
    ),
    EMAIL_CHANGED: (
        gettext_lazy("%(platform)s: the e-mail address of your account was changed"),
        gettext_lazy(
            "The e-mail address of your account %(username)s was changed from %(old_email)s to "
            "%(new_email)s."
        ),
    ),
}


def security_change_mail(user, change: str, *, old_email: str | None = None) -> None:
    """Mail ``user`` (and, for a new e-mail address, the old address) that ``change`` happened.

    Sent after the surrounding transaction commits, in the person's language; a failure to send
    is logged and does not undo the change.
    """
    if change not in CHANGES:
        raise ValueError(f"unknown security change {change!r}")
    recipients = list(dict.fromkeys(e for e in (old_email, user.email) if e))
    if not recipients:
        return
    facts = {
        "platform": settings.PLATFORM_NAME,
        "username": user.get_username(),
        "old_email": old_email or "",
        "new_email": user.email,
    }
    name = user.get_full_name() or user.get_username()
    language = user.taal
    when = timezone.localtime()
    user_id = user.pk

    def send() -> None:
        try:
            with translation.override(language):
                subject, sentence = CHANGES[change]
                context = {
                    "name": name,
                    "what": str(sentence) % facts,
                    "when": when,
                    "platform": settings.PLATFORM_NAME,
                    "profiel_url": settings.SITE_URL + reverse("accounts:profiel"),
                }
                message = EmailMultiAlternatives(
                    subject=str(subject) % facts,
                    body=render_to_string("emails/security_change.txt", context),
                    to=recipients,
                )
                message.attach_alternative(
                    render_to_string("emails/security_change.html", context), "text/html"
                )
            message.send()
        except Exception:  # noqa: BLE001 - the change is made; the mail is a warning
            logger.exception("security change mail (%s) to user %s failed", change, user_id)

    transaction.on_commit(send)
