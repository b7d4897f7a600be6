"""Who is told what when a subscription changes: the notification map of subscriptions (the
ketenmachtigingen have theirs in ``ketenmachtigingen.notifications``).

    Event                 berichtenbox of (Subscription change)   e-mail to
    --------------------  --------------------------------------  -----------------------------
    TOEGANG_AANGEVRAAGD   the organisation                         the back office (staff), and
                                                                   the organisation's beheerders
    OFFERTE_VERSTUURD     the organisation                         its beheerders
    OFFERTE_ONTVANGEN     the organisation                         its beheerders
    GEACTIVEERD           the organisation                         its beheerders
    BEEINDIGD             the organisation                         its beheerders

The beheerders' e-mail is the berichtenbox's "a message is waiting" (every beheerder, also one
below EH3: subscription messages are general, ``berichtenbox.constants.ALGEMEEN``), in their
own language. The back office gets ``abonnementen.toegang_aangevraagd`` (``emails``) at every
active staff member's address, or at ``PLATFORM_SUPPORT_EMAIL`` when no staff member has one.
Services call ``notify`` inside the transaction of the change.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from berichtenbox.constants import Soort
from berichtenbox.services import bericht_create
from outbox.services import Envelope, mail_queue

from .models import Abonnement

MAIL_BACKOFFICE = "abonnementen.toegang_aangevraagd"


class Event(StrEnum):
    TOEGANG_AANGEVRAAGD = "toegang_aangevraagd"
    OFFERTE_VERSTUURD = "offerte_verstuurd"
    OFFERTE_ONTVANGEN = "offerte_ontvangen"
    GEACTIVEERD = "geactiveerd"
    BEEINDIGD = "beeindigd"


@dataclass(frozen=True)
class Regel:
    bericht: bool = True  # a message (and so the beheerders' e-mail)
    backoffice_mail: str | None = None  # an outbox kind, to the back office


MAP: dict[Event, Regel] = {
    Event.TOEGANG_AANGEVRAAGD: Regel(backoffice_mail=MAIL_BACKOFFICE),
    Event.OFFERTE_VERSTUURD: Regel(),
    Event.OFFERTE_ONTVANGEN: Regel(),
    Event.GEACTIVEERD: Regel(),
    Event.BEEINDIGD: Regel(),
}


def _iso(value) -> str:
    return value.isoformat() if value else ""


def params_of(abonnement: Abonnement, **extra) -> dict:
    door = abonnement.toegang_aangevraagd_door
    return {
        "abonnement": abonnement.pk,
        "module": abonnement.module,
        "organisatie": abonnement.organisatie.naam,
        "kvk": abonnement.organisatie.kvk_nummer,
        "door": door.get_full_name() if door else "",
        "aangevraagd_op": _iso(abonnement.toegang_aangevraagd_op),
        "offerte_verstuurd_op": _iso(abonnement.offerte_verstuurd_op),
        "offerte_ontvangen_op": _iso(abonnement.offerte_ontvangen_op),
        "van": _iso(abonnement.actief_van),
        "tot": _iso(abonnement.actief_tot),
        "beeindigd_op": _iso(abonnement.beeindigd_op),
        **extra,
    }


def backoffice_recipients() -> list[tuple[str, str]]:
    """(address, language) of everyone in the back office."""
    staff = list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", "taal")
    )
    return staff or [(settings.PLATFORM_SUPPORT_EMAIL, settings.LANGUAGE_CODE)]


def notify(event: Event, abonnement: Abonnement, **extra) -> None:
    regel = MAP[event]
    params = params_of(abonnement, **extra)
    if regel.bericht:
        bericht_create(
            organisatie=abonnement.organisatie,
            soort=Soort.WIJZIGING_ABONNEMENT,
            sjabloon=f"abonnementen.{event.value}",
            params=params,
            link=reverse("abonnementen:toegang"),
            betreft=abonnement,
        )
    if regel.backoffice_mail:
        for adres, taal in backoffice_recipients():
            mail_queue(
                Envelope(
                    soort=regel.backoffice_mail,
                    ontvanger=adres,
                    taal=taal,
                    params=params,
                    betreft=abonnement,
                )
            )
