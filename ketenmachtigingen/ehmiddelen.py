"""EH-middelen as seen from the top of the house: the expiry notice and the to-do line.

``accounts`` owns the means (``accounts.models.EHMiddel``) but may not use the berichtenbox, so
telling beheerders lives here, beside the other sweeps:

* ``sweep_ehmiddelen_verlopend``: two months (``MIDDEL_VERLOOP_MAANDEN``) before a means ends, a
  message in the organisation's berichtenbox, once per means per term (``verloopmelding_voor``
  holds the end date it was sent for, and the message's unique key repeats it). The beheerders
  are e-mailed that a message waits, with the other sweeps' messages (``run_sweeps``).
* ``taak_verlopend``: the line "n EH means expire within 2 months" of the home page's to-do list.
"""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.constants import MiddelStatus
from accounts.ehmiddelen.selectors import verloop_horizon, verlopend
from accounts.models import EHMiddel, Organisatie
from berichtenbox.constants import Soort
from berichtenbox.models import Bericht
from berichtenbox.services import berichten_create
from berichtenbox.teksten import datum, register

SJABLOON = "accounts.ehmiddel_verloopt"
CHUNK = 1000


def register_texts() -> None:
    register(
        SJABLOON,
        onderwerp=gettext_noop("The EH means of %(houder)s expires on %(geldig_tot)s"),
        tekst=gettext_noop(
            "The eHerkenning means (%(niveau)s) of %(houder)s is valid until %(geldig_tot)s. "
            "After that date %(houder)s can no longer log in with it. Request a new means in "
            "time on the page EH means."
        ),
        prepare=lambda params: {"geldig_tot": datum(params.get("geldig_tot"))},
    )


def _condition(today: date) -> Q:
    return Q(
        status=MiddelStatus.ACTIEF,
        geldig_tot__gte=today,
        geldig_tot__lte=verloop_horizon(today),
    ) & (Q(verloopmelding_voor__isnull=True) | ~Q(verloopmelding_voor=F("geldig_tot")))


def sweep_ehmiddelen_verlopend(today: date, told: set | None = None) -> int:
    """A message two months before a means ends; each chunk claims its rows (SKIP LOCKED) and
    marks them in the transaction that writes the messages, so running twice, or twice at once,
    tells once. Returns the number of means told about."""
    content_type = ContentType.objects.get_for_model(EHMiddel)
    total = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            ids = list(
                EHMiddel.objects.filter(_condition(today))
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHUNK]
            )
            if not ids:
                break
            middelen = list(EHMiddel.objects.filter(pk__in=ids).select_related("houder"))
            EHMiddel.objects.filter(pk__in=ids).update(verloopmelding_voor=F("geldig_tot"))
            organisaties = berichten_create(
                [
                    Bericht(
                        organisatie_id=m.organisatie_id,
                        soort=Soort.EH_MIDDEL,
                        sjabloon=SJABLOON,
                        params={
                            "houder": str(m.houder),
                            "niveau": m.get_niveau_display(),
                            "geldig_tot": m.geldig_tot.isoformat(),
                        },
                        link=reverse("accounts:ehmiddel", args=[m.pk]),
                        betreft_type=content_type,
                        betreft_id=m.pk,
                        sleutel=f"ehmiddel_verloopt:{m.pk}:{m.geldig_tot.isoformat()}",
                        created_at=now,
                    )
                    for m in middelen
                ]
            )
            total += len(middelen)
        if told is not None:
            told |= organisaties
    return total


def taak_verlopend(*, organisatie: Organisatie, today: date) -> tuple[int, int | None, str]:
    """(how many of the organisation's means expire within 2 months, days to the first, link)."""
    aantal, eerst = verlopend(organisatie=organisatie, today=today)
    dagen = (eerst - today).days if eerst else None
    return aantal, dagen, f"{reverse('accounts:ehmiddelen')}?verloopt=on"
