"""Time-driven work: the lifecycle moves by itself, with nobody clicking.

Every due time lives in the database (``einddatum``, ``einde_gepland_op``,
``uitnodiging_geldig_tot``, ``verstuurd_op``); the sweeps below find what is due with indexed,
set-based queries and work through it in chunks. Each chunk claims its rows with
``SELECT … FOR UPDATE SKIP LOCKED`` and changes them in one transaction, so a sweep that runs
twice, or on two workers at once, changes every row once; a sweep killed halfway rolls back its
open chunk and the next run picks the rest up. Side effects (e-mails) are dispatched after commit
and claim their own rows first.

Sweeps:
* ``sweep_verlopen``: past its end date → verlopen (its users lose access).
* ``sweep_geplande_eindes``: past a chosen end date → beëindigd.
* ``sweep_vervallen``: an invitation whose form did not arrive within 3 months → vervallen, with
  a message in the berichtenbox.
* ``sweep_verlengingen``: 3 months before the end date, a renewal notice in the berichtenbox
  (once per ketenmachtiging per term).
* ``sweep_herinneringen``: reminders to the relatie's contact while an invitation waits.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.constants import AuditAction, AuditKind
from accounts.models import AuditEntry
from berichtenbox.constants import Soort
from berichtenbox.models import Bericht
from ketenportal.utils.tasks import dispatch

from .constants import ALLOWED_TRANSITIONS, VERLENGING_MAANDEN, Status
from .models import Afzenderinstellingen, Ketenmachtiging, StatusWijziging, add_months

logger = logging.getLogger("ketenportal.jobs")

# Message texts (stored in the default language when the message is created).
VERLOPEN_TEKST = gettext_noop(
    "The ketenmachtiging of %(relatie)s reached its end date and has expired; it is now under "
    "Verlopen. To log in on behalf of this relatie again, request a new ketenmachtiging."
)
VERVALLEN_TEKST = gettext_noop(
    "The signed form for the ketenmachtiging of %(relatie)s did not arrive within 3 months of "
    "the invitation (reference %(kenmerk)s). The request has been removed from the overview. "
    "You can send a new request."
)
VERLENGING_TEKST = gettext_noop(
    "The ketenmachtiging of %(relatie)s expires on %(datum)s. To keep logging in on behalf of "
    "your relatie, request a renewal in time: you find it under Ketenmachtigingen > van "
    "relaties, tab Acties. If the renewal is not requested before the end date, the "
    "ketenmachtiging moves to Verlopen and must be requested again."
)

ROW_FIELDS = (
    "pk",
    "status",
    "intermediair_id",
    "relatie_naam",
    "relatie_kvk_nummer",
    "relatie_rsin",
    "einddatum",
    "kenmerk",
)


def _chunk_size() -> int:
    return max(1, int(getattr(settings, "SWEEP_CHUNK_SIZE", 1000)))


def _pause() -> None:
    seconds = float(getattr(settings, "SWEEP_CHUNK_PAUSE_SECONDS", 0) or 0)
    if seconds:
        time.sleep(seconds)


def _claim(condition: Q) -> list[dict]:
    """Lock and return the next chunk of rows matching ``condition`` (call in a transaction)."""
    ids = list(
        Ketenmachtiging.objects.filter(condition)
        .select_for_update(skip_locked=True)
        .order_by("pk")
        .values_list("pk", flat=True)[: _chunk_size()]
    )
    if not ids:
        return []
    return list(Ketenmachtiging.objects.filter(pk__in=ids).values(*ROW_FIELDS))


def _label(row: dict) -> str:
    return f"{row['relatie_naam']} ({row['relatie_kvk_nummer'] or row['relatie_rsin']})"


def _detail_url(pk: int) -> str:
    return reverse("ketenmachtigingen:detail", args=[pk])


def _transition_rows(rows: list[dict], new: str, *, reden: str, now: datetime) -> list[dict]:
    """Set-based ``transition_to``: only rows whose status allows ``new`` change; each gets its
    status-history row and audit row, as a single change does."""
    allowed_from = [s for s, targets in ALLOWED_TRANSITIONS.items() if new in targets]
    rows = [r for r in rows if r["status"] in allowed_from]
    if not rows:
        return []
    Ketenmachtiging.objects.filter(pk__in=[r["pk"] for r in rows], status__in=allowed_from).update(
        status=new, status_reden=reden, beeindigd_op=now, updated_at=now
    )
    StatusWijziging.objects.bulk_create(
        [
            StatusWijziging(
                ketenmachtiging_id=r["pk"], van=r["status"], naar=new, reden=reden, timestamp=now
            )
            for r in rows
        ],
        batch_size=2000,
    )
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                organisatie_id=r["intermediair_id"],
                actor=None,
                actor_repr="systeem",
                timestamp=now,
                action=AuditAction.TRANSITION,
                kind=AuditKind.KETENMACHTIGING,
                object_type=Ketenmachtiging._meta.label_lower,
                object_id=str(r["pk"]),
                object_repr=_label(r)[:300],
                changes={
                    "status": {"old": r["status"], "new": new},
                    "reden": {"old": None, "new": reden},
                },
                message="sweep",
            )
            for r in rows
        ],
        batch_size=2000,
    )
    return rows


def _berichten(rows: list[dict], make: Callable[[dict], Bericht | None]) -> set[int]:
    """Insert one message per row (a unique ``sleutel`` keeps them single); return the
    organisations that got one."""
    berichten = [b for b in (make(r) for r in rows) if b is not None]
    Bericht.objects.bulk_create(berichten, batch_size=2000, ignore_conflicts=True)
    return {b.organisatie_id for b in berichten}


def _sweep(condition: Q, work: Callable[[list[dict], datetime], set[int]]) -> tuple[int, set[int]]:
    """Run ``work`` over every chunk of rows matching ``condition``, a transaction per chunk."""
    total, organisaties = 0, set()
    while True:
        now = timezone.now()
        with transaction.atomic():
            rows = _claim(condition)
            if not rows:
                break
            organisaties |= work(rows, now)
            total += len(rows)
        _pause()
    return total, organisaties


def _in_default_language(text: Callable[[], str]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return text()


# --- The sweeps -----------------------------------------------------------------------------


def sweep_verlopen(today: date) -> tuple[int, set[int]]:
    """At the end date: verlopen. Until this runs, the overview already treats them so."""
    condition = Q(status=Status.ACTIEF, einddatum__lt=today)

    def work(rows, now):
        changed = _transition_rows(rows, Status.VERLOPEN, reden="Einddatum bereikt", now=now)

        def bericht(r):
            if not r["intermediair_id"]:
                return None
            return Bericht(
                organisatie_id=r["intermediair_id"],
                soort=Soort.VERLOPEN,
                onderwerp=_in_default_language(
                    lambda: (
                        _("Ketenmachtiging of %(relatie)s has expired")
                        % {"relatie": r["relatie_naam"]}
                    )
                ),
                tekst=_in_default_language(lambda: _(VERLOPEN_TEKST) % {"relatie": _label(r)}),
                link=_detail_url(r["pk"]),
                sleutel=f"verlopen:{r['pk']}",
                created_at=now,
            )

        return _berichten(changed, bericht)

    return _sweep(condition, work)


def sweep_geplande_eindes(today: date) -> tuple[int, set[int]]:
    condition = Q(status=Status.ACTIEF, einde_gepland_op__lte=today)

    def work(rows, now):
        _transition_rows(rows, Status.BEEINDIGD, reden="Gekozen einddatum bereikt", now=now)
        return set()

    return _sweep(condition, work)


def sweep_vervallen(today: date) -> tuple[int, set[int]]:
    """A request whose form did not arrive within 3 months leaves the overview; the beheerder
    gets a message. (A late form is refused when it is processed, job or no job.)"""
    condition = Q(
        status__in=[Status.VERSTUURD, Status.INCOMPLEET, Status.FOUT],
        uitnodiging_geldig_tot__lt=today,
    )

    def work(rows, now):
        changed = _transition_rows(
            rows, Status.VERVALLEN, reden="Formulier niet binnen 3 maanden ontvangen", now=now
        )

        def bericht(r):
            if not r["intermediair_id"]:
                return None
            return Bericht(
                organisatie_id=r["intermediair_id"],
                soort=Soort.VERVALLEN_AANVRAAG,
                onderwerp=_in_default_language(
                    lambda: _("Request for %(relatie)s has lapsed") % {"relatie": r["relatie_naam"]}
                ),
                tekst=_in_default_language(
                    lambda: _(VERVALLEN_TEKST) % {"relatie": _label(r), "kenmerk": r["kenmerk"]}
                ),
                link=_detail_url(r["pk"]),
                sleutel=f"vervallen:{r['pk']}",
                created_at=now,
            )

        return _berichten(changed, bericht)

    return _sweep(condition, work)


def sweep_verlengingen(today: date) -> tuple[int, set[int]]:
    """Three months before the end date: a renewal notice, once per ketenmachtiging per term."""
    horizon = add_months(today, VERLENGING_MAANDEN)
    condition = Q(
        status=Status.ACTIEF,
        einddatum__gte=today,
        einddatum__lte=horizon,
        einde_gepland_op__isnull=True,
    ) & (Q(verlenging_gemeld_voor__isnull=True) | ~Q(verlenging_gemeld_voor=F("einddatum")))

    def work(rows, now):
        Ketenmachtiging.objects.filter(pk__in=[r["pk"] for r in rows]).update(
            verlenging_gemeld_voor=F("einddatum")
        )

        def bericht(r):
            if not r["intermediair_id"]:
                return None
            datum = r["einddatum"].strftime("%d-%m-%Y")
            return Bericht(
                organisatie_id=r["intermediair_id"],
                soort=Soort.VERLENGING,
                onderwerp=_in_default_language(
                    lambda: (
                        _("Ketenmachtiging of %(relatie)s expires on %(datum)s")
                        % {"relatie": r["relatie_naam"], "datum": datum}
                    )
                ),
                tekst=_in_default_language(
                    lambda: _(VERLENGING_TEKST) % {"relatie": _label(r), "datum": datum}
                ),
                link=_detail_url(r["pk"]),
                sleutel=f"verlenging:{r['pk']}:{r['einddatum'].isoformat()}",
                created_at=now,
            )

        return _berichten(rows, bericht)

    return _sweep(condition, work)


def sweep_herinneringen(now: datetime) -> int:
    """Remind the relatie's contact while an invitation waits (after 14 and 42 days by default,
    per organisation; can be switched off). Each reminder is claimed on its row before the
    e-mail is dispatched."""
    from .tasks import send_herinnering

    today = timezone.localdate(now)
    custom = {
        a["organisatie_id"]: a
        for a in Afzenderinstellingen.objects.values(
            "organisatie_id", "herinneringen", "herinnering_1_dagen", "herinnering_2_dagen"
        )
    }
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    disabled = [org for org, a in custom.items() if not a["herinneringen"]]
    for org, a in custom.items():
        if a["herinneringen"]:
            groups[(a["herinnering_1_dagen"], a["herinnering_2_dagen"])].append(org)
    base = Q(
        status=Status.VERSTUURD,
        uitnodiging_geldig_tot__gte=today,
        uitnodiging_verzonden_op__isnull=False,
    )
    plans = [(Q(intermediair_id__in=orgs), days) for days, orgs in groups.items()]
    plans.append(
        (~Q(intermediair_id__in=list(custom)) & ~Q(intermediair_id__in=disabled), (14, 42))
    )
    sent = 0
    for scope, (first, second) in plans:
        for number, days in ((1, first), (2, second)):
            condition = (
                base
                & scope
                & Q(
                    herinneringen_verstuurd=number - 1, verstuurd_op__lte=now - timedelta(days=days)
                )
            )
            while True:
                with transaction.atomic():
                    ids = [r["pk"] for r in _claim(condition)]
                    if not ids:
                        break
                    Ketenmachtiging.objects.filter(
                        pk__in=ids, herinneringen_verstuurd=number - 1
                    ).update(herinneringen_verstuurd=number)
                    for pk in ids:
                        dispatch(send_herinnering, pk, "herinnering")
                    sent += len(ids)
                _pause()
    return sent


def run_sweeps(now: datetime | None = None) -> dict[str, int]:
    """Run every sweep once; then tell the organisations with new messages by e-mail."""
    from berichtenbox.tasks import mail_berichten

    now = now or timezone.now()
    today = timezone.localdate(now)
    counts: dict[str, int] = {}
    counts["verlopen"], organisaties = sweep_verlopen(today)
    counts["geplande_eindes"], _unused = sweep_geplande_eindes(today)
    counts["vervallen"], more = sweep_vervallen(today)
    organisaties |= more
    counts["verlengingen"], more = sweep_verlengingen(today)
    organisaties |= more
    counts["herinneringen"] = sweep_herinneringen(now)
    if organisaties:
        with transaction.atomic():
            dispatch(mail_berichten, sorted(organisaties))
    logger.info("sweeps done: %s", counts)
    return counts
