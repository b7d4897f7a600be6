"""Start (issue 17): the home page's figures against hand-made data on a frozen day, the chart
and its table, the figures across organisations, who sees them, the back office's start page,
and the number of queries at two sizes."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from accounts.constants import Rol
from ketenmachtigingen import dashboard, selectors
from ketenmachtigingen.emails import UITNODIGING
from ketenmachtigingen.models import Ketenmachtiging, StatusWijziging
from outbox.models import Mail
from tests.conftest import verified_client
from tests.factories import (
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
AMSTERDAM = dt.timezone(dt.timedelta(hours=1))
TODAY = dt.date(2027, 3, 10)
D = dt.date


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2027, 3, 10, 10, 0, tzinfo=AMSTERDAM), tick=False):
        yield


def actief(org, einddatum, **kwargs):
    return KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        startdatum=einddatum.replace(year=einddatum.year - 5),
        einddatum=einddatum,
        **kwargs,
    )


@pytest.fixture
def data(organisatie, other_organisatie):
    """One intermediair with a ketenmachtiging of every kind the home page counts."""
    org = organisatie
    k = {}
    k["a1"] = actief(org, D(2027, 4, 5))  # due for renewal (Acties), 26 days left
    k["a2"] = actief(org, D(2027, 4, 20))  # due, but its renewal has been requested
    k["renewal"] = KetenmachtigingFactory(
        intermediair=org, vernieuwing_van=k["a2"], uitnodiging_geldig_tot=D(2027, 6, 10)
    )
    k["a3"] = actief(org, D(2027, 9, 15))  # within 12 months, not yet due
    k["a4"] = actief(org, D(2029, 1, 10))  # month 23 of the chart
    k["a5"] = actief(org, D(2031, 1, 1))  # beyond the chart
    # Ends on a chosen date before its end date: active, not due for renewal.
    k["a6"] = actief(org, D(2027, 3, 20), einde_gepland_op=D(2027, 3, 15))
    k["w1"] = KetenmachtigingFactory(
        intermediair=org, incompleet=True, uitnodiging_geldig_tot=D(2027, 5, 1)
    )
    k["w2"] = KetenmachtigingFactory(
        intermediair=org, fout=True, uitnodiging_geldig_tot=D(2027, 3, 20)
    )
    k["w3"] = KetenmachtigingFactory(intermediair=org, uitnodiging_geldig_tot=D(2027, 3, 15))
    k["v1"] = KetenmachtigingFactory(
        intermediair=org, verlopen=True, startdatum=D(2022, 1, 1), einddatum=D(2027, 1, 1)
    )
    k["h1"] = KetenmachtigingFactory(intermediair=org, beeindigd=True)
    k["lapsed"] = KetenmachtigingFactory(intermediair=org, uitnodiging_geldig_tot=D(2027, 3, 1))
    # An invitation that bounced; an older failure of w3 that was sent again since.
    k["mail"] = Mail.objects.create(
        soort=UITNODIGING, ontvanger="fout@relatie.nl", status="mislukt", betreft=k["w2"]
    )
    Mail.objects.create(
        soort=UITNODIGING,
        ontvanger="oud@relatie.nl",
        status="mislukt",
        betreft=k["w3"],
        created_at=dt.datetime(2027, 3, 1, tzinfo=AMSTERDAM),
    )
    Mail.objects.create(
        soort=UITNODIGING,
        ontvanger="goed@relatie.nl",
        status="verzonden",
        verzonden_op=dt.datetime(2027, 3, 2, tzinfo=AMSTERDAM),
        betreft=k["w3"],
        created_at=dt.datetime(2027, 3, 2, tzinfo=AMSTERDAM),
    )
    # Another office asks this organisation (as relatie) for a ketenmachtiging.
    k["verzoek"] = KetenmachtigingFactory(
        intermediair=other_organisatie,
        relatie_organisatie=org,
        relatie_naam=org.naam,
        uitnodiging_geldig_tot=D(2027, 4, 1),
    )
    # Another intermediair's rows count nowhere.
    actief(other_organisatie, D(2027, 4, 1))
    return k


def test_the_figures_match_the_overview_tabs(organisatie, data):
    cijfers = dashboard.organisatie_cijfers(organisaties=[organisatie])[organisatie.pk]
    expected = {"actief": 6, "wachtend": 4, "acties": 1, "verlopen": 1, "historie": 2}
    assert cijfers.tabs == expected
    assert cijfers.tabs == selectors.tab_counts(organisatie=organisatie)
    assert cijfers.incompleet == 1
    assert cijfers.fout == 1
    assert cijfers.vervalt_binnenkort == 2
    assert cijfers.vervalt_eerst == D(2027, 3, 15)
    # a1 and a3; a2 is renewed, a6 ends on a chosen date, a4 and a5 later.
    assert cijfers.kosten_verlengingen == 2
    assert cijfers.kosten_per_jaar == Decimal("150.00")
    assert cijfers.kosten_verlengingen_bedrag == Decimal("50.00")


def test_the_to_do_list_is_most_urgent_first_and_links_where_it_is_handled(organisatie, data):
    cijfers = dashboard.organisatie_cijfers(organisaties=[organisatie])[organisatie.pk]
    taken = dashboard.takenlijst(organisatie=organisatie, cijfers=cijfers)
    overview = reverse("ketenmachtigingen:van_relaties")
    assert [(t.soort, t.aantal, t.dagen) for t in taken] == [
        ("mail", 1, 0),
        ("fout", 1, 0),
        ("incompleet", 1, 0),
        ("vervalt", 2, 5),
        ("beoordelen", 1, 22),
        ("verlengen", 1, 26),
    ]
    urls = {t.soort: t.url for t in taken}
    assert urls["verlengen"] == f"{overview}?tab=acties"
    assert urls["fout"] == f"{overview}?tab=wachtend&status=fout"
    assert urls["incompleet"] == f"{overview}?tab=wachtend&status=incompleet"
    assert urls["vervalt"] == f"{overview}?tab=wachtend"
    assert urls["mail"] == data["w2"].get_absolute_url()
    assert urls["beoordelen"] == reverse("ketenmachtigingen:te_beoordelen")
    assert taken[0].mail == data["mail"]


def test_the_chart_counts_active_ones_by_end_month_with_renewed_ones_apart(organisatie, data):
    maanden = dashboard.einde_per_maand(organisatie=organisatie)
    assert len(maanden) == 24
    assert maanden[0].start == D(2027, 3, 1) and maanden[-1].start == D(2029, 2, 1)
    figures = {m.start: (m.aantal, m.verlengd) for m in maanden if m.aantal}
    assert figures == {
        D(2027, 3, 1): (1, 0),
        D(2027, 4, 1): (2, 1),
        D(2027, 9, 1): (1, 0),
        D(2029, 1, 1): (1, 0),
    }
    # A leap year's February ends on the 29th.
    feb = next(m for m in maanden if m.start == D(2028, 2, 1))
    assert feb.einde == D(2028, 2, 29)


def home(client, lang="nl"):
    with translation.override(lang):
        response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    return response.content.decode()


def svg_of(html: str) -> str:
    return re.search(r'<svg class="kp-chart__svg".*?</svg>', html, re.S).group(0)


def test_the_home_page_shows_counts_to_do_chart_and_costs(beheerder_client, organisatie, data):
    html = home(beheerder_client)
    overview = reverse("ketenmachtigingen:van_relaties")
    for tab, count in {
        "actief": 6,
        "wachtend": 4,
        "acties": 1,
        "verlopen": 1,
        "historie": 2,
    }.items():
        assert re.search(
            rf'href="{overview}\?tab={tab}"><span class="kp-count__number">{count}</span>', html
        ), tab
    assert "Te doen" in html
    assert "1 ketenmachtiging moet worden verlengd" in html
    assert "De eerste verloopt over 26 dagen." in html
    assert "2 uitnodigingen vervallen binnen 14 dagen" in html
    assert "fout@relatie.nl" in html
    # Costs, Dutch-style, and said to be an estimate.
    assert "6 × € 25,00 = € 150,00 per jaar" in html
    assert "€ 50,00" in html
    assert "schatting" in html


def test_the_chart_svg_has_bars_links_labels_title_and_desc(beheerder_client, data):
    html = home(beheerder_client)
    svg = svg_of(html)
    assert 'role="group"' in svg
    assert 'aria-labelledby="einde-title einde-desc"' in svg
    assert '<title id="einde-title">' in svg and '<desc id="einde-desc">' in svg
    links = re.findall(r'<a class="kp-chart__link" href="([^"]+)"', svg)
    assert len(links) == 24
    overview = reverse("ketenmachtigingen:van_relaties")
    assert links[0] == f"{overview}?tab=actief&amp;einde_van=2027-03-01&amp;einde_tot=2027-03-31"
    assert links[1] == f"{overview}?tab=actief&amp;einde_van=2027-04-01&amp;einde_tot=2027-04-30"
    assert f"{overview}?tab=actief&amp;einde_van=2028-02-01&amp;einde_tot=2028-02-29" in links
    # April: one open bar and one renewed bar stacked, labelled in Dutch.
    assert 'aria-label="april 2027: 2 lopen af, waarvan 1 verlengd"' in svg
    assert svg.count('class="kp-chart__bar kp-chart__bar--second"') == 1
    labels = re.findall(r'<text class="kp-chart__label"[^>]*>([^<]+)</text>', svg)
    assert labels[:3] == ["mrt", "apr", "mei"]
    assert "2028" in svg and "2029" in svg  # the year under each January
    # No inline style anywhere in the chart (the CSP has no 'unsafe-inline').
    assert "style=" not in svg


def test_the_chart_has_a_table_with_the_same_numbers(beheerder_client, data):
    html = home(beheerder_client)
    table = re.search(r"<details class=\"kp-details\">.*?</details>", html, re.S).group(0)
    rows = re.findall(r"<tr><th scope=\"row\"><a[^>]*>([^<]+)</a></th>(.*?)</tr>", table)
    assert len(rows) == 24
    april = dict((name, re.findall(r">(\d+)<", cells)) for name, cells in rows)["april 2027"]
    assert april == ["2", "1", "1"]


def test_month_labels_and_amounts_in_english(beheerder, data):
    beheerder.taal = "en"
    beheerder.save()
    client = verified_client(beheerder)
    session = client.session
    session["_language"] = "en"
    session.save()
    client.cookies["django_language"] = "en"
    html = home(client, "en")
    svg = svg_of(html)
    labels = re.findall(r'<text class="kp-chart__label"[^>]*>([^<]+)</text>', svg)
    assert labels[:3] == ["Mar", "Apr", "May"]
    assert "6 × €25.00 = €150.00 per year" in html


def test_amounts_are_grouped_in_each_language():
    from ketenportal.utils.money import euro

    with translation.override("nl"):
        assert euro(Decimal("1250")) == "€ 1.250,00"
    with translation.override("en"):
        assert euro(Decimal("1250")) == "€1,250.00"


def test_the_tariff_setting_changes_the_estimate(settings, beheerder_client, data):
    settings.KETENMACHTIGING_TARIEF_BEDRAG = Decimal("30.50")
    html = home(beheerder_client)
    assert "6 × € 30,50 = € 183,00 per jaar" in html


def test_a_beheerder_of_several_organisations_sees_each_and_the_total(beheerder, organisatie, data):
    tweede = OrganisatieFactory(naam="Zeta Administraties B.V.")
    LidmaatschapFactory(organisatie=tweede, user=beheerder, rol=Rol.BEHEERDER)
    actief(tweede, D(2027, 5, 1))
    actief(tweede, D(2030, 5, 1))
    # A third organisation where the person is only a user: not in the figures.
    derde = OrganisatieFactory(naam="Gebruiker Only B.V.")
    LidmaatschapFactory(organisatie=derde, user=beheerder, rol=Rol.GEBRUIKER)
    actief(derde, D(2027, 5, 1))

    html = home(verified_client(beheerder))
    assert "Alle organisaties" in html
    section = html[html.index('id="home-alle"') :]
    assert "Zeta Administraties B.V." in section and "Gebruiker Only" not in section
    total = re.search(r'<tr class="kp-total">(.*?)</tr>', section, re.S).group(1)
    cells = re.findall(r"<td[^>]*>([^<]+)</td>", total)
    # actief, wachtend, acties, verlopen, historie, costs, renewals, their costs
    assert cells == ["8", "4", "2", "1", "2", "€ 200,00", "3", "€ 75,00"]


def test_a_beheerder_of_one_organisation_has_no_all_organisations_section(beheerder_client, data):
    assert "Alle organisaties" not in home(beheerder_client)


def test_those_who_may_not_act_get_the_plain_home(organisatie, data):
    gebruiker = LidmaatschapFactory(organisatie=organisatie, rol=Rol.GEBRUIKER).user
    html = home(verified_client(gebruiker))
    assert "Te doen" not in html and "kp-chart" not in html
    laag = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER, user__eh2plus=True).user
    html = home(verified_client(laag))
    assert "Te doen" not in html and "kp-chart" not in html
    assert "Gebruikers" in html


def test_nothing_to_do_says_so(beheerder_client):
    html = home(beheerder_client)
    assert "Niets vraagt vandaag om uw aandacht." in html


def bulk(organisatie, size: int, tag: str) -> None:
    """``size`` ketenmachtigingen of ``organisatie`` in bulk: active ones ending over five years,
    some incomplete or failed, a renewal asked for every tenth active one, and an undelivered
    invitation for every failed one."""
    from django.contrib.contenttypes.models import ContentType

    rows = []
    for n in range(size):
        einde = D(2027, 3, 11) + dt.timedelta(days=n % 1800)
        rows.append(
            Ketenmachtiging(
                intermediair=organisatie,
                intermediair_naam=organisatie.naam,
                relatie_naam=f"R {n}",
                relatie_kvk_nummer=f"{n:08d}",
                kenmerk=f"KM-{tag}{n:07d}",
                status=("actief", "actief", "actief", "incompleet", "fout")[n % 5],
                startdatum=einde - dt.timedelta(days=5 * 365),
                einddatum=einde,
                uitnodiging_geldig_tot=D(2027, 3, 15),
            )
        )
    created = Ketenmachtiging.objects.bulk_create(rows, batch_size=2000)
    Ketenmachtiging.objects.bulk_create(
        [
            Ketenmachtiging(
                intermediair=organisatie,
                intermediair_naam=organisatie.naam,
                relatie_naam=km.relatie_naam,
                relatie_kvk_nummer=km.relatie_kvk_nummer,
                kenmerk=f"KM-{tag}R{n:06d}",
                vernieuwing_van_id=km.pk,
                uitnodiging_geldig_tot=D(2027, 6, 1),
            )
            for n, km in enumerate(created)
            if n % 50 == 0
        ],
        batch_size=2000,
    )
    content_type = ContentType.objects.get_for_model(Ketenmachtiging)
    Mail.objects.bulk_create(
        [
            Mail(
                soort=UITNODIGING,
                ontvanger=f"{km.pk}@relatie.nl",
                status="mislukt",
                betreft_type=content_type,
                betreft_id=km.pk,
            )
            for km in created
            if km.status == "fout"
        ],
        batch_size=2000,
    )


def test_the_number_of_queries_does_not_grow_with_the_data(
    beheerder, organisatie, django_assert_max_num_queries
):
    """The same queries at 1,000 and at 20,000 ketenmachtigingen (the benchmark measures the
    time on PostgreSQL, in a database of 200,000)."""
    groot = OrganisatieFactory(naam="Groot kantoor B.V.")
    bulk(organisatie, 1_000, "A")
    bulk(groot, 20_000, "B")
    groot_beheerder = LidmaatschapFactory(organisatie=groot, rol=Rol.BEHEERDER).user
    counts = {}
    for size, user in ((1_000, beheerder), (20_000, groot_beheerder)):
        client = verified_client(user)
        client.get(reverse("home"))
        with django_assert_max_num_queries(12) as captured:
            html = home(client)
        assert "kp-chart__svg" in html
        counts[size] = len(captured)
    assert counts[1_000] == counts[20_000]
    cijfers = dashboard.organisatie_cijfers(organisaties=[groot])[groot.pk]
    assert cijfers.tabs == selectors.tab_counts(organisatie=groot)
    assert cijfers.tabs["actief"] == 12_000 and cijfers.tabs["wachtend"] == 8_000 + 400


# --- The back office's start page ---------------------------------------------------------------


@pytest.fixture
def staff_client(db):
    return verified_client(UserFactory(is_staff=True))


def test_the_back_office_start_page(staff_client, organisatie):
    KetenmachtigingFactory(intermediair=organisatie, uitnodiging_geldig_tot=D(2027, 3, 20))
    KetenmachtigingFactory(intermediair=organisatie, uitnodiging_geldig_tot=D(2027, 6, 1))
    oldest = KetenmachtigingFactory(
        intermediair=organisatie,
        ontvangen=True,
        ontvangen_op=dt.datetime(2027, 2, 1, tzinfo=AMSTERDAM),
    )
    KetenmachtigingFactory(
        intermediair=organisatie,
        ontvangen=True,
        ontvangen_op=dt.datetime(2027, 3, 1, tzinfo=AMSTERDAM),
    )
    KetenmachtigingFactory(intermediair=organisatie, incompleet=True)
    KetenmachtigingFactory(intermediair=organisatie, fout=True)
    # Lapsed: in no queue.
    KetenmachtigingFactory(intermediair=organisatie, uitnodiging_geldig_tot=D(2027, 3, 1))
    # Forms received: this week twice, three weeks ago once; one approved online (not a form).
    for day, naar, km in [
        (dt.datetime(2027, 3, 8, 9, tzinfo=AMSTERDAM), "aanvraag_ontvangen", oldest),
        (dt.datetime(2027, 3, 9, 9, tzinfo=AMSTERDAM), "actief", oldest),
        (dt.datetime(2027, 2, 17, 9, tzinfo=AMSTERDAM), "aanvraag_ontvangen", oldest),
        (dt.datetime(2026, 11, 2, 9, tzinfo=AMSTERDAM), "aanvraag_ontvangen", oldest),
    ]:
        StatusWijziging.objects.create(
            ketenmachtiging=km, van="aanvraag_verstuurd", naar=naar, timestamp=day
        )
    online = KetenmachtigingFactory(intermediair=organisatie, kanaal="platform")
    StatusWijziging.objects.create(
        ketenmachtiging=online,
        van="aanvraag_verstuurd",
        naar="actief",
        timestamp=dt.datetime(2027, 3, 9, 9, tzinfo=AMSTERDAM),
    )

    assert dashboard.backoffice_queues() == {
        "aanvraag_verstuurd": 3,  # two, and the one approved online (still sent in its row)
        "aanvraag_ontvangen": 2,
        "incompleet": 1,
        "fout": 1,
    }
    weeks = dashboard.forms_per_week()
    assert len(weeks) == 12
    assert weeks[-1].start == D(2027, 3, 8) and weeks[-1].aantal == 2
    assert weeks[-4].start == D(2027, 2, 15) and weeks[-4].aantal == 1
    assert sum(w.aantal for w in weeks) == 3

    response = staff_client.get(reverse("ketenmachtigingen:backoffice_start"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("ketenmachtigingen:backoffice_detail", args=[oldest.pk]) in html
    svg = re.search(r'<svg class="kp-chart__svg".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="weken-title weken-desc"' in svg
    assert svg.count('<rect class="kp-chart__bar"') == 12
    assert "<a " not in svg
    assert "Formulieren ontvangen per week" in html
    # Lapsing within 14 days: the one of 20 March (and the 15th... none); fout/incompleet
    # default to three months, so only one.
    assert "Aanvragen die binnen 14 dagen vervallen" in html
    assert html.count("20-03-2027") == 1


def test_the_back_office_start_page_is_for_staff_only(beheerder_client):
    response = beheerder_client.get(reverse("ketenmachtigingen:backoffice_start"))
    assert response.status_code == 403
