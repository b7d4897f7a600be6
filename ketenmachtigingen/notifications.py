"""Who is told what: the notification map of the ketenmachtiging lifecycle.

Services emit an ``Event`` (``notify`` for one ketenmachtiging inside the transaction of the
change, ``notify_rows`` for a sweep's chunk); this module alone decides who gets a message in
their berichtenbox and who gets an e-mail. Messages store their kind and plain values and are
rendered in the reader's language (``berichten``); e-mails go through the outbox and are
composed in the recipient's language when delivered (``emails``). Unique keys make every notice
single, however often a sweep runs.

    Event                      berichtenbox of            e-mail (outbox kind) to
    -------------------------  -------------------------  ---------------------------------------
    AANGEVRAAGD                relatie (Status)           relatie's contact: uitnodiging
    UITNODIGING_OPNIEUW        –                          relatie's contact: uitnodiging_opnieuw
    HERINNERING                –                          relatie's contact: herinnering
    UITNODIGING_VERLOOPT       intermediair (Status)      –
    ONTVANGEN                  intermediair (Status)      –
    INCOMPLEET                 intermediair (Status)      relatie's contact: incompleet
    FOUT                       intermediair (Status)      –
    CORRECTIE                  intermediair (Status)      –   (a mistaken Fout undone)
    AFGEWEZEN                  intermediair (Status)      –   (the relatie declined, with reason)
    GOEDGEKEURD                intermediair, relatie      relatie's contact: goedgekeurd
    INGETROKKEN                –                          –
    BEEINDIGD                  relatie (Status)           –
    BEEINDIGD_DOOR_RELATIE     intermediair (Status)      –
    EINDE_BEREIKT              intermediair (Status)      –
    VERLOPEN                   intermediair (Verlopen)    –
    VERVALLEN                  intermediair (Vervallen)   –
    VERLENGING_NODIG           intermediair (Verlenging)  –
    VERLOOPT_BINNENKORT        –                          –   (30 days to the end: webhooks)
    AFGEGEVEN                  intermediair (Nieuw)       –
    IMPORT_KLAAR               intermediair (Import)      –
    MAIL_NIET_BEZORGD          sender's organisation      –   (the e-mail's kind says whose)

"intermediair" and "relatie" mean the beheerders of that organisation on this platform (a
relatie that is not on the platform gets no message). A relatie on the platform is told of a
request so that its beheerder with EH3 can answer it there (Afgegeven > Te beoordelen: "Keur
goed" or "Wijs af"); the message links to that page. Every message is also e-mailed to those
beheerders ("a message is waiting", berichtenbox.services.berichten_mail_queue), except a
message about an e-mail to them that could not be delivered.

Changes of a subscription (access requested, quote sent, signed quote received, active, ended)
have their own map beside this one, ``abonnementen.notifications``: a message of the kind
"Subscription change" to the organisation, the beheerders' e-mail, and the back office's e-mail
for a request.

Every emitted event is also sent as the signal ``signals.notified`` (in the same transaction):
the webhook outbox (``api.webhooks``) turns renewal due, invitation lapsing and expiring soon
into webhook events. VERLOOPT_BINNENKORT exists for it alone.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.urls import reverse
from django.utils import timezone

from berichtenbox.constants import Soort
from berichtenbox.models import Bericht
from berichtenbox.services import bericht_create, berichten_create
from outbox.services import Envelope, mail_queue, mails_queue

from .constants import PENDING, Status
from .signals import notified


class Event(StrEnum):
    AANGEVRAAGD = "aangevraagd"
    UITNODIGING_OPNIEUW = "uitnodiging_opnieuw"
    HERINNERING = "herinnering"
    UITNODIGING_VERLOOPT = "uitnodiging_verloopt"
    ONTVANGEN = "ontvangen"
    INCOMPLEET = "incompleet"
    FOUT = "fout"
    CORRECTIE = "correctie"
    AFGEWEZEN = "afgewezen"
    GOEDGEKEURD = "goedgekeurd"
    INGETROKKEN = "ingetrokken"
    BEEINDIGD = "beeindigd"
    BEEINDIGD_DOOR_RELATIE = "beeindigd_door_relatie"
    EINDE_BEREIKT = "einde_bereikt"
    VERLOPEN = "verlopen"
    VERVALLEN = "vervallen"
    VERLENGING_NODIG = "verlenging_nodig"
    VERLOOPT_BINNENKORT = "verloopt_binnenkort"
    AFGEGEVEN = "afgegeven"
    IMPORT_KLAAR = "import_klaar"
    MAIL_NIET_BEZORGD = "mail_niet_bezorgd"


class Partij(StrEnum):
    INTERMEDIAIR = "intermediair"
    RELATIE = "relatie"


@dataclass(frozen=True)
class Regel:
    berichten: tuple[Partij, ...] = ()
    soort: str = Soort.STATUS
    mail: str | None = None  # an outbox kind, to the relatie's contact person


INT, REL = Partij.INTERMEDIAIR, Partij.RELATIE

MAP: dict[Event, Regel] = {
    Event.AANGEVRAAGD: Regel((REL,), mail="ketenmachtigingen.uitnodiging"),
    Event.UITNODIGING_OPNIEUW: Regel(mail="ketenmachtigingen.uitnodiging_opnieuw"),
    Event.HERINNERING: Regel(mail="ketenmachtigingen.herinnering"),
    Event.UITNODIGING_VERLOOPT: Regel((INT,)),
    Event.ONTVANGEN: Regel((INT,)),
    Event.INCOMPLEET: Regel((INT,), mail="ketenmachtigingen.incompleet"),
    Event.FOUT: Regel((INT,)),
    Event.CORRECTIE: Regel((INT,)),
    Event.AFGEWEZEN: Regel((INT,)),
    Event.GOEDGEKEURD: Regel((INT, REL), mail="ketenmachtigingen.goedgekeurd"),
    Event.INGETROKKEN: Regel(),
    Event.BEEINDIGD: Regel((REL,)),
    Event.BEEINDIGD_DOOR_RELATIE: Regel((INT,)),
    Event.EINDE_BEREIKT: Regel((INT,)),
    Event.VERLOPEN: Regel((INT,), Soort.VERLOPEN),
    Event.VERVALLEN: Regel((INT,), Soort.VERVALLEN_AANVRAAG),
    Event.VERLENGING_NODIG: Regel((INT,), Soort.VERLENGING),
    # No message or e-mail (the renewal notice came two months earlier): only the webhook
    # ``ketenmachtiging.expiring`` listens (api.webhooks).
    Event.VERLOOPT_BINNENKORT: Regel(),
    Event.AFGEGEVEN: Regel((INT,), Soort.NIEUWE_AFGEGEVEN),
    Event.IMPORT_KLAAR: Regel((INT,), Soort.IMPORT),
    Event.MAIL_NIET_BEZORGD: Regel((INT,), Soort.MAIL),
}


def event_for(old: str, new: str) -> Event | None:
    """The event a status change is, when the caller names none. From Fout, back to received
    or incomplete is a correction (the relatie is not asked again); back to sent is the
    intermediair sending a new invitation, unless the caller says it is a correction
    (``transition_to(…, correctie=True)``)."""
    if old == Status.FOUT and new in (Status.ONTVANGEN, Status.INCOMPLEET):
        return Event.CORRECTIE
    if new == Status.VERSTUURD:
        return Event.AANGEVRAAGD
    if new == Status.BEEINDIGD:
        return Event.INGETROKKEN if old in PENDING else Event.BEEINDIGD
    return {
        Status.ONTVANGEN: Event.ONTVANGEN,
        Status.INCOMPLEET: Event.INCOMPLEET,
        Status.FOUT: Event.FOUT,
        Status.ACTIEF: Event.GOEDGEKEURD,
        Status.VERLOPEN: Event.VERLOPEN,
        Status.VERVALLEN: Event.VERVALLEN,
        Status.AFGEWEZEN: Event.AFGEWEZEN,
    }.get(new)


def sjabloon(event: Event, partij: "Partij" = None) -> str:
    """The name of a message's text (``berichten``): the relatie reads its own wording."""
    suffix = ".relatie" if partij == Partij.RELATIE else ""
    return f"ketenmachtigingen.{event.value}{suffix}"


# --- Values and keys --------------------------------------------------------------------------


def _iso(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def params_of(row: dict, **extra) -> dict:
    """The plain values a message about a ketenmachtiging needs (from a row or a model)."""
    return {
        "km": row["pk"],
        "relatie": row["relatie_naam"],
        "kvk": row["relatie_kvk_nummer"],
        "rsin": row["relatie_rsin"],
        "intermediair": row.get("intermediair_naam", ""),
        "kenmerk": row.get("kenmerk", ""),
        "einddatum": _iso(row.get("einddatum")),
        "deadline": _iso(row.get("uitnodiging_geldig_tot")),
        **extra,
    }


def row_of(km) -> dict:
    return {
        "pk": km.pk,
        "status": km.status,
        "intermediair_id": km.intermediair_id,
        "intermediair_naam": km.intermediair_naam,
        "relatie_organisatie_id": km.relatie_organisatie_id,
        "relatie_naam": km.relatie_naam,
        "relatie_kvk_nummer": km.relatie_kvk_nummer,
        "relatie_rsin": km.relatie_rsin,
        "einddatum": km.einddatum,
        "uitnodiging_geldig_tot": km.uitnodiging_geldig_tot,
        "kenmerk": km.kenmerk,
    }


def _link(event: Event, partij: Partij, pk: int) -> str:
    if partij == Partij.RELATIE and event == Event.AANGEVRAAGD:
        return reverse("ketenmachtigingen:te_beoordelen_detail", args=[pk])
    if partij == Partij.RELATIE:
        return reverse("ketenmachtigingen:afgegeven_detail", args=[pk])
    return reverse("ketenmachtigingen:detail", args=[pk])


def _organisatie_id(partij: Partij, row: dict) -> int | None:
    return (
        row["intermediair_id"] if partij == Partij.INTERMEDIAIR else row["relatie_organisatie_id"]
    )


def _berichten(event: Event, rows: list[dict], *, key: str, extra: dict, now) -> list[Bericht]:
    from django.contrib.contenttypes.models import ContentType

    from .models import Ketenmachtiging

    regel = MAP[event]
    content_type = ContentType.objects.get_for_model(Ketenmachtiging)
    berichten = []
    for partij in regel.berichten:
        for row in rows:
            organisatie_id = _organisatie_id(partij, row)
            if not organisatie_id:
                continue
            berichten.append(
                Bericht(
                    organisatie_id=organisatie_id,
                    soort=regel.soort,
                    sjabloon=sjabloon(event, partij),
                    params=params_of(row, partij=partij.value, **extra.get(row["pk"], {})),
                    link=_link(event, partij, row["pk"]),
                    betreft_type=content_type,
                    betreft_id=row["pk"],
                    sleutel=f"{event.value}:{partij.value}:{row['pk']}:{key}"[:200],
                    created_at=now,
                )
            )
    return berichten


# --- Emitting ---------------------------------------------------------------------------------


def notify(event: Event, km, *, key: str = "", **extra) -> None:
    """Tell the people concerned about ``event`` on ``km``. Call inside the transaction of the
    change: the messages and e-mails are written with it, or not at all. ``key`` makes the
    notice single (one per status change, per term, …); ``extra`` adds values for the texts."""
    regel = MAP[event]
    row = row_of(km)
    key = key or _iso(timezone.now())
    for bericht in _berichten(event, [row], key=key, extra={km.pk: extra}, now=timezone.now()):
        bericht_create(
            organisatie=bericht.organisatie,
            soort=bericht.soort,
            sjabloon=bericht.sjabloon,
            params=bericht.params,
            link=bericht.link,
            betreft=km,
            sleutel=bericht.sleutel,
            mailen=bericht.mailen,
        )
    if regel.mail and km.relatie_contact_email:
        mail_queue(_envelope(regel.mail, km, key=key, extra=extra))
    notified.send(sender="ketenmachtigingen", event=event, rows=[row], keys={km.pk: key})


def _envelope(soort: str, km, *, key: str, extra: dict) -> Envelope:
    params = {"km": km.pk, "verstuurd_op": _iso(km.verstuurd_op), **extra}
    # A resend on request is its own e-mail each time; everything else exists once per key.
    sleutel = None if soort.endswith("opnieuw") else f"{soort}:{km.pk}:{key}"[:200]
    return Envelope(
        soort=soort,
        ontvanger=km.relatie_contact_email,
        taal=km.taal,
        params=params,
        betreft=km,
        sleutel=sleutel,
    )


def notify_rows(event: Event, rows: list[dict], *, key=lambda row: "", extra=None) -> set[int]:
    """``notify`` for a chunk of rows (sweeps, bulk renewal), set-based: one INSERT for the
    messages, one for the e-mails. ``rows`` need the fields of ``row_of``; for e-mails also
    ``relatie_contact_email``, ``taal`` and ``verstuurd_op``. Returns the organisations told."""
    from .models import Ketenmachtiging

    regel = MAP[event]
    now = timezone.now()
    extra = extra or {}
    by_key: dict[str, list[dict]] = {}
    for row in rows:
        by_key.setdefault(key(row), []).append(row)
    berichten = []
    for k, group in by_key.items():
        berichten += _berichten(event, group, key=k, extra=extra, now=now)
    organisaties = berichten_create(berichten)
    if regel.mail:
        envelopes = []
        for row in rows:
            if not row.get("relatie_contact_email"):
                continue
            params = {
                "km": row["pk"],
                "verstuurd_op": _iso(row.get("verstuurd_op")),
                **extra.get(row["pk"], {}),
            }
            envelopes.append(
                Envelope(
                    soort=regel.mail,
                    ontvanger=row["relatie_contact_email"],
                    taal=row.get("taal") or "nl",
                    params=params,
                    betreft=Ketenmachtiging(pk=row["pk"]),
                    sleutel=f"{regel.mail}:{row['pk']}:{key(row)}"[:200],
                )
            )
        mails_queue(envelopes)
    notified.send(
        sender="ketenmachtigingen",
        event=event,
        rows=rows,
        keys={row["pk"]: key(row) for row in rows},
    )
    return organisaties


def notify_mail_failed(mail, *, organisatie_id: int | None, km=None) -> None:
    """An e-mail could not be delivered (refused for good, or bounced): a message for the
    organisation that sent it, about the ketenmachtiging if there is one."""
    from accounts.models import Organisatie

    if not organisatie_id:
        return
    organisatie = Organisatie.objects.filter(pk=organisatie_id).first()
    if organisatie is None:
        return
    params = {"soort": mail.soort, "ontvanger": mail.ontvanger, "fout": (mail.fout or "")[:300]}
    if km is not None:
        params.update(params_of(row_of(km)))
    bericht_create(
        organisatie=organisatie,
        soort=Soort.MAIL,
        sjabloon=sjabloon(Event.MAIL_NIET_BEZORGD),
        params=params,
        link=km.get_absolute_url()
        if km is not None and km.intermediair_id == organisatie_id
        else "",
        betreft=km,
        sleutel=f"{Event.MAIL_NIET_BEZORGD.value}:mail:{mail.pk}:{mail.status}",
    )


def notify_import_klaar(imp) -> None:
    """An import has sent all its requests: a message with the counts (in the import's
    transaction that marks it done)."""
    resultaat = imp.resultaat or {}
    bericht_create(
        organisatie=imp.organisatie,
        soort=MAP[Event.IMPORT_KLAAR].soort,
        sjabloon=sjabloon(Event.IMPORT_KLAAR),
        params={
            "bestandsnaam": imp.bestandsnaam,
            "aangemaakt": len(resultaat.get("aangemaakt", [])),
            "overgeslagen": len(resultaat.get("overgeslagen", [])),
            "mislukt": len(resultaat.get("mislukt", [])),
        },
        link=reverse("ketenmachtigingen:import_detail", args=[imp.pk]),
        betreft=imp,
        sleutel=f"{Event.IMPORT_KLAAR.value}:{imp.pk}",
    )
