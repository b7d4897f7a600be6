"""The states of an e-mail in the outbox, and why one could not be delivered."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailStatus(models.TextChoices):
    WACHTEND = "wachtend", _("Being sent")
    VERZONDEN = "verzonden", _("Sent")
    MISLUKT = "mislukt", _("Not sent")
    ONBESTELBAAR = "onbestelbaar", _("Bounced")
    VERVALLEN = "vervallen", _("Not needed any more")


#: The states in which nothing will happen to the e-mail any more.
DONE = (MailStatus.VERZONDEN, MailStatus.MISLUKT, MailStatus.ONBESTELBAAR, MailStatus.VERVALLEN)
#: The states that mean the recipient did not get it.
UNDELIVERED = (MailStatus.MISLUKT, MailStatus.ONBESTELBAAR)


class FoutSoort(models.TextChoices):
    """Why the last attempt failed, in words a beheerder can act on."""

    GEWEIGERD = "geweigerd", _("The mail server refused the address")
    SERVER = "server", _("The mail server refused the e-mail")
    ONBEREIKBAAR = "onbereikbaar", _("The mail server could not be reached")
    ONGELDIG = "ongeldig", _("The address or a header of the e-mail is not valid")
    OPMAAK = "opmaak", _("The e-mail could not be composed")
    BOUNCE = "bounce", _("The e-mail was returned as undeliverable")
