"""The numbers of the home page ("Start") and of the back office's start page.

An accounting office opens Ketenportal to answer three questions: what needs me today (the to-do
list), what expires soon (active ketenmachtigingen by end month) and what does this cost (an
estimate from the tariff). Every figure comes from a few aggregate queries whose number does not
grow with the data: the tab figures of all the person's organisations in one grouped pass (an
index-only scan of ``km_tab_counts_idx`` on PostgreSQL), the chart in one grouped query; the
renewals already asked for are one ``IN`` over the (few) renewal rows inside both. The tabs
follow ``selectors.tab_filter``, so a figure here and the count on the overview's tab are the
same number.

A renewal "already asked for" follows ``selectors._renewal_requested`` (what takes a
ketenmachtiging off tab Acties): a renewal that is pending or active.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, Min, OuterRef, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from accounts.models import Organisatie
from outbox.constants import UNDELIVERED
from outbox.models import Mail

from .constants import PARTITION_TABS, PENDING, VERLENGING_MAANDEN, Status, Tab
from .models import Ketenmachtiging, StatusWijziging, add_months
from .selectors import LAPSING, _active, _te_beoordelen, tab_filter

#: An invitation that lapses within this many days is on the to-do list (as the sweeps warn).
VERVAL_DAGEN = 14
#: The chart's reach, in months from the current one.
CHART_MONTHS = 24
#: Renewals due within this many months are in the cost estimate.
KOSTEN_MAANDEN = 12
#: Undelivered e-mails of this many days back are on the to-do list.
MAIL_DAGEN = 30
#: Undelivered e-mails listed one by one.
MAIL_LIMIT = 5


def _renewed() -> Q:
    """The ketenmachtigingen whose renewal is asked already (pending) or active: an ``IN`` over
    the few renewal rows, which PostgreSQL evaluates once as a hashed subplan instead of a
    subquery per row (``selectors._renewal_requested``, the same rows)."""
    renewals = Ketenmachtiging.objects.filter(
        vernieuwing_van__isnull=False, status__in=[*PENDING, Status.ACTIEF]
    ).values("vernieuwing_van_id")
    return Q(pk__in=renewals)


# --- Per organisation: tab counts, to-do figures, costs --------------------------------------


@dataclass
class OrganisatieCijfers:
    """The figures of one intermediair."""

    organisatie: Organisatie
    tabs: dict[str, int] = field(default_factory=dict)
    incompleet: int = 0
    fout: int = 0
    vervalt_binnenkort: int = 0
    vervalt_eerst: date | None = None
    kosten_verlengingen: int = 0  # due within KOSTEN_MAANDEN, not renewed yet

    @property
    def actief(self) -> int:
        return self.tabs.get(Tab.ACTIEF.value, 0)

    @property
    def kosten_per_jaar(self) -> Decimal:
        return self.actief * tarief()

    @property
    def kosten_verlengingen_bedrag(self) -> Decimal:
        return self.kosten_verlengingen * tarief()


def tarief() -> Decimal:
    return Decimal(settings.KETENMACHTIGING_TARIEF_BEDRAG)


def organisatie_cijfers(
    *, organisaties: list[Organisatie], today: date | None = None
) -> dict[int, OrganisatieCijfers]:
    """The figures of each organisation of ``organisaties`` (by id), in one query whatever the
    number of organisations or ketenmachtigingen."""
    today = today or timezone.localdate()
    result = {o.pk: OrganisatieCijfers(organisatie=o) for o in organisaties}
    if not result:
        return result
    acties_tot = add_months(today, VERLENGING_MAANDEN)
    kosten_tot = add_months(today, KOSTEN_MAANDEN)
    verval_tot = today + timedelta(days=VERVAL_DAGEN)
    active = _active(today)
    wachtend = tab_filter(Tab.WACHTEND, today)
    lapsing_soon = Q(status__in=LAPSING, uitnodiging_geldig_tot__gte=today) & Q(
        uitnodiging_geldig_tot__lte=verval_tot
    )
    due = active & Q(einde_gepland_op__isnull=True)
    renewed = _renewed()
    rows = (
        Ketenmachtiging.objects.filter(intermediair_id__in=result)
        .values("intermediair_id")
        .order_by("intermediair_id")
        .annotate(
            **{tab.value: Count("pk", filter=tab_filter(tab, today)) for tab in PARTITION_TABS},
            incompleet=Count("pk", filter=wachtend & Q(status=Status.INCOMPLEET)),
            fout=Count("pk", filter=wachtend & Q(status=Status.FOUT)),
            vervalt=Count("pk", filter=lapsing_soon),
            vervalt_eerst=Min("uitnodiging_geldig_tot", filter=lapsing_soon),
            acties=Count("pk", filter=due & Q(einddatum__lte=acties_tot) & ~renewed),
            kosten=Count("pk", filter=due & Q(einddatum__lte=kosten_tot) & ~renewed),
        )
    )
    for row in rows:
        cijfers = result[row["intermediair_id"]]
        cijfers.tabs = {tab.value: row[tab.value] for tab in PARTITION_TABS}
        cijfers.tabs[Tab.ACTIES.value] = row["acties"]
        cijfers.incompleet = row["incompleet"]
        cijfers.fout = row["fout"]
        cijfers.vervalt_binnenkort = row["vervalt"]
        cijfers.vervalt_eerst = row["vervalt_eerst"]
        cijfers.kosten_verlengingen = row["kosten"]
    for cijfers in result.values():
        cijfers.tabs = {tab.value: cijfers.tabs.get(tab.value, 0) for tab in Tab}
    return result


@dataclass
class Totalen:
    tabs: dict[str, int]
    actief: int
    kosten_per_jaar: Decimal
    kosten_verlengingen: int
    kosten_verlengingen_bedrag: Decimal


def totalen(cijfers: list[OrganisatieCijfers]) -> Totalen:
    """The sums over several organisations (the row "Total" of "Alle organisaties")."""
    tabs = {tab.value: sum(c.tabs.get(tab.value, 0) for c in cijfers) for tab in Tab}
    return Totalen(
        tabs=tabs,
        actief=tabs[Tab.ACTIEF.value],
        kosten_per_jaar=sum((c.kosten_per_jaar for c in cijfers), Decimal(0)),
        kosten_verlengingen=sum(c.kosten_verlengingen for c in cijfers),
        kosten_verlengingen_bedrag=sum((c.kosten_verlengingen_bedrag for c in cijfers), Decimal(0)),
    )


# --- To do ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Taak:
    """One line of the to-do list: what, how many, how soon (days; None: no deadline), where."""

    soort: str  # verlengen, incompleet, fout, vervalt, mail, beoordelen, ehmiddel
    aantal: int
    dagen: int | None
    url: str
    mail: Mail | None = None

    @property
    def tekst(self) -> str:
        """What needs doing, in the active language (the home page and the weekly e-mail)."""
        n = self.aantal
        if self.soort == "verlengen":
            text = ngettext(
                "%(count)s ketenmachtiging is due for renewal",
                "%(count)s ketenmachtigingen are due for renewal",
                n,
            )
        elif self.soort == "fout":
            text = ngettext("%(count)s request has an error", "%(count)s requests have an error", n)
        elif self.soort == "incompleet":
            text = ngettext(
                "%(count)s request is marked incomplete",
                "%(count)s requests are marked incomplete",
                n,
            )
        elif self.soort == "vervalt":
            text = ngettext(
                "%(count)s invitation lapses within 14 days",
                "%(count)s invitations lapse within 14 days",
                n,
            )
        elif self.soort == "ehmiddel":
            text = ngettext(
                "%(count)s EH means expires within 2 months",
                "%(count)s EH means expire within 2 months",
                n,
            )
        elif self.soort == "mail":
            return _("The e-mail “%(kind)s” to %(email)s could not be delivered") % {
                "kind": self.mail.kind_label,
                "email": self.mail.ontvanger,
            }
        else:
            text = ngettext(
                "%(count)s request for a ketenmachtiging from your organisation waits for "
                "your answer",
                "%(count)s requests for a ketenmachtiging from your organisation wait for "
                "your answer",
                n,
            )
        return text % {"count": n}

    @property
    def toelichting(self) -> str:
        """When, or what to do next."""
        d = self.dagen
        if self.soort == "fout":
            return _("Send it again or withdraw it.")
        if self.soort == "incompleet":
            return _("The relation's contact must send a complete form.")
        if self.soort == "mail":
            return _("Check the address and send it again.")
        if d is None:
            return ""
        if self.soort == "ehmiddel":
            if d == 0:
                return _("The first expires today: request a new means.")
            return ngettext(
                "The first expires in %(count)s day: request a new means.",
                "The first expires in %(count)s days: request a new means.",
                d,
            ) % {"count": d}
        if self.soort == "verlengen":
            if d == 0:
                return _("The first ends today.")
            return ngettext(
                "The first ends in %(count)s day.", "The first ends in %(count)s days.", d
            ) % {"count": d}
        if d == 0:
            return _("The first lapses today.")
        return ngettext(
            "The first lapses in %(count)s day.", "The first lapses in %(count)s days.", d
        ) % {"count": d}


def _overview(tab: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"tab": tab, **params}.items())
    return f"{reverse('ketenmachtigingen:van_relaties')}?{query}"


def undelivered_mails(
    *, organisatie: Organisatie, today: date | None = None, limit: int = MAIL_LIMIT
) -> list[Mail]:
    """E-mails about this intermediair's ketenmachtigingen that could not be delivered, in the
    last ``MAIL_DAGEN`` days, newest first, leaving out those sent again since (a newer e-mail
    of the same kind about the same ketenmachtiging that was not undelivered). One query."""
    today = today or timezone.localdate()
    since = timezone.now() - timedelta(days=MAIL_DAGEN)
    from .emails import FEITEN

    content_type = ContentType.objects.get_for_model(Ketenmachtiging)
    later = Mail.objects.filter(
        betreft_type=content_type,
        betreft_id=OuterRef("betreft_id"),
        soort=OuterRef("soort"),
        created_at__gt=OuterRef("created_at"),
    ).exclude(status__in=UNDELIVERED)
    own = Ketenmachtiging.objects.filter(intermediair=organisatie).values("pk")
    return list(
        Mail.objects.filter(
            betreft_type=content_type,
            betreft_id__in=own,
            status__in=UNDELIVERED,
            created_at__gte=since,
        )
        .exclude(soort=FEITEN)
        .exclude(Exists(later))
        .order_by("-created_at", "-pk")[:limit]
    )


def takenlijst(
    *, organisatie: Organisatie, cijfers: OrganisatieCijfers, today: date | None = None
) -> list[Taak]:
    """What needs the beheerder of ``organisatie``, most urgent first (fewest days left; the
    undelivered e-mails and errors, which wait for nobody, first). Reads ``cijfers`` (from
    ``organisatie_cijfers``) and adds four small queries."""
    today = today or timezone.localdate()
    taken: list[Taak] = []
    acties = cijfers.tabs.get(Tab.ACTIES.value, 0)
    if acties:
        first = (
            Ketenmachtiging.objects.filter(intermediair=organisatie)
            .filter(tab_filter(Tab.ACTIES, today))
            .order_by("einddatum", "pk")
            .values_list("einddatum", flat=True)
            .first()
        )
        taken.append(
            Taak(
                "verlengen",
                acties,
                (first - today).days if first else None,
                _overview(Tab.ACTIES.value),
            )
        )
    if cijfers.fout:
        taken.append(
            Taak("fout", cijfers.fout, 0, _overview(Tab.WACHTEND.value, status=Status.FOUT.value))
        )
    if cijfers.incompleet:
        taken.append(
            Taak(
                "incompleet",
                cijfers.incompleet,
                0,
                _overview(Tab.WACHTEND.value, status=Status.INCOMPLEET.value),
            )
        )
    if cijfers.vervalt_binnenkort:
        taken.append(
            Taak(
                "vervalt",
                cijfers.vervalt_binnenkort,
                (cijfers.vervalt_eerst - today).days,
                _overview(Tab.WACHTEND.value),
            )
        )
    for mail in undelivered_mails(organisatie=organisatie, today=today):
        taken.append(
            Taak(
                "mail",
                1,
                0,
                reverse("ketenmachtigingen:detail", args=[mail.betreft_id]),
                mail=mail,
            )
        )
    beoordelen = (
        Ketenmachtiging.objects.filter(relatie_organisatie=organisatie)
        .filter(_te_beoordelen(today))
        .aggregate(aantal=Count("pk"), eerst=Min("uitnodiging_geldig_tot"))
    )
    if beoordelen["aantal"]:
        eerst = beoordelen["eerst"]
        taken.append(
            Taak(
                "beoordelen",
                beoordelen["aantal"],
                (eerst - today).days if eerst else None,
                reverse("ketenmachtigingen:te_beoordelen"),
            )
        )
    from .ehmiddelen import taak_verlopend

    aantal, dagen, url = taak_verlopend(organisatie=organisatie, today=today)
    if aantal:
        taken.append(Taak("ehmiddel", aantal, dagen, url))
    order = {"mail": 0, "fout": 1, "incompleet": 2}
    return sorted(
        taken,
        key=lambda t: (t.dagen if t.dagen is not None else 10_000, order.get(t.soort, 9)),
    )


# --- What expires when ------------------------------------------------------------------------


@dataclass(frozen=True)
class Maand:
    """One bar: the active ketenmachtigingen whose end date is in ``start``'s month."""

    start: date
    einde: date
    aantal: int
    verlengd: int  # of which a renewal is asked or active already

    @property
    def open(self) -> int:
        return self.aantal - self.verlengd

    @property
    def url(self) -> str:
        return _overview(
            Tab.ACTIEF.value, einde_van=self.start.isoformat(), einde_tot=self.einde.isoformat()
        )

    @property
    def label(self) -> str:
        """The month, abbreviated as the reader writes it: "mrt" in Dutch (month names are
        lower case), "Mar" in English."""
        return date_format(self.start, "b" if _dutch() else "M")

    @property
    def naam(self) -> str:
        return date_format(self.start, "F Y")


def _dutch() -> bool:
    return (get_language() or settings.LANGUAGE_CODE).startswith("nl")


def _month_end(start: date) -> date:
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def einde_per_maand(
    *, organisatie: Organisatie, today: date | None = None, months: int = CHART_MONTHS
) -> list[Maand]:
    """The active ketenmachtigingen by month of their end date, this month and the next
    ``months - 1``; those whose renewal is asked already are counted apart. One query."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    starts = [add_months(first, n) for n in range(months)]
    until = _month_end(starts[-1])
    counts = {
        row["maand"]: row
        for row in Ketenmachtiging.objects.filter(intermediair=organisatie)
        .filter(_active(today), einddatum__lte=until)
        .annotate(maand=TruncMonth("einddatum"))
        .values("maand")
        .order_by("maand")
        .annotate(n=Count("pk"), verlengd=Count("pk", filter=_renewed()))
    }
    none = {"n": 0, "verlengd": 0}
    return [
        Maand(
            start=s,
            einde=_month_end(s),
            aantal=counts.get(s, none)["n"],
            verlengd=counts.get(s, none)["verlengd"],
        )
        for s in starts
    ]


# --- Bar charts as SVG ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    # The lower part (open) and the upper part (the other series), y and height of each.
    y: float
    height: float
    y2: float
    height2: float
    label: str
    sublabel: str
    value: int
    value2: int
    url: str
    naam: str
    text_x: float
    value_y: float

    @property
    def total(self) -> int:
        return self.value + self.value2


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    gridlines: list[tuple[float, int]]  # (y, value)
    maximum: int
    left: int = 40
    right: int = 0
    top: int = 18
    plot_height: float = 0

    @property
    def label_y(self) -> float:
        return self.baseline + 15

    @property
    def sublabel_y(self) -> float:
        return self.baseline + 30


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000):
        if value <= step * 4:
            return step * 4
    return ((value // 10_000) + 1) * 10_000


def bar_chart(
    items: list[tuple[int, int, str, str, str, str]], *, width: int = 720, height: int = 220
) -> Chart:
    """Lay out bars of two stacked series. Each item: (lower value, upper value, label under
    the bar, second label line, link, accessible name)."""
    left, right, top, bottom = 40, 8, 18, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = _nice_max(max((a + b for a, b, *_ in items), default=0))
    slot = plot_w / max(len(items), 1)
    bar_w = slot * 0.7
    baseline = top + plot_h
    bars = []
    for i, (lower, upper, label, sublabel, url, naam) in enumerate(items):
        h1 = plot_h * lower / maximum
        h2 = plot_h * upper / maximum
        x = left + i * slot + (slot - bar_w) / 2
        bars.append(
            Bar(
                x=round(x, 1),
                width=round(bar_w, 1),
                y=round(baseline - h1, 1),
                height=round(h1, 1),
                y2=round(baseline - h1 - h2, 1),
                height2=round(h2, 1),
                label=label,
                sublabel=sublabel,
                value=lower,
                value2=upper,
                url=url,
                naam=naam,
                text_x=round(x + bar_w / 2, 1),
                value_y=round(baseline - h1 - h2 - 4, 1),
            )
        )
    gridlines = [(round(baseline - plot_h * k / 4, 1), maximum * k // 4) for k in range(5)]
    return Chart(
        width,
        height,
        baseline,
        bars,
        gridlines,
        maximum,
        left=left,
        right=width - right,
        top=top,
        plot_height=plot_h,
    )


def einde_chart(maanden: list[Maand]) -> Chart:
    """The chart "What expires when": per month the open ones, the renewed ones on top."""
    items = []
    for i, m in enumerate(maanden):
        sublabel = str(m.start.year) if i == 0 or m.start.month == 1 else ""
        naam = _("%(month)s: %(total)s expire, %(renewed)s of them renewed") % {
            "month": m.naam,
            "total": m.aantal,
            "renewed": m.verlengd,
        }
        items.append((m.open, m.verlengd, m.label, sublabel, m.url, naam))
    return bar_chart(items)


# --- The back office --------------------------------------------------------------------------

BACKOFFICE_STATUSES = (Status.VERSTUURD, Status.ONTVANGEN, Status.INCOMPLEET, Status.FOUT)
BACKOFFICE_WEEKS = 12


def backoffice_queues(*, today: date | None = None) -> dict[str, int]:
    """The requests waiting per status (not lapsed), one query."""
    today = today or timezone.localdate()
    not_lapsed = ~Q(status__in=LAPSING, uitnodiging_geldig_tot__lt=today)
    return Ketenmachtiging.objects.filter(bron="aangevraagd").aggregate(
        **{s.value: Count("pk", filter=Q(status=s) & not_lapsed) for s in BACKOFFICE_STATUSES}
    )


def backoffice_oldest() -> Ketenmachtiging | None:
    """The form that has waited longest for processing (received, not decided)."""
    return (
        Ketenmachtiging.objects.filter(bron="aangevraagd", status=Status.ONTVANGEN)
        .order_by(F("ontvangen_op").asc(nulls_first=True), "pk")
        .first()
    )


def backoffice_lapsing(*, today: date | None = None, limit: int = 10):
    """Requests whose invitation lapses within ``VERVAL_DAGEN`` days: (count, first ones)."""
    today = today or timezone.localdate()
    qs = Ketenmachtiging.objects.filter(
        bron="aangevraagd",
        status__in=LAPSING,
        uitnodiging_geldig_tot__gte=today,
        uitnodiging_geldig_tot__lte=today + timedelta(days=VERVAL_DAGEN),
    )
    first = list(qs.order_by("uitnodiging_geldig_tot", "pk")[:limit])
    count = len(first) if len(first) < limit else qs.count()
    return count, first


@dataclass(frozen=True)
class Week:
    start: date
    aantal: int

    @property
    def naam(self) -> str:
        return date_format(self.start, "j M Y")


def forms_per_week(*, today: date | None = None, weeks: int = BACKOFFICE_WEEKS) -> list[Week]:
    """Signed forms received per ISO week, the last ``weeks`` weeks up to this one: a request
    marked received, or approved at once from sent or incomplete (a form, not the platform's
    own online approval). One query."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=n) for n in reversed(range(weeks))]
    since = timezone.make_aware(datetime.combine(starts[0], time.min))
    received = Q(naar=Status.ONTVANGEN) | (
        Q(naar=Status.ACTIEF, van__in=[Status.VERSTUURD, Status.INCOMPLEET])
        & ~Q(ketenmachtiging__kanaal="platform")
    )
    per_week: dict[date, int] = defaultdict(int)
    for week, n in (
        StatusWijziging.objects.filter(received, timestamp__gte=since)
        .filter(ketenmachtiging__bron="aangevraagd")
        .annotate(week=TruncWeek("timestamp"))
        .values("week")
        .order_by("week")
        .annotate(n=Count("pk"))
        .values_list("week", "n")
    ):
        per_week[timezone.localtime(week).date()] += n
    return [Week(start=s, aantal=per_week.get(s, 0)) for s in starts]


def weeks_chart(weeks: list[Week]) -> Chart:
    items = []
    for w in weeks:
        naam = _("Week of %(date)s: %(count)s forms") % {"date": w.naam, "count": w.aantal}
        items.append((w.aantal, 0, date_format(w.start, "j M"), "", "", naam))
    return bar_chart(items, width=560, height=200)
