"""E-mails that tell a person about a change to how they log in.

A new password, a new second factor, new backup codes or a new e-mail address is mailed to the
person, so that someone who did not make it notices and warns their beheerder. A new e-mail
address is told to the old address too: the person who lost control of the account still reads
that one. The e-mails go through the outbox, written in the transaction of the change and
composed in the person's language when they are delivered (``accounts.emails``).
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from outbox.services import Envelope, mails_queue

PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
SECOND_FACTOR_ADDED = "second_factor_added"
BACKUP_CODES_REGENERATED = "backup_codes_regenerated"
EMAIL_CHANGED = "email_changed"
PASSKEY_ADDED = "passkey_added"
PASSKEY_REMOVED = "passkey_removed"

#: The outbox kind of these e-mails.
MAIL_SOORT = "accounts.beveiliging"

#: Per change: the subject and the sentence that says what happened.
CHANGES = {
    PASSWORD_CHANGED: (
        gettext_lazy("%(platform)s: the password of your account was changed"),
        gettext_lazy("The password of your account %(username)s was changed in Mijn profiel."),
    ),
    PASSWORD_RESET: (
        gettext_lazy("%(platform)s: a new password was set for your account"),
        gettext_lazy(
            "A new password was set for your account %(username)s with a link from the e-mail "
            "“Set a new password”."
        ),
    ),
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
    PASSKEY_ADDED: (
        gettext_lazy("%(platform)s: a passkey was added to your account"),
        gettext_lazy(
            "A passkey was added to your account %(username)s. It can now be used as the second "
            "factor when you log in."
        ),
    ),
    PASSKEY_REMOVED: (
        gettext_lazy("%(platform)s: a passkey was removed from your account"),
        gettext_lazy("A passkey was removed from your account %(username)s."),
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
    Call inside the transaction of the change: the e-mail exists if and only if the change
    does."""
    if change not in CHANGES:
        raise ValueError(f"unknown security change {change!r}")
    recipients = list(dict.fromkeys(e for e in (old_email, user.email) if e))
    when = timezone.localtime().isoformat()
    mails_queue(
        Envelope(
            soort=MAIL_SOORT,
            ontvanger=recipient,
            taal=user.taal,
            params={
                "user": user.pk,
                "change": change,
                "old_email": old_email or "",
                "new_email": user.email,
                "when": when,
            },
            betreft=user,
        )
        for recipient in recipients
    )
