"""The overview sorted, filtered and paged through the query string (issue 17): every sort both
ways, every filter alone and combined, what is not valid ignored with a message (never a 404 or
another organisation's data), the counts per tab, the renewal markers, and the export with the
same sort and filters."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diensten.scope import Scope, scope_save
from ketenmachtigingen.constants import Bron, Sort, Status
from ketenmachtigingen.models import Ketenmachtiging
from ketenmachtigingen.selectors import OverzichtFilters, ketenmachtigingen_for, tab_filter
from tests.conftest import verified_client
from tests.factories import (
    DienstFactory,
    DienstverlenerFactory,
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
)

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("ketenmachtigingen:van_relaties")
EXPORT = reverse("ketenmachtigingen:export")


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def names(response) -> list[str]:
    return [km.relatie_naam for km in response.context["ketenmachtigingen"]]


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def updated(km: Ketenmachtiging, when) -> Ketenmachtiging:
    Ketenmachtiging.objects.filter(pk=km.pk).update(updated_at=when)
    return km


@pytest.fixture
def sortable(world):
    """Three active ones, each first by another column; all named "Sorteer …"."""
    org, now, today = world.organisatie, timezone.now(), timezone.localdate()
    a = KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Sorteer A",
        relatie_kvk_nummer="30000003",
        referentie="REF-B",
        einddatum=today + timedelta(days=300),
    )
    b = KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Sorteer B",
        relatie_kvk_nummer="10000001",
        referentie="REF-C",
        einddatum=today + timedelta(days=100),
    )
    c = KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Sorteer C",
        relatie_kvk_nummer="20000002",
        referentie="REF-A",
        einddatum=today + timedelta(days=200),
    )
    updated(a, now - timedelta(days=2))
    updated(b, now - timedelta(days=3))
    updated(c, now - timedelta(days=1))
    return a, b, c


EXPECTED = {
    "relatie": ["Sorteer A", "Sorteer B", "Sorteer C"],
    "kvk": ["Sorteer B", "Sorteer C", "Sorteer A"],
    "einddatum": ["Sorteer B", "Sorteer C", "Sorteer A"],
    "statusdatum": ["Sorteer B", "Sorteer A", "Sorteer C"],
    "referentie": ["Sorteer C", "Sorteer A", "Sorteer B"],
}


@pytest.mark.parametrize("sort", Sort.values)
def test_each_sort_both_ways(client_, sortable, sort):
    ascending = client_.get(OVERVIEW, {"q": "Sorteer", "sort": sort})
    assert names(ascending) == EXPECTED[sort]
    descending = client_.get(OVERVIEW, {"q": "Sorteer", "sort": f"-{sort}"})
    assert names(descending) == EXPECTED[sort][::-1]
    html = ascending.content.decode()
    # The active column says how it is sorted; its link turns the order round.
    assert 'aria-sort="ascending"' in html and html.count("aria-sort=") == 1
    assert f"sort=-{sort}" in html
    assert 'aria-sort="descending"' in descending.content.decode()


def test_every_sort_ends_with_the_primary_key(world):
    for sort in ["", *Sort.values, *(f"-{s}" for s in Sort.values)]:
        order = ketenmachtigingen_for(organisatie=world.organisatie, sort=sort).query.order_by
        assert order[-1] in ("pk", "-pk")


def test_without_a_sort_each_tab_keeps_its_order(world, client_):
    today = timezone.localdate()
    org = world.organisatie
    for naam, days in (("Acties Z", 20), ("Acties A", 60)):
        KetenmachtigingFactory(
            intermediair=org, actief=True, relatie_naam=naam, einddatum=today + timedelta(days)
        )
    # Acties: the nearest end date first; the other tabs by name.
    assert names(client_.get(OVERVIEW, {"tab": "acties"})) == ["Acties Z", "Acties A"]
    actief = names(client_.get(OVERVIEW))
    assert actief == sorted(actief)
    assert names(client_.get(OVERVIEW, {"tab": "acties", "sort": "relatie"})) == [
        "Acties A",
        "Acties Z",
    ]


def test_an_unknown_sort_is_ignored_with_a_message(client_, sortable):
    response = client_.get(OVERVIEW, {"q": "Sorteer", "sort": "-wachtwoord"})
    assert response.status_code == 200
    assert names(response) == EXPECTED["relatie"]
    assert response.context["filter_problems"] == ["De gekozen volgorde is onbekend."]
    assert "De gekozen volgorde is onbekend." in response.content.decode()


# --- Filters ----------------------------------------------------------------------------------


@pytest.fixture
def filterable(world):
    """Active ones with users, groups, scopes, end dates, origins and a renewal."""
    org, today = world.organisatie, timezone.localdate()
    jan = LidmaatschapFactory(organisatie=org, user__last_name="Jansen")
    piet = LidmaatschapFactory(organisatie=org, user__last_name="Pietersen")
    team = GroepFactory(organisatie=org, naam="Team Loon")
    team.leden.add(piet)
    uwv = DienstverlenerFactory(naam_nl="UWV")
    uwv_dienst = DienstFactory(dienstverlener=uwv)
    bd_dienst = DienstFactory()

    def km(naam, **kwargs):
        scope = kwargs.pop("scope", None)
        obj = KetenmachtigingFactory(
            intermediair=org,
            actief=True,
            relatie_naam=naam,
            algemene_bevoegdheid=not scope,
            **kwargs,
        )
        if scope:
            scope_save(obj, scope)
        return obj

    direct = km("F Direct", scope=Scope.of(diensten=[bd_dienst.pk]))
    direct.gebruikers.add(jan)
    via_groep = km("F Via groep", scope=Scope.of(dienstverleners=[uwv.pk]))
    via_groep.groepen.add(team)
    algemeen = km("F Algemeen", einddatum=date(2027, 3, 15), bron=Bron.GEREGISTREERD)
    dienst = km(
        "F Dienst", scope=Scope.of(diensten=[uwv_dienst.pk]), einddatum=today + timedelta(days=40)
    )
    renewed = km("F Verlengd", scope=Scope.of(diensten=[bd_dienst.pk]), einddatum=date(2027, 3, 31))
    renewal = KetenmachtigingFactory(
        intermediair=org,
        relatie_naam="F Verlengd",
        vernieuwing_van=renewed,
        relatie_kvk_nummer="55500011",
    )
    return {
        "jan": jan,
        "piet": piet,
        "team": team,
        "uwv": uwv,
        "uwv_dienst": uwv_dienst,
        "bd_dienst": bd_dienst,
        "direct": direct,
        "via_groep": via_groep,
        "algemeen": algemeen,
        "dienst": dienst,
        "renewed": renewed,
        "renewal": renewal,
    }


def f_names(response) -> set[str]:
    return {n for n in names(response) if n.startswith("F ")}


def test_filter_by_user_directly_or_through_a_group(client_, filterable):
    jan, piet = filterable["jan"], filterable["piet"]
    assert f_names(client_.get(OVERVIEW, {"gebruiker": jan.pk})) == {"F Direct"}
    assert f_names(client_.get(OVERVIEW, {"gebruiker": piet.pk})) == {"F Via groep"}


def test_filter_by_group(client_, filterable):
    assert f_names(client_.get(OVERVIEW, {"groep": filterable["team"].pk})) == {"F Via groep"}


def test_filter_by_service_counts_general_authority_and_the_whole_provider(client_, filterable):
    response = client_.get(OVERVIEW, {"dienst": filterable["uwv_dienst"].pk})
    # Algemene bevoegdheid covers every service, UWV as a whole covers its services.
    assert f_names(response) == {"F Via groep", "F Algemeen", "F Dienst"}
    response = client_.get(OVERVIEW, {"dienst": filterable["bd_dienst"].pk})
    assert f_names(response) == {"F Direct", "F Algemeen", "F Verlengd"}


def test_filter_by_service_provider(client_, filterable):
    response = client_.get(OVERVIEW, {"dienstverlener": filterable["uwv"].pk})
    assert f_names(response) == {"F Via groep", "F Algemeen", "F Dienst"}


def test_filter_by_end_date_within_months_or_between_dates(client_, filterable):
    assert f_names(client_.get(OVERVIEW, {"einde_binnen": 2})) == {"F Dienst"}
    # The home page's chart links to exactly these parameters; both ends are inclusive.
    response = client_.get(
        OVERVIEW, {"tab": "actief", "einde_van": "2027-03-01", "einde_tot": "2027-03-31"}
    )
    assert f_names(response) == {"F Algemeen", "F Verlengd"}
    assert f_names(client_.get(OVERVIEW, {"einde_van": "2027-03-16"})) >= {"F Verlengd"}
    assert "F Algemeen" not in f_names(client_.get(OVERVIEW, {"einde_van": "2027-03-16"}))
    assert f_names(client_.get(OVERVIEW, {"einde_tot": "2027-03-15"})) == {"F Dienst", "F Algemeen"}


def test_filter_by_origin(client_, filterable):
    assert f_names(client_.get(OVERVIEW, {"bron": "geregistreerd"})) == {"F Algemeen"}
    assert "F Algemeen" not in f_names(client_.get(OVERVIEW, {"bron": "aangevraagd"}))


def test_filter_by_pending_renewal(client_, filterable):
    assert f_names(client_.get(OVERVIEW, {"verlenging": "ja"})) == {"F Verlengd"}
    nee = f_names(client_.get(OVERVIEW, {"verlenging": "nee"}))
    assert "F Verlengd" not in nee and "F Direct" in nee


def test_filters_combine(client_, filterable):
    response = client_.get(
        OVERVIEW,
        {
            "dienst": filterable["bd_dienst"].pk,
            "einde_van": "2027-03-01",
            "einde_tot": "2027-03-31",
            "verlenging": "nee",
            "sort": "-relatie",
        },
    )
    assert f_names(response) == {"F Algemeen"}
    response = client_.get(
        OVERVIEW, {"dienst": filterable["bd_dienst"].pk, "sort": "-relatie", "q": "F"}
    )
    assert names(response) == ["F Verlengd", "F Direct", "F Algemeen"]
    # Every filter is a chip with a link without it, and "Wis filters" removes them all.
    chips = response.context["chips"]
    assert len(chips) == 2
    assert "sort=-relatie" in chips[0].remove_url and "dienst=" in chips[0].remove_url
    clear = response.context["clear_filters_url"]
    assert clear == "?sort=-relatie"
    html = response.content.decode()
    assert "Wis filters" in html


def test_filter_form_is_grouped_and_labelled(client_, filterable):
    html = client_.get(OVERVIEW).content.decode()
    assert "<legend" in html and "Filters" in html
    for field in ("gebruiker", "groep", "dienstverlener", "bron", "verlenging", "einde_van"):
        assert f'name="{field}"' in html
        assert f'for="km-{field.replace("_", "-")}"' in html or field == "dienstverlener"


# --- What is not valid -----------------------------------------------------------------------


def test_another_organisations_user_and_group_are_ignored_with_a_message(world, client_):
    response = client_.get(
        OVERVIEW, {"gebruiker": world.other_gebruiker.pk, "groep": world.other_groep.pk}
    )
    assert response.status_code == 200
    # Ignored: the whole tab, none of the other organisation's rows, their names never shown.
    assert set(names(response)) == {world.km.relatie_naam, world.other_afgegeven.relatie_naam}
    problems = response.context["filter_problems"]
    assert problems == [
        "De gekozen gebruiker is geen gebruiker van uw organisatie.",
        "De gekozen groep is geen groep van uw organisatie.",
    ]
    html = response.content.decode()
    assert world.other_groep.naam not in html
    assert str(world.other_gebruiker.user) not in html
    assert response.context["chips"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"einde_van": "2027-02-30"},
        {"einde_tot": "morgen"},
        {"einde_binnen": "drie"},
        {"einde_binnen": "0"},
        {"bron": "gestolen"},
        {"verlenging": "misschien"},
        {"per_pagina": "1000"},
        {"gebruiker": "abc"},
        {"dienst": "999999"},
        {"dienstverlener": "-1"},
        {"status": "actief", "tab": "wachtend"},
    ],
)
def test_bad_values_are_ignored_with_a_message(world, client_, params):
    response = client_.get(OVERVIEW, params)
    assert response.status_code == 200
    assert len(response.context["filter_problems"]) == 1
    assert 'role="alert"' in response.content.decode()


def test_the_status_filter_belongs_to_wachtend(world, client_):
    KetenmachtigingFactory(intermediair=world.organisatie, fout=True, relatie_naam="Fout B.V.")
    response = client_.get(OVERVIEW, {"tab": "actief", "status": "fout"})
    assert response.status_code == 200
    assert set(names(response)) == {world.km.relatie_naam, world.other_afgegeven.relatie_naam}
    wachtend = client_.get(OVERVIEW, {"tab": "wachtend", "status": "fout", "bron": "aangevraagd"})
    assert names(wachtend) == ["Fout B.V."] and wachtend.context["paginator"].count == 1


def test_dates_in_the_wrong_order_are_ignored(world, client_, filterable):
    response = client_.get(OVERVIEW, {"einde_van": "2027-04-01", "einde_tot": "2027-03-01"})
    assert response.context["filter_problems"] == [
        "De laatste einddatum ligt vóór de eerste; de datums worden genegeerd."
    ]
    assert "F Algemeen" in f_names(response)


def test_problems_in_english(world):
    user = world.beheerder.user
    user.taal = "en"
    user.save(update_fields=["taal"])
    response = verified_client(user).get(OVERVIEW, {"bron": "x"})
    assert response.context["filter_problems"] == ["The chosen origin is unknown."]


# --- Pages ------------------------------------------------------------------------------------


def test_page_size(world, client_):
    KetenmachtigingFactory.create_batch(
        30, intermediair=world.organisatie, actief=True, relatie_naam="Pagina"
    )
    assert len(names(client_.get(OVERVIEW))) == 32  # the default 50 per page
    response = client_.get(OVERVIEW, {"per_pagina": 25})
    assert len(names(response)) == 25
    second = client_.get(OVERVIEW, {"per_pagina": 25, "page": 2})
    assert len(names(second)) == 7
    # The page links keep the page size.
    assert 'rel="next" href="?per_pagina=25&amp;page=2"' in response.content.decode()


@pytest.mark.parametrize("page", ["999", "abc", "0", "-1", ""])
def test_a_bad_page_shows_the_first_with_a_message(world, client_, page):
    response = client_.get(OVERVIEW, {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    if page:
        assert response.context["filter_problems"] == [
            f"Pagina “{page}” bestaat niet; de eerste pagina wordt getoond."
        ]


# --- Counts per tab ---------------------------------------------------------------------------


def test_tabs_count_the_matches_of_search_and_filters(world, client_):
    org, today = world.organisatie, timezone.localdate()
    KetenmachtigingFactory(
        intermediair=org, actief=True, relatie_naam="Telling A", bron="geregistreerd"
    )
    KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Telling B",
        bron="geregistreerd",
        einddatum=today + timedelta(days=30),
    )
    KetenmachtigingFactory(intermediair=org, relatie_naam="Telling C", bron="geregistreerd")
    KetenmachtigingFactory(
        intermediair=org, beeindigd=True, relatie_naam="Telling D", bron="geregistreerd"
    )
    KetenmachtigingFactory(intermediair=org, actief=True, relatie_naam="Telling E")
    response = client_.get(OVERVIEW, {"q": "telling", "bron": "geregistreerd"})
    counts = {link.value: link.count for link in response.context["tab_links"]}
    assert counts == {"actief": 2, "wachtend": 1, "acties": 1, "verlopen": 0, "historie": 1}
    assert response.context["paginator"].count == 2
    # Without search and filters the tabs count everything.
    plain = {link.value: link.count for link in client_.get(OVERVIEW).context["tab_links"]}
    assert plain["actief"] == 5  # three active "Telling" + the world's two
    # The tab links carry the search and filters.
    link = next(x for x in response.context["tab_links"] if x.value == "historie")
    assert "q=telling" in link.url and "bron=geregistreerd" in link.url


def test_a_hint_when_all_matches_are_in_another_tab(world, client_):
    org = world.organisatie
    KetenmachtigingFactory(intermediair=org, relatie_naam="Elders A", bron="geregistreerd")
    KetenmachtigingFactory(intermediair=org, relatie_naam="Elders B", bron="geregistreerd")
    response = client_.get(OVERVIEW, {"bron": "geregistreerd", "q": "elders"})
    assert names(response) == []
    assert response.context["all_elsewhere"]
    html = response.content.decode()
    assert "Geen resultaten in dit tabblad" in html
    assert "2 in Wachtend op afhandeling" in html
    assert 'href="?tab=wachtend&amp;q=elders&amp;bron=geregistreerd"' in html


# --- Rows -------------------------------------------------------------------------------------


def test_renewal_markers_on_active_and_waiting_rows(world, client_):
    org = world.organisatie
    original = KetenmachtigingFactory(intermediair=org, actief=True, relatie_naam="Marker B.V.")
    renewal = KetenmachtigingFactory(
        intermediair=org,
        relatie_naam="Marker B.V.",
        vernieuwing_van=original,
        relatie_kvk_nummer="55500012",
    )
    actief = client_.get(OVERVIEW, {"q": "marker"}).content.decode()
    assert "Verlenging aangevraagd" in actief
    wachtend = client_.get(OVERVIEW, {"tab": "wachtend", "q": "marker"}).content.decode()
    assert f"Verlenging van {original.kenmerk}" in wachtend
    assert original.get_absolute_url() in wachtend
    # The active row links to its renewal.
    assert renewal.get_absolute_url() in actief


def test_queries_do_not_grow_with_the_rows(world, client_):
    org = world.organisatie
    dienst = DienstFactory()

    def add(n):
        for i in range(n):
            km = KetenmachtigingFactory(
                intermediair=org, actief=True, algemene_bevoegdheid=False, relatie_naam=f"Q {i}"
            )
            km.gebruikers.add(world.gebruiker)
            km.diensten.add(dienst)
            km.groepen.add(world.groep)
            renewal = KetenmachtigingFactory(
                intermediair=org, vernieuwing_van=km, relatie_naam=f"Q {i} verlenging"
            )
            assert renewal.status == Status.VERSTUURD

    params = {
        "q": "Q",
        "gebruiker": world.gebruiker.pk,
        "groep": world.groep.pk,
        "dienst": dienst.pk,
        "sort": "-statusdatum",
        "verlenging": "ja",
    }
    add(5)
    small, large = {}, {}
    for tab in ("actief", "wachtend"):
        client_.get(OVERVIEW, {**params, "tab": tab})
        with CaptureQueriesContext(connection) as captured:
            response = client_.get(OVERVIEW, {**params, "tab": tab})
        small[tab] = len(captured.captured_queries)
        assert len(response.context["ketenmachtigingen"]) == (5 if tab == "actief" else 0)
    add(45)
    for tab, expected in (("actief", 50), ("wachtend", 0)):
        with CaptureQueriesContext(connection) as captured:
            response = client_.get(OVERVIEW, {**params, "tab": tab})
        large[tab] = len(captured.captured_queries)
        assert len(response.context["ketenmachtigingen"]) == expected
    assert large == small
    # And on Wachtend, with the renewals listed.
    wachtend = {"q": "verlenging", "tab": "wachtend", "sort": "kvk"}
    with CaptureQueriesContext(connection) as first:
        client_.get(OVERVIEW, {**wachtend, "per_pagina": 25})
    with CaptureQueriesContext(connection) as second:
        response = client_.get(OVERVIEW, {**wachtend, "per_pagina": 50})
    assert len(response.context["ketenmachtigingen"]) == 50
    assert len(first.captured_queries) == len(second.captured_queries)


def test_selector_keeps_its_old_callers_working(world):
    # The REST API calls it with an organisation and a tab only, and uses tab_filter.
    qs = ketenmachtigingen_for(organisatie=world.organisatie, tab="actief")
    assert world.km in qs
    today = timezone.localdate()
    assert world.km in Ketenmachtiging.objects.filter(tab_filter("actief", today))
    assert list(
        ketenmachtigingen_for(organisatie=world.organisatie, filters=OverzichtFilters())
    ) == list(qs)


# --- Export -----------------------------------------------------------------------------------


def test_the_export_link_carries_sort_and_filters(client_, filterable):
    params = {"dienst": filterable["bd_dienst"].pk, "sort": "-relatie", "per_pagina": "25"}
    html = client_.get(OVERVIEW, params).content.decode()
    export_form = html.split('class="kp-export__form"')[1].split("</form>")[0]
    assert f'name="dienst" value="{filterable["bd_dienst"].pk}"' in export_form
    assert 'name="sort" value="-relatie"' in export_form
    assert "per_pagina" not in export_form


def test_the_export_has_the_same_sort_and_filters(world, client_, filterable):
    params = {
        "tab": "actief",
        "format": "xlsx",
        "dienst": filterable["bd_dienst"].pk,
        "sort": "-relatie",
        "q": "F",
        "gebruiker": world.other_gebruiker.pk,  # another organisation's: ignored, as on the page
    }
    response = client_.get(EXPORT, params)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    relaties = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert relaties == ["F Verlengd", "F Direct", "F Algemeen"]
    csv = client_.get(
        EXPORT, {**params, "format": "csv", "sort": "relatie", "bron": "geregistreerd"}
    )
    content = body(csv).decode("utf-8-sig")
    assert "F Algemeen" in content and "F Direct" not in content
