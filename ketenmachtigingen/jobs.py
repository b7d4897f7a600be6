"""Time-driven work: the lifecycle moves by itself, with nobody clicking.

Every due time lives in the database (``einddatum``, ``einde_gepland_op``,
``uitnodiging_geldig_tot``, ``verstuurd_op``); the sweeps below find what is due with indexed,
set-based queries and work through it in chunks. Each chunk claims its rows with
``SELECT … FOR UPDATE SKIP LOCKED`` and changes them in one transaction, so a sweep that runs
twice, or on two workers at once, changes every row once; a sweep killed halfway rolls back its
open chunk and the next run picks the rest up. Messages and e-mails are written in the same
transaction (unique keys keep them single); the outbox delivers the e-mails after commit.

Sweeps:
* ``sweep_verlopen``: past its end date → verlopen (its users lose access).
* ``sweep_geplande_eindes``: past a chosen end date → beëindigd.
* ``sweep_vervallen``: an invitation whose form did not arrive within 3 months → vervallen, with
  a message in the berichtenbox.
* ``sweep_verlengingen``: 3 months before the end date, a renewal notice in the berichtenbox
  (once per ketenmachtiging per term).
* ``sweep_uitnodigingen_verlopend``: 14 days before an invitation lapses, a message (once per
  deadline).
* ``sweep_verloopt_binnenkort``: 30 days before the end date, the event "expires soon" (once per
  term); the notification map tells nobody, the webhooks of ``api`` listen to it.
* ``sweep_herinneringen``: reminders to the relatie's contact while an invitation waits, one
  step at a time: the second only some days after the first, never both in one run.
* ``sweep_ehmiddelen_verlopend`` (``ehmiddelen``): two months before an EH-middel ends, a
  message in the berichtenbox (once per means per term).
* ``sweep_import_bestanden``: the uploaded spreadsheet of an import that is no longer busy is
  deleted ``IMPORT_RETENTION_DAYS`` after the upload (the import and its results stay); an
  import refused before uploads were checked up front is deleted with its file.

Who is told what is the notification map's business (``notifications``): a sweep emits the
event for its chunk, in the chunk's transaction; the outbox delivers the e-mails after commit.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind
from accounts.models import AuditEntry
from ketenportal.utils.tasks import dispatch

from .constants import ALLOWED_TRANSITIONS, VERLENGING_MAANDEN, ImportStatus, Status
from .ehmiddelen import sweep_ehmiddelen_verlopend
from .models import Afzenderinstellingen, Import, Ketenmachtiging, StatusWijziging, add_months
from .notifications import Event, notify_rows
from .signals import send_status

logger = logging.getLogger("ketenportal.jobs")

#: A message this many days before an invitation lapses.
VERVAL_WAARSCHUWING_DAGEN = 14
#: The event "expires soon" this many days before the end date.
VERLOOP_WAARSCHUWING_DAGEN = 30

ROW_FIELDS = (
    "pk",
    "status",
    "intermediair_id",
    "intermediair_naam",
    "relatie_organisatie_id",
    "relatie_naam",
    "relatie_kvk_nummer",
    "relatie_rsin",
    "einddatum",
    "uitnodiging_geldig_tot",
    "verstuurd_op",
    "relatie_contact_email",
    "taal",
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
    send_status([{**r, "van": r["status"], "naar": new} for r in rows])
    return rows


def _sweep(
    condition: Q, work: Callable[[list[dict], datetime], set | None], told: set | None
) -> int:
    """Run ``work`` over every chunk of rows matching ``condition``, a transaction per chunk;
    the organisations it told go into ``told``."""
    total = 0
    while True:
        now = timezone.now()
        with transaction.atomic():
            rows = _claim(condition)
            if not rows:
                break
            organisaties = work(rows, now)
            total += len(rows)
        if told is not None and organisaties:
            told |= organisaties
        _pause()
    return total


# --- The sweeps -----------------------------------------------------------------------------


def sweep_verlopen(today: date, told: set | None = None) -> int:
    """At the end date: verlopen. Until this runs, the overview already treats them so."""

    def work(rows, now):
        changed = _transition_rows(rows, Status.VERLOPEN, reden="Einddatum bereikt", now=now)
        return notify_rows(Event.VERLOPEN, changed)

    return _sweep(Q(status=Status.ACTIEF, einddatum__lt=today), work, told)


def sweep_geplande_eindes(today: date, told: set | None = None) -> int:
    def work(rows, now):
        changed = _transition_rows(
            rows, Status.BEEINDIGD, reden="Gekozen einddatum bereikt", now=now
        )
        return notify_rows(Event.EINDE_BEREIKT, changed)

    return _sweep(Q(status=Status.ACTIEF, einde_gepland_op__lte=today), work, told)


def sweep_vervallen(today: date, told: set | None = None) -> int:
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
        return notify_rows(Event.VERVALLEN, changed)

    return _sweep(condition, work, told)


def sweep_verlengingen(today: date, told: set | None = None) -> int:
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
        return notify_rows(Event.VERLENGING_NODIG, rows, key=lambda r: r["einddatum"].isoformat())

    return _sweep(condition, work, told)


def sweep_uitnodigingen_verlopend(today: date, told: set | None = None) -> int:
    """Two weeks before a waiting invitation lapses: a message, once per deadline."""
    condition = Q(
        status__in=[Status.VERSTUURD, Status.INCOMPLEET],
        uitnodiging_geldig_tot__gte=today,
        uitnodiging_geldig_tot__lte=today + timedelta(days=VERVAL_WAARSCHUWING_DAGEN),
    ) & (Q(vervalmelding_voor__isnull=True) | ~Q(vervalmelding_voor=F("uitnodiging_geldig_tot")))

    def work(rows, now):
        Ketenmachtiging.objects.filter(pk__in=[r["pk"] for r in rows]).update(
            vervalmelding_voor=F("uitnodiging_geldig_tot")
        )
        return notify_rows(
            Event.UITNODIGING_VERLOOPT, rows, key=lambda r: r["uitnodiging_geldig_tot"].isoformat()
        )

    return _sweep(condition, work, told)


def sweep_verloopt_binnenkort(today: date, told: set | None = None) -> int:
    """Thirty days before the end date: the event ``VERLOOPT_BINNENKORT``, once per term (a
    ketenmachtiging whose end was chosen ends then and does not expire)."""
    condition = Q(
        status=Status.ACTIEF,
        einddatum__gte=today,
        einddatum__lte=today + timedelta(days=VERLOOP_WAARSCHUWING_DAGEN),
        einde_gepland_op__isnull=True,
    ) & (Q(verloopmelding_voor__isnull=True) | ~Q(verloopmelding_voor=F("einddatum")))

    def work(rows, now):
        Ketenmachtiging.objects.filter(pk__in=[r["pk"] for r in rows]).update(
            verloopmelding_voor=F("einddatum")
        )
        return notify_rows(
            Event.VERLOOPT_BINNENKORT, rows, key=lambda r: r["einddatum"].isoformat()
        )

    return _sweep(condition, work, told)


def _reminder_plans() -> list[tuple[Q, tuple[int, int]]]:
    """(which organisations, (days to the first, days to the second reminder)), per setting."""
    custom = {
        a["organisatie_id"]: a
        for a in Afzenderinstellingen.objects.values(
            "organisatie_id", "herinneringen", "herinnering_1_dagen", "herinnering_2_dagen"
        )
    }
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for org, a in custom.items():
        if a["herinneringen"]:
            groups[(a["herinnering_1_dagen"], a["herinnering_2_dagen"])].append(org)
    plans = [(Q(intermediair_id__in=orgs), days) for days, orgs in groups.items()]
    plans.append((~Q(intermediair_id__in=list(custom)), (14, 42)))
    return plans


def sweep_herinneringen(now: datetime) -> int:
    """Remind the relatie's contact while an invitation waits (after 14 and 42 days by default,
    per organisation; can be switched off), one step at a time: the first reminder once its day
    has come; the second only when the first went out at least the days between them earlier,
    so an invitation found late gets the first now and the second later, never both at once.
    Only for an invitation that the mail server accepted. Each reminder is counted on its row in
    the transaction that puts its e-mail in the outbox."""
    today = timezone.localdate(now)
    base = Q(
        status=Status.VERSTUURD,
        uitnodiging_geldig_tot__gte=today,
        uitnodiging_verzonden_op__isnull=False,
    )
    sent = 0
    for scope, (first, second) in _reminder_plans():
        gap = max(1, second - first)
        steps = (
            # The second step first: a row that gets its first reminder in this run is not due
            # for its second anyway (``laatste_herinnering_op`` is now).
            (
                2,
                Q(
                    herinneringen_verstuurd=1,
                    verstuurd_op__lte=now - timedelta(days=second),
                    laatste_herinnering_op__lte=now - timedelta(days=gap),
                ),
            ),
            (1, Q(herinneringen_verstuurd=0, verstuurd_op__lte=now - timedelta(days=first))),
        )
        for number, step in steps:
            condition = base & scope & step
            while True:
                with transaction.atomic():
                    rows = _claim(condition)
                    if not rows:
                        break
                    Ketenmachtiging.objects.filter(
                        pk__in=[r["pk"] for r in rows], herinneringen_verstuurd=number - 1
                    ).update(herinneringen_verstuurd=number, laatste_herinnering_op=now)
                    notify_rows(
                        Event.HERINNERING,
                        rows,
                        key=lambda r, n=number: f"{r['verstuurd_op'].isoformat()}:{n}",
                        extra={r["pk"]: {"nummer": number} for r in rows},
                    )
                    sent += len(rows)
                _pause()
    return sent


def sweep_import_bestanden(now: datetime) -> int:
    """Delete the stored spreadsheets of imports past their retention period.

    Only the file goes: the import keeps its rows, problems and results, which is all its page
    shows once it is no longer busy. The file is needed only while it is read, so imports that
    are still reading or sending keep theirs. Each import is claimed (``SKIP LOCKED``) and
    changed with its audit row in one transaction; the file is deleted after commit, and a file
    that is already gone is no error. Returns the number of imports whose file was removed.
    """
    from .services import import_delete

    cutoff = now - timedelta(days=max(0, int(settings.IMPORT_RETENTION_DAYS)))
    # Left from before uploads were checked up front: a refused file has nothing to keep.
    for imp in Import.objects.filter(status=ImportStatus.MISLUKT).order_by("pk")[: _chunk_size()]:
        import_delete(imp=imp, reden="refused upload")
    done = 0
    due = Q(created_at__lt=cutoff, status__in=[ImportStatus.GELEZEN, ImportStatus.KLAAR]) & ~Q(
        bestand=""
    )
    while True:
        with transaction.atomic():
            ids = list(
                Import.objects.filter(due)
                .select_for_update(skip_locked=True)
                .order_by("pk")
                .values_list("pk", flat=True)[: _chunk_size()]
            )
            chunk = list(Import.objects.filter(pk__in=ids).select_related("organisatie"))
            if not chunk:
                break
            for imp in chunk:
                name, storage = imp.bestand.name, imp.bestand.storage
                audit_log(
                    actor=None,
                    organisatie=imp.organisatie,
                    action=AuditAction.UPDATE,
                    kind=AuditKind.KETENMACHTIGING,
                    obj=imp,
                    changes={"bestand": {"old": imp.bestandsnaam, "new": None}},
                    message="import file deleted after the retention period",
                )
                transaction.on_commit(lambda n=name, s=storage: _delete_file(s, n))
            Import.objects.filter(pk__in=[imp.pk for imp in chunk]).update(bestand="")
            done += len(chunk)
        _pause()
    return done


def _delete_file(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:
        # Gone or unreachable: the record no longer points at it either way.
        logger.warning("could not delete a stored import file")


def run_sweeps(now: datetime | None = None) -> dict[str, int]:
    """Run every sweep once; their e-mails are in the outbox when it returns, and the
    beheerders are mailed once (after the last sweep) that messages wait."""
    from berichtenbox.tasks import mail_berichten

    now = now or timezone.now()
    today = timezone.localdate(now)
    told: set[int] = set()
    counts = {
        "verlopen": sweep_verlopen(today, told),
        "geplande_eindes": sweep_geplande_eindes(today, told),
        "vervallen": sweep_vervallen(today, told),
        "verlengingen": sweep_verlengingen(today, told),
        "uitnodigingen_verlopend": sweep_uitnodigingen_verlopend(today, told),
        "verloopt_binnenkort": sweep_verloopt_binnenkort(today, told),
        "herinneringen": sweep_herinneringen(now),
        "import_bestanden": sweep_import_bestanden(now),
        "goedkeuring_bestanden": import_string("goedkeuring.jobs.sweep_uploads")(now),
        "ehmiddelen_verlopend": sweep_ehmiddelen_verlopend(today, told),
    }
    if told:
        with transaction.atomic():
            dispatch(mail_berichten, sorted(told))
    logger.info("sweeps done: %s", counts)
    return counts
