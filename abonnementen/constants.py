"""Modules one can subscribe to, and the states of a subscription."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Module(models.TextChoices):
    """A part of the beheermodule that needs a subscription of its own (room for more)."""

    KETENMACHTIGINGEN = "ketenmachtigingen", _("Ketenmachtigingen")


class AbonnementStatus(models.TextChoices):
    NIEUW = "nieuw", _("New")
    AANGEVRAAGD = "aangevraagd", _("Access requested")
    OFFERTE_VERSTUURD = "offerte_verstuurd", _("Quote sent")
    OFFERTE_ONTVANGEN = "offerte_ontvangen", _("Signed quote received")
    ACTIEF = "actief", _("Active")
    BEEINDIGD = "beeindigd", _("Ended")


S = AbonnementStatus
#: Before the module is on: a request, a quote on its way or back.
OPEN = (S.NIEUW, S.AANGEVRAAGD, S.OFFERTE_VERSTUURD, S.OFFERTE_ONTVANGEN)
#: From which (effective) status each back-office action may be taken.
ALLOWED: dict[str, tuple[str, ...]] = {
    S.OFFERTE_VERSTUURD: (S.NIEUW, S.AANGEVRAAGD, S.BEEINDIGD),
    S.OFFERTE_ONTVANGEN: (S.NIEUW, S.AANGEVRAAGD, S.OFFERTE_VERSTUURD, S.BEEINDIGD),
    S.ACTIEF: (*OPEN, S.BEEINDIGD),
    S.BEEINDIGD: (*OPEN, S.ACTIEF),
}
#: The organisation may ask for access when it has nothing, or nothing running.
MAY_REQUEST = (S.NIEUW, S.BEEINDIGD)
