"""Statuses, their allowed transitions, and the other choices of a ketenmachtiging.

The statuses are those of the Z login manual's glossary. A ketenmachtiging that the beheerder
ends on a future date stays ``ACTIEF`` with ``einde_gepland_op`` set until that date.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    VERSTUURD = "aanvraag_verstuurd", _("Request sent")
    ONTVANGEN = "aanvraag_ontvangen", _("Request received")
    INCOMPLEET = "incompleet", _("Incomplete")
    FOUT = "fout", _("Error")
    ACTIEF = "actief", _("Active")
    VERLOPEN = "verlopen", _("Expired")
    BEEINDIGD = "beeindigd", _("Ended")
    VERVALLEN = "vervallen", _("Lapsed")
    # The relatie declined the request (online, or its beheerder on this platform).
    AFGEWEZEN = "afgewezen", _("Declined")


class Kanaal(models.TextChoices):
    """How the relatie answered the invitation (the Wachtend tab shows it)."""

    POST = "post", _("By post")
    DIGITAAL = "digitaal", _("Online (uploaded form)")
    PLATFORM = "platform", _("Approved on this platform")


#: Waiting for the signed form ("Wachtend op afhandeling").
PENDING = (Status.VERSTUURD, Status.ONTVANGEN, Status.INCOMPLEET, Status.FOUT)
#: Statuses from which nothing follows.
FINAL = (Status.VERLOPEN, Status.BEEINDIGD, Status.VERVALLEN, Status.AFGEWEZEN)
#: Effective statuses from which "Vraag opnieuw aan" starts a new request: the final ones, and
#: a failed one (the new request withdraws it when it is sent).
REQUEST_AGAIN = (*FINAL, Status.FOUT)

ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    # The back office may approve a form at once; the beheerder may withdraw a request.
    Status.VERSTUURD: {
        Status.ONTVANGEN,
        Status.INCOMPLEET,
        Status.FOUT,
        Status.ACTIEF,
        Status.BEEINDIGD,
        Status.VERVALLEN,
        Status.AFGEWEZEN,
    },
    Status.ONTVANGEN: {
        Status.INCOMPLEET,
        Status.FOUT,
        Status.ACTIEF,
        Status.BEEINDIGD,
        Status.AFGEWEZEN,
    },
    Status.INCOMPLEET: {
        Status.ONTVANGEN,
        Status.FOUT,
        Status.ACTIEF,
        Status.BEEINDIGD,
        Status.VERVALLEN,
        Status.AFGEWEZEN,
    },
    # After an error the invitation can be sent again, or the request withdrawn; an error set
    # by mistake is corrected back to the status it came from (the back office's "herstel").
    Status.FOUT: {
        Status.VERSTUURD,
        Status.ONTVANGEN,
        Status.INCOMPLEET,
        Status.BEEINDIGD,
        Status.VERVALLEN,
    },
    Status.ACTIEF: {Status.VERLOPEN, Status.BEEINDIGD},
    Status.VERLOPEN: set(),
    Status.BEEINDIGD: set(),
    Status.VERVALLEN: set(),
    Status.AFGEWEZEN: set(),
}


class Bron(models.TextChoices):
    """How a ketenmachtiging came to be."""

    AANGEVRAAGD = "aangevraagd", _("Requested from the relation")
    GEREGISTREERD = "geregistreerd", _("Registered as already approved")
    AFGEGEVEN = "afgegeven", _("Granted by the relation on this platform")


class Tab(models.TextChoices):
    """The tabs of the overview. Actief, Wachtend, Verlopen and Historie divide every
    ketenmachtiging between them by its effective status: active; pending; expired (they stay
    in Verlopen, where the manual says to request them again); ended, withdrawn or lapsed
    (Historie). Acties is the part of Actief that is due for renewal."""

    ACTIEF = "actief", _("Active")
    WACHTEND = "wachtend", _("Waiting to be processed")
    ACTIES = "acties", _("Actions")
    VERLOPEN = "verlopen", _("Expired")
    HISTORIE = "historie", _("History")


class Sort(models.TextChoices):
    """The columns the overview sorts by (``?sort=kvk``, ``?sort=-kvk`` for descending)."""

    RELATIE = "relatie", _("Relation")
    KVK = "kvk", _("KvK number")
    EINDDATUM = "einddatum", _("End date")
    STATUSDATUM = "statusdatum", _("Status date")
    REFERENTIE = "referentie", _("Your reference")


#: The column of each sort. The status date is ``updated_at``: every status change sets it (in
#: ``transition_to``), and unlike the latest StatusWijziging it is a column an index can order.
SORT_FIELDS = {
    Sort.RELATIE: "relatie_naam",
    Sort.KVK: "relatie_kvk_nummer",
    Sort.EINDDATUM: "einddatum",
    Sort.STATUSDATUM: "updated_at",
    Sort.REFERENTIE: "referentie",
}


class Verlenging(models.TextChoices):
    """The filter "renewal requested": yes or no."""

    JA = "ja", _("Yes")
    NEE = "nee", _("No")


#: Page sizes the overview offers (``?per_pagina=``); 50 when none is chosen.
PAGE_SIZES = (25, 50, 100, 250)
DEFAULT_PAGE_SIZE = 50


#: The tabs that divide all ketenmachtigingen between them (every one is in exactly one).
PARTITION_TABS = (Tab.ACTIEF, Tab.WACHTEND, Tab.VERLOPEN, Tab.HISTORIE)


LOOPTIJD_CHOICES = [
    (5, _("5 years (most chosen)")),
    (4, _("4 years")),
    (3, _("3 years")),
    (2, _("2 years")),
    (1, _("1 year")),
]
DEFAULT_LOOPTIJD = 5
#: An invitation is valid this many months; a form arriving later cannot be processed.
UITNODIGING_GELDIG_MAANDEN = 3
#: Renewal is offered (tab Acties) this many months before the end date.
VERLENGING_MAANDEN = 3
#: This platform's own name in the list of suppliers (for ketenmachtigingen it processed itself).
EIGEN_LEVERANCIER = "Ketenportal"


class ImportStatus(models.TextChoices):
    GELADEN = "geladen", _("Uploaded")
    LEZEN = "lezen", _("Reading the file")
    GELEZEN = "gelezen", _("Ready to check")
    VERWERKEN = "verwerken", _("Sending the requests")
    KLAAR = "klaar", _("Done")
    MISLUKT = "mislukt", _("Could not be read")
