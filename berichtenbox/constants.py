"""Kinds of messages in the berichtenbox."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Soort(models.TextChoices):
    VERLENGING = "verlenging", _("Renewal")
    VERLOPEN = "verlopen", _("Expired")
    VERVALLEN_AANVRAAG = "vervallen_aanvraag", _("Lapsed request")
    WIJZIGING_ABONNEMENT = "wijziging_abonnement", _("Subscription change")
    NIEUWE_AFGEGEVEN = "nieuwe_afgegeven", _("New granted ketenmachtiging")
    STATUS = "status", _("Status change")
