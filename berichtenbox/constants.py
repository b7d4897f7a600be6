"""Kinds of messages in the berichtenbox (the filter of the berichtenbox page)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Soort(models.TextChoices):
    VERLENGING = "verlenging", _("Renewal")
    VERLOPEN = "verlopen", _("Expired")
    VERVALLEN_AANVRAAG = "vervallen_aanvraag", _("Lapsed request")
    WIJZIGING_ABONNEMENT = "wijziging_abonnement", _("Subscription change")
    NIEUWE_AFGEGEVEN = "nieuwe_afgegeven", _("New granted ketenmachtiging")
    STATUS = "status", _("Status change")
    MAIL = "mail", _("E-mail not delivered")
    IMPORT = "import", _("Import")
    EH_MIDDEL = "eh_middel", _("EH means")


#: Kinds that are not about ketenmachtigingen: what a beheerder below EH3 may read (the
#: ketenmachtiging functions, and the messages about them, are for EH3).
ALGEMEEN = (Soort.WIJZIGING_ABONNEMENT, Soort.EH_MIDDEL)
