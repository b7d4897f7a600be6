"""Ketenmachtigingen: a relatie (client company) authorises an intermediair, whose users then log
in *for the relatie* at the services in the scope.

A ketenmachtiging keeps a snapshot of both parties (name, KvK, address as looked up), because
either may not be an organisation on this platform. Its lifecycle is one guarded method,
``transition_to``, over the map in ``constants.ALLOWED_TRANSITIONS``; every change of status
writes a ``StatusWijziging`` and an audit row in the same transaction.
"""

import secrets
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.audit import audit_log
from accounts.constants import AuditAction, AuditKind
from accounts.models import Lidmaatschap, Organisatie
from diensten.models import ScopeFields
from groepen.models import Groep

from .constants import (
    ALLOWED_TRANSITIONS,
    DEFAULT_LOOPTIJD,
    FINAL,
    PENDING,
    REQUEST_AGAIN,
    UITNODIGING_GELDIG_MAANDEN,
    VERLENGING_MAANDEN,
    Bron,
    ImportStatus,
    Kanaal,
    Status,
)
from .exceptions import InvalidTransition

_KENMERK_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_kenmerk() -> str:
    """A reference people can read aloud and type: KM-7K3F-Q9PD (no 0/O, 1/I)."""
    chars = "".join(secrets.choice(_KENMERK_ALPHABET) for _ in range(8))
    return f"KM-{chars[:4]}-{chars[4:]}"


def add_years(start: date, years: int) -> date:
    return start + relativedelta(years=years)


def add_months(start: date, months: int) -> date:
    return start + relativedelta(months=months)


class Ketenmachtiging(ScopeFields):
    kenmerk = models.CharField(
        _("platform reference"), max_length=12, unique=True, default=new_kenmerk
    )
    bron = models.CharField(max_length=15, choices=Bron.choices, default=Bron.AANGEVRAAGD)
    # How the relatie answered: empty while it has not, then by post, online or on this platform.
    kanaal = models.CharField(_("channel"), max_length=10, choices=Kanaal.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.VERSTUURD
    )
    status_reden = models.TextField(_("reason"), blank=True)

    # The intermediair receiving the authorisation (an organisation here, or only known by KvK).
    # No index of its own: every index of Meta.indexes that starts with the intermediair
    # serves its lookups, and with a plain one beside them PostgreSQL read the tab counts of
    # an office through it and the table (28 ms at 20,000) instead of from the covering
    # ``km_tab_counts_idx`` alone (15 ms), its costs being nearly equal (issue 17).
    intermediair = models.ForeignKey(
        Organisatie,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ketenmachtigingen_van_relaties",
        db_index=False,
    )
    intermediair_naam = models.CharField(max_length=200)
    intermediair_kvk_nummer = models.CharField(max_length=8, blank=True)

    # The relatie granting it: a snapshot of the company as looked up.
    relatie_organisatie = models.ForeignKey(
        Organisatie,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ketenmachtigingen_afgegeven",
    )
    relatie_naam = models.CharField(_("company name"), max_length=200)
    relatie_kvk_nummer = models.CharField(_("KvK number"), max_length=8, blank=True)
    relatie_rsin = models.CharField(_("fiscal number (RSIN)"), max_length=9, blank=True)
    relatie_adres = models.CharField(max_length=200, blank=True)
    relatie_postcode_plaats = models.CharField(max_length=200, blank=True)
    relatie_land = models.CharField(max_length=100, blank=True, default="Nederland")

    gebruikers = models.ManyToManyField(
        Lidmaatschap, blank=True, related_name="ketenmachtigingen", verbose_name=_("users")
    )
    groepen = models.ManyToManyField(
        Groep, blank=True, related_name="ketenmachtigingen", verbose_name=_("groups")
    )

    looptijd_jaren = models.PositiveSmallIntegerField(_("term in years"), default=DEFAULT_LOOPTIJD)
    startdatum = models.DateField(_("start date"), null=True, blank=True)
    einddatum = models.DateField(_("end date"), null=True, blank=True)
    einde_gepland_op = models.DateField(_("ends on"), null=True, blank=True)
    referentie = models.CharField(_("your reference"), max_length=100, blank=True)
    leverancier = models.CharField(_("registered at"), max_length=50, blank=True)

    # The invitation.
    contact_voorletters = models.CharField(max_length=20, blank=True)
    contact_tussenvoegsel = models.CharField(max_length=20, blank=True)
    contact_achternaam = models.CharField(max_length=100, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_telefoon = models.CharField(max_length=32, blank=True)
    relatie_contact_voorletters = models.CharField(max_length=20, blank=True)
    relatie_contact_tussenvoegsel = models.CharField(max_length=20, blank=True)
    relatie_contact_achternaam = models.CharField(max_length=100, blank=True)
    relatie_contact_email = models.EmailField(blank=True)
    relatie_contact_telefoon = models.CharField(max_length=32, blank=True)
    taal = models.CharField(max_length=5, choices=settings.LANGUAGES, default="nl")
    persoonlijk_bericht = models.TextField(blank=True)
    akkoord_kosten_op = models.DateTimeField(null=True, blank=True)
    tarief = models.CharField(max_length=200, blank=True)
    verstuurd_op = models.DateTimeField(null=True, blank=True)
    uitnodiging_geldig_tot = models.DateField(null=True, blank=True)
    # When the mail server accepted the current invitation (set by the outbox, emails.py).
    uitnodiging_verzonden_op = models.DateTimeField(null=True, blank=True)
    formulier_pdf = models.FileField(upload_to="formulieren/%Y/%m/", blank=True)

    # Time-driven work (see jobs.py): the end date a renewal notice was sent for, and how many
    # reminders the relatie's contact got while the invitation waited.
    verlenging_gemeld_voor = models.DateField(null=True, blank=True)
    # The invitation deadline a "lapses soon" message was sent for.
    vervalmelding_voor = models.DateField(null=True, blank=True)
    # The end date an "expires within 30 days" event was emitted for (webhooks; jobs.py).
    verloopmelding_voor = models.DateField(null=True, blank=True)
    herinneringen_verstuurd = models.PositiveSmallIntegerField(default=0)
    laatste_herinnering_op = models.DateTimeField(null=True, blank=True)

    ontvangen_op = models.DateTimeField(null=True, blank=True)
    geactiveerd_op = models.DateTimeField(null=True, blank=True)
    beeindigd_op = models.DateTimeField(null=True, blank=True)
    vernieuwing_van = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="vernieuwingen"
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ketenmachtiging")
        verbose_name_plural = _("ketenmachtigingen")
        ordering = ["relatie_naam", "pk"]
        indexes = [
            models.Index(fields=["intermediair", "status", "relatie_naam"]),
            # Acties (and the end-date filters within a tab): a range of end dates, read from
            # the index alone, with what the tab's other conditions and its renewal subquery
            # need. Without ``include`` PostgreSQL preferred scanning every active row of the
            # intermediair in ``km_tab_counts_idx``, with a parallel worker that alone cost
            # 15 ms (issue 17).
            models.Index(
                fields=["intermediair", "status", "einddatum"],
                include=["einde_gepland_op", "id"],
                name="km_tab_einddatum_idx",
            ),
            models.Index(fields=["relatie_organisatie", "status"]),
            models.Index(fields=["relatie_kvk_nummer"]),
            models.Index(fields=["status", "uitnodiging_geldig_tot"]),
            models.Index(fields=["status", "einddatum"]),
            # The tab counts of the overview read only these columns of all of an
            # intermediair's rows: on PostgreSQL an index-only scan, half the time of reading
            # 20,000 rows from the table. With ``bron`` and ``algemene_bevoegdheid`` the counts
            # of a filtered overview (origin, service, dienstverlener) stay index-only too
            # (issue 17). (Other databases ignore ``include``.)
            models.Index(
                fields=["intermediair", "status"],
                include=[
                    "einddatum",
                    "einde_gepland_op",
                    "uitnodiging_geldig_tot",
                    "id",
                    "bron",
                    "algemene_bevoegdheid",
                ],
                name="km_tab_counts_idx",
            ),
            # The API's lists go through an intermediair's rows in id order, a cursor page at
            # a time: each page is a range of this index, however far the cursor is.
            models.Index(fields=["intermediair", "id"], name="km_intermediair_id_idx"),
            # The overview's sorts (issue 17): per intermediair in the order of each sortable
            # column, the primary key last as in ``selectors.tab_order``, so a page of a sorted
            # tab is read in index order (forwards or backwards) and stops after its rows
            # instead of sorting all of the intermediair's.
            models.Index(fields=["intermediair", "relatie_naam", "id"], name="km_sort_relatie_idx"),
            models.Index(
                fields=["intermediair", "relatie_kvk_nummer", "id"], name="km_sort_kvk_idx"
            ),
            models.Index(fields=["intermediair", "einddatum", "id"], name="km_sort_einddatum_idx"),
            # Also the API's sync of what changed since a moment (``gewijzigd_sinds``): it reads
            # only the changed rows, not all of the intermediair's.
            models.Index(
                fields=["intermediair", "updated_at", "id"], name="km_sort_statusdatum_idx"
            ),
            models.Index(
                fields=["intermediair", "referentie", "id"], name="km_sort_referentie_idx"
            ),
            # The filter "renewal requested" (``selectors._open_renewal``): the few rows that
            # renew another, with what tells whether the renewal is still open.
            models.Index(
                fields=["vernieuwing_van"],
                include=["status", "uitnodiging_geldig_tot"],
                condition=Q(vernieuwing_van__isnull=False),
                name="km_renewals_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(looptijd_jaren__gte=1, looptijd_jaren__lte=5),
                name="km_looptijd_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(relatie_kvk_nummer="") | ~Q(relatie_rsin=""),
                name="km_relatie_identified",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[Status.ACTIEF, Status.VERLOPEN])
                | Q(startdatum__isnull=False, einddatum__isnull=False),
                name="km_active_has_term",
            ),
            models.CheckConstraint(
                condition=Q(einde_gepland_op__isnull=True)
                | Q(einddatum__isnull=False, einde_gepland_op__lte=models.F("einddatum")),
                name="km_scheduled_end_within_term",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.VERSTUURD) | Q(uitnodiging_geldig_tot__isnull=False),
                name="km_sent_has_deadline",
            ),
            # No duplicates, also when two requests arrive at once: one pending renewal per
            # ketenmachtiging, one pending request per intermediair and relatie (by KvK number,
            # or by fiscal number for a relatie without one). The services check first and turn
            # a violation into the same "duplicate" error (services.core).
            models.UniqueConstraint(
                fields=["vernieuwing_van"],
                condition=Q(status__in=PENDING),
                name="km_one_pending_renewal",
            ),
            models.UniqueConstraint(
                fields=["intermediair", "relatie_kvk_nummer"],
                condition=Q(status__in=PENDING) & ~Q(relatie_kvk_nummer=""),
                name="km_one_pending_per_kvk",
            ),
            models.UniqueConstraint(
                fields=["intermediair", "relatie_rsin"],
                condition=Q(status__in=PENDING, relatie_kvk_nummer=""),
                name="km_one_pending_per_rsin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relatie_naam} ({self.relatie_identifier})"

    def get_absolute_url(self) -> str:
        return reverse("ketenmachtigingen:detail", args=[self.pk])

    # --- Derived facts -------------------------------------------------------------------
    @property
    def relatie_identifier(self) -> str:
        return self.relatie_kvk_nummer or self.relatie_rsin

    @property
    def contact_naam(self) -> str:
        parts = (self.contact_voorletters, self.contact_tussenvoegsel, self.contact_achternaam)
        return " ".join(p for p in parts if p)

    @property
    def relatie_contact_naam(self) -> str:
        parts = (
            self.relatie_contact_voorletters,
            self.relatie_contact_tussenvoegsel,
            self.relatie_contact_achternaam,
        )
        return " ".join(p for p in parts if p)

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING

    def effective_status(self, today: date | None = None) -> str:
        """The status as people should see it today, also before a nightly job has run:
        a passed end date is verlopen, a passed scheduled end is beëindigd, a lapsed
        invitation is vervallen."""
        today = today or timezone.localdate()
        if self.status == Status.ACTIEF:
            if self.einde_gepland_op and self.einde_gepland_op <= today:
                return Status.BEEINDIGD
            if self.einddatum and self.einddatum < today:
                return Status.VERLOPEN
        if self.invitation_lapsed(today):
            return Status.VERVALLEN
        return self.status

    def awaits_relatie_answer(self, today: date | None = None) -> bool:
        """Whether the relatie's beheerder can still answer the request on this platform ("Keur
        goed" or "Wijs af"): requested, sent or incomplete, not lapsed."""
        return self.bron == Bron.AANGEVRAAGD and self.effective_status(today) in (
            Status.VERSTUURD,
            Status.INCOMPLEET,
        )

    def invitation_lapsed(self, today: date | None = None) -> bool:
        """True when the signed form can no longer be accepted (the 3-month limit)."""
        today = today or timezone.localdate()
        return (
            self.status in (Status.VERSTUURD, Status.INCOMPLEET, Status.FOUT)
            and self.uitnodiging_geldig_tot is not None
            and self.uitnodiging_geldig_tot < today
        )

    def can_link(self, today: date | None = None) -> bool:
        """Whether users and groups can still be linked: not once it has ended, expired or
        lapsed (``ketenmachtiging_link`` refuses it; the pages do not offer it)."""
        return self.effective_status(today) not in FINAL

    def can_request_again(self, today: date | None = None) -> bool:
        """Whether "Vraag opnieuw aan" is offered: expired, ended, withdrawn, lapsed or failed."""
        return self.effective_status(today) in REQUEST_AGAIN

    def days_left(self, today: date | None = None) -> int | None:
        """Days until a pending request lapses."""
        if self.uitnodiging_geldig_tot is None or not self.is_pending:
            return None
        return (self.uitnodiging_geldig_tot - (today or timezone.localdate())).days

    def renewal_due(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.effective_status(today) == Status.ACTIEF
            and self.einde_gepland_op is None
            and self.einddatum is not None
            and self.einddatum <= add_months(today, VERLENGING_MAANDEN)
        )

    # --- The lifecycle ---------------------------------------------------------------------
    def transition_to(
        self,
        new: str,
        *,
        actor,
        reden: str = "",
        audit_organisatie: Organisatie | None = None,
        event=None,
        correctie: bool = False,
    ) -> "StatusWijziging":
        """Move to ``new`` if the lifecycle allows it; set the fields that belong to it, record
        the change (status history and audit log) and tell the people concerned (the
        notification map; ``event`` names the event when the status change alone does not say
        it). Call inside a transaction, on a row locked with ``select_for_update``. The audit
        row belongs to the intermediair unless ``audit_organisatie`` says otherwise (a relatie
        ending what it granted). A ``correctie`` undoes a status set by mistake: back to
        ``new`` as it was, so the fields of ``new`` (the invitation and its term, the received
        date) are kept, and the event is ``CORRECTIE`` (no new invitation)."""
        old = self.status
        if new not in ALLOWED_TRANSITIONS[old]:
            raise InvalidTransition(old, new)
        now = timezone.now()
        fields = ["status", "status_reden", "updated_at"]
        self.status = new
        self.status_reden = reden
        self.updated_at = now
        if correctie:
            pass
        elif new == Status.VERSTUURD:
            self.verstuurd_op = now
            self.uitnodiging_geldig_tot = add_months(
                timezone.localdate(now), UITNODIGING_GELDIG_MAANDEN
            )
            # A new invitation: a new form (its dates change), reminders start again.
            self.uitnodiging_verzonden_op = None
            self.formulier_pdf = ""
            self.herinneringen_verstuurd = 0
            self.laatste_herinnering_op = None
            fields += [
                "verstuurd_op",
                "uitnodiging_geldig_tot",
                "uitnodiging_verzonden_op",
                "formulier_pdf",
                "herinneringen_verstuurd",
                "laatste_herinnering_op",
            ]
        elif new == Status.ONTVANGEN:
            self.ontvangen_op = now
            fields.append("ontvangen_op")
        elif new == Status.ACTIEF:
            today = timezone.localdate(now)
            previous = self.vernieuwing_van
            if previous is not None and previous.einddatum and previous.einddatum > today:
                # A renewal's term starts where the old one ends.
                self.startdatum = previous.einddatum
            self.startdatum = self.startdatum or today
            self.einddatum = add_years(self.startdatum, self.looptijd_jaren)
            self.geactiveerd_op = now
            fields += ["startdatum", "einddatum", "geactiveerd_op"]
        elif new in FINAL:
            self.beeindigd_op = now
            fields.append("beeindigd_op")
        self.save(update_fields=fields)
        wijziging = StatusWijziging.objects.create(
            ketenmachtiging=self,
            van=old,
            naar=new,
            actor=actor if actor is not None and actor.pk else None,
            reden=reden,
            timestamp=now,
        )
        audit_log(
            actor=actor,
            organisatie=audit_organisatie or self.intermediair or self.relatie_organisatie,
            action=AuditAction.TRANSITION,
            kind=AuditKind.KETENMACHTIGING,
            obj=self,
            changes={
                "status": {"old": old, "new": new},
                **({"reden": {"old": None, "new": reden}} if reden else {}),
            },
            message="correction" if correctie else "",
        )
        from .notifications import Event, event_for, notify, row_of
        from .signals import send_status

        send_status([{**row_of(self), "van": old, "naar": new}])
        event = event or (Event.CORRECTIE if correctie else event_for(old, new))
        if event is not None:
            notify(event, self, key=str(wijziging.pk), reden=reden)
        return wijziging

    transition_to.alters_data = True


class StatusWijziging(models.Model):
    """One step in a ketenmachtiging's status history."""

    ketenmachtiging = models.ForeignKey(
        Ketenmachtiging, on_delete=models.CASCADE, related_name="statuswijzigingen"
    )
    van = models.CharField(max_length=20, choices=Status.choices, blank=True)
    naar = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reden = models.TextField(blank=True)
    timestamp = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["timestamp", "pk"]

    def __str__(self) -> str:
        return f"{self.ketenmachtiging_id}: {self.van} → {self.naar}"


class Afzenderinstellingen(models.Model):
    """Afzenderinstellingen: the sender details sent with every invitation (manual 3.4)."""

    organisatie = models.OneToOneField(
        Organisatie, on_delete=models.CASCADE, related_name="afzenderinstellingen"
    )
    voorletters = models.CharField(_("initials"), max_length=20, blank=True)
    tussenvoegsel = models.CharField(_("infix"), max_length=20, blank=True)
    achternaam = models.CharField(_("surname"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    telefoon = models.CharField(_("phone number"), max_length=32, blank=True)
    herinneringen = models.BooleanField(
        _("Remind the relation's contact while an invitation waits"), default=True
    )
    herinnering_1_dagen = models.PositiveSmallIntegerField(
        _("First reminder after (days)"), default=14
    )
    herinnering_2_dagen = models.PositiveSmallIntegerField(
        _("Second reminder after (days)"), default=42
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sender settings")
        verbose_name_plural = _("sender settings")

    def __str__(self) -> str:
        return f"{self.organisatie}: {self.email}"


class Import(models.Model):
    """One spreadsheet of relaties ("Voeg toe > Meerdere bedrijven") and how far it got.

    Reading (with KvK lookups) and sending the requests both run as tasks that report progress
    here; ``volgende`` is the index of the next row to send, moved in the same transaction as
    the request it belongs to, so a task that restarts continues without doubles.
    """

    organisatie = models.ForeignKey(Organisatie, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    bestandsnaam = models.CharField(max_length=200)
    bestand = models.FileField(upload_to="imports/%Y/%m/")
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.GELADEN
    )
    fout = models.TextField(blank=True)
    totaal = models.PositiveIntegerField(default=0)
    verwerkt = models.PositiveIntegerField(default=0)
    volgende = models.PositiveIntegerField(default=0)
    regels = models.JSONField(default=list, blank=True)
    problemen = models.JSONField(default=list, blank=True)
    keuzes = models.JSONField(default=dict, blank=True)
    resultaat = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.bestandsnaam} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("ketenmachtigingen:import_detail", args=[self.pk])

    @property
    def percentage(self) -> int:
        return int(100 * self.verwerkt / self.totaal) if self.totaal else 0

    @property
    def busy(self) -> bool:
        return self.status in (ImportStatus.GELADEN, ImportStatus.LEZEN, ImportStatus.VERWERKEN)
