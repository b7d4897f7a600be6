"""History stays findable (issue 13): ended, withdrawn and lapsed ketenmachtigingen are in the tab
Historie, searchable, paged and exportable; every ketenmachtiging is in exactly one of the tabs
Actief, Wachtend op afhandeling, Verlopen and Historie (Acties is part of Actief); a search says
how many matches the other tabs have; ended and expired ones offer nothing to link."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketenmachtigingen import selectors
from ketenmachtigingen.constants import Status, Tab
from tests.conftest import verified_client
from tests.factories import DienstFactory, KetenmachtigingFactory, LidmaatschapFactory

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("ketenmachtigingen:van_relaties")
EXPORT = reverse("ketenmachtigingen:export")
#: The tabs that divide all ketenmachtigingen between them.
PARTITION = ("actief", "wachtend", "verlopen", "historie")
#: The tab of each effective status.
TAB_OF = {
    Status.ACTIEF: "actief",
    Status.VERSTUURD: "wachtend",
    Status.ONTVANGEN: "wachtend",
    Status.INCOMPLEET: "wachtend",
    Status.FOUT: "wachtend",
    Status.VERLOPEN: "verlopen",
    Status.BEEINDIGD: "historie",
    Status.VERVALLEN: "historie",
}


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def names(response) -> set[str]:
    return {km.relatie_naam for km in response.context["ketenmachtigingen"]}


def every_shape(org):
    """One ketenmachtiging of every status and date situation, named by its shape."""
    today = timezone.localdate()
    past = today - timedelta(days=1)
    make = KetenmachtigingFactory
    return [
        make(intermediair=org, actief=True, relatie_naam="Actief"),
        make(
            intermediair=org,
            actief=True,
            relatie_naam="Actief, bijna verlopen",
            einddatum=today + timedelta(days=40),
        ),
        make(
            intermediair=org,
            actief=True,
            relatie_naam="Actief, einde gepland",
            einde_gepland_op=today + timedelta(days=10),
        ),
        make(intermediair=org, relatie_naam="Verstuurd"),
        make(intermediair=org, ontvangen=True, relatie_naam="Ontvangen"),
        make(
            intermediair=org,
            ontvangen=True,
            relatie_naam="Ontvangen, termijn voorbij",
            uitnodiging_geldig_tot=past,
        ),
        make(intermediair=org, incompleet=True, relatie_naam="Incompleet"),
        make(intermediair=org, fout=True, relatie_naam="Fout"),
        make(intermediair=org, relatie_naam="Verstuurd, vervallen", uitnodiging_geldig_tot=past),
        make(
            intermediair=org,
            incompleet=True,
            relatie_naam="Incompleet, vervallen",
            uitnodiging_geldig_tot=past,
        ),
        make(
            intermediair=org, fout=True, relatie_naam="Fout, vervallen", uitnodiging_geldig_tot=past
        ),
        make(intermediair=org, status=Status.VERVALLEN, relatie_naam="Vervallen"),
        make(intermediair=org, verlopen=True, relatie_naam="Verlopen"),
        make(
            intermediair=org,
            actief=True,
            relatie_naam="Actief, einddatum voorbij",
            startdatum=today - timedelta(days=400),
            einddatum=past,
        ),
        make(
            intermediair=org,
            actief=True,
            relatie_naam="Actief, einde gepland vandaag",
            einde_gepland_op=today,
        ),
        make(
            intermediair=org,
            actief=True,
            relatie_naam="Actief, einde gepland en einddatum voorbij",
            startdatum=today - timedelta(days=400),
            einde_gepland_op=today - timedelta(days=10),
            einddatum=today - timedelta(days=5),
        ),
        make(
            intermediair=org,
            beeindigd=True,
            relatie_naam="Beeindigd",
            startdatum=today - timedelta(days=100),
            einddatum=today + timedelta(days=1000),
        ),
        make(intermediair=org, beeindigd=True, relatie_naam="Ingetrokken"),
    ]


def test_every_ketenmachtiging_is_in_exactly_one_tab_the_one_of_its_effective_status(
    world, client_
):
    org = world.organisatie
    kms = every_shape(org)
    KetenmachtigingFactory(
        intermediair=world.other_organisatie, beeindigd=True, relatie_naam="Vreemd"
    )
    in_tab = {tab: names(client_.get(OVERVIEW, {"tab": tab})) for tab in PARTITION}
    for km in kms:
        holding = [tab for tab, found in in_tab.items() if km.relatie_naam in found]
        assert holding == [TAB_OF[km.effective_status()]], (km.relatie_naam, holding)
    assert in_tab["historie"] == {
        "Verstuurd, vervallen",
        "Incompleet, vervallen",
        "Fout, vervallen",
        "Vervallen",
        "Actief, einde gepland vandaag",
        "Actief, einde gepland en einddatum voorbij",
        "Beeindigd",
        "Ingetrokken",
    }
    counts = client_.get(OVERVIEW).context["counts"]
    # The world holds two active ones of this organisation besides these.
    assert counts == {
        "actief": 5,
        "wachtend": 5,
        "acties": 1,
        "verlopen": 2,
        "historie": 8,
    }
    assert sum(counts[t] for t in PARTITION) == len(kms) + 2


def test_the_tab_counts_stay_one_pass_over_the_rows(world):
    every_shape(world.organisatie)
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.tab_counts(organisatie=world.organisatie)
    # One aggregate for Actief, Wachtend, Verlopen and Historie; Acties is counted on its own.
    assert len(queries.captured_queries) == 2
    assert counts["historie"] == 8


def test_historie_is_searchable_and_paged(world, client_):
    KetenmachtigingFactory.create_batch(
        53, intermediair=world.organisatie, beeindigd=True, relatie_naam="Zz Oud Bedrijf"
    )
    KetenmachtigingFactory(
        intermediair=world.organisatie,
        status=Status.VERVALLEN,
        relatie_naam="Bakkerij Vervlogen",
        relatie_kvk_nummer="55667788",
    )
    first = client_.get(OVERVIEW, {"tab": "historie"})
    assert first.status_code == 200
    assert first.context["paginator"].count == 54
    assert first.context["paginator"].num_pages == 2
    assert (
        len(client_.get(OVERVIEW, {"tab": "historie", "page": 2}).context["ketenmachtigingen"]) == 4
    )
    assert names(client_.get(OVERVIEW, {"tab": "historie", "q": "vervlogen"})) == {
        "Bakkerij Vervlogen"
    }
    assert names(client_.get(OVERVIEW, {"tab": "historie", "q": "5566"})) == {"Bakkerij Vervlogen"}
    html = first.content.decode()
    assert "Historie" in html
    assert 'href="?tab=historie"' in html


def test_historie_can_be_exported(world, client_):
    KetenmachtigingFactory(intermediair=world.organisatie, beeindigd=True, relatie_naam="Beeindigd")
    KetenmachtigingFactory(
        intermediair=world.organisatie,
        relatie_naam="Vervallen",
        uitnodiging_geldig_tot=timezone.localdate() - timedelta(days=1),
    )
    KetenmachtigingFactory(
        intermediair=world.other_organisatie, beeindigd=True, relatie_naam="Vreemd"
    )
    response = client_.get(EXPORT, {"tab": "historie", "format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    relaties = {row[1] for row in rows[1:]}
    assert relaties == {"Beeindigd", "Vervallen"}
    assert "historie" in response["Content-Disposition"]
    xlsx = client_.get(EXPORT, {"tab": "historie", "format": "xlsx"})
    assert xlsx.status_code == 200
    html = client_.get(OVERVIEW, {"tab": "historie"}).content.decode()
    assert 'name="tab" value="historie"' in html  # the wolkje exports this tab


def test_a_search_says_how_many_matches_the_other_tabs_have(world, client_):
    org = world.organisatie
    KetenmachtigingFactory(intermediair=org, actief=True, relatie_naam="Bakker Actief")
    KetenmachtigingFactory.create_batch(3, intermediair=org, relatie_naam="Bakker Wacht")
    KetenmachtigingFactory(intermediair=org, beeindigd=True, relatie_naam="Bakker Oud")
    KetenmachtigingFactory(
        intermediair=world.other_organisatie, verlopen=True, relatie_naam="Bakker Vreemd"
    )
    response = client_.get(OVERVIEW, {"q": "bakker"})
    assert names(response) == {"Bakker Actief"}
    others = response.context["other_matches"]
    assert [(m.tab, m.count) for m in others] == [("wachtend", 3), ("historie", 1)]
    html = response.content.decode()
    assert "3 in Wachtend op afhandeling" in html and "1 in Historie" in html
    assert 'href="?tab=wachtend&amp;q=bakker"' in html
    assert 'href="?tab=historie&amp;q=bakker"' in html
    # Without a search there is nothing to point at; on Historie the Actief match is named.
    assert client_.get(OVERVIEW).context["other_matches"] == []
    on_historie = client_.get(OVERVIEW, {"tab": "historie", "q": "bakker"}).context
    assert [(m.tab, m.count) for m in on_historie["other_matches"]] == [
        ("actief", 1),
        ("wachtend", 3),
    ]
    assert on_historie["paginator"].count == 1


def test_a_search_counts_the_other_tabs_in_one_query(world):
    every_shape(world.organisatie)
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.search_counts(organisatie=world.organisatie, q="vervallen")
    assert len(queries.captured_queries) == 1
    assert counts == {"actief": 0, "wachtend": 0, "verlopen": 0, "historie": 4}


def _add(world, n, **traits):
    for _ in range(n):
        km = KetenmachtigingFactory(
            intermediair=world.organisatie, algemene_bevoegdheid=False, **traits
        )
        km.gebruikers.add(LidmaatschapFactory(organisatie=world.organisatie))
        km.diensten.add(DienstFactory())
        km.groepen.add(world.groep)


@pytest.mark.parametrize("params", [{"tab": "historie"}, {"tab": "historie", "q": "relatie"}])
def test_historie_queries_do_not_grow(world, client_, params, django_assert_max_num_queries):
    _add(world, 3, beeindigd=True)
    _add(world, 1, actief=True)
    client_.get(OVERVIEW, params)
    with CaptureQueriesContext(connection) as small:
        client_.get(OVERVIEW, params)
    _add(world, 25, beeindigd=True)
    _add(world, 5, actief=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client_.get(OVERVIEW, params)
    assert len(response.context["ketenmachtigingen"]) == 28


def test_a_search_costs_no_more_queries_than_before_the_other_tab_counts(world, client_):
    """The other tabs' counts replace the search's own count: one query for both."""
    _add(world, 3, actief=True)
    with CaptureQueriesContext(connection) as plain:
        client_.get(OVERVIEW, {"tab": "actief"})
    with CaptureQueriesContext(connection) as searched:
        client_.get(OVERVIEW, {"tab": "actief", "q": "relatie"})
    assert len(searched.captured_queries) <= len(plain.captured_queries) + 1


# --- Nothing to link on ended or expired ones -------------------------------------------------


def test_ended_and_expired_rows_offer_no_add_user(world, client_):
    for trait, tab in (("beeindigd", "historie"), ("verlopen", "verlopen")):
        km = KetenmachtigingFactory(intermediair=world.organisatie, **{trait: True})
        km.gebruikers.add(world.gebruiker)
        html = client_.get(OVERVIEW, {"tab": tab}).content.decode()
        assert km.relatie_naam in html
        assert reverse("ketenmachtigingen:opnieuw_aanvragen", args=[km.pk]) in html
        assert "Vraag opnieuw aan" in html
        assert "Voeg gebruiker toe" not in html, tab
        assert f'href="{reverse("ketenmachtigingen:gebruikers", args=[km.pk])}"' not in html, tab
    active = client_.get(OVERVIEW).content.decode()
    assert "Voeg gebruiker toe" in active and "Vraag opnieuw aan" not in active


@pytest.mark.parametrize(
    "traits",
    [
        {"beeindigd": True},
        {"verlopen": True},
        {"status": Status.VERVALLEN},
        {"uitnodiging_geldig_tot": timezone.localdate() - timedelta(days=1)},
    ],
    ids=["beeindigd", "verlopen", "vervallen", "lapsed"],
)
def test_ended_and_expired_detail_pages_offer_no_add_user(world, client_, traits):
    km = KetenmachtigingFactory(intermediair=world.organisatie, **traits)
    html = client_.get(km.get_absolute_url()).content.decode()
    assert "Voeg gebruiker toe" not in html
    assert f'href="{reverse("ketenmachtigingen:gebruikers", args=[km.pk])}"' not in html
    assert reverse("ketenmachtigingen:opnieuw_aanvragen", args=[km.pk]) in html
    # The page to add users is not offered either: back to the ketenmachtiging, with why.
    response = client_.get(reverse("ketenmachtigingen:gebruikers", args=[km.pk]))
    assert response.status_code == 302 and response["Location"] == km.get_absolute_url()


def test_no_empty_actions_heading(world, client_):
    km = KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        einde_gepland_op=timezone.localdate() + timedelta(days=200),
    )
    html = client_.get(km.get_absolute_url()).content.decode()
    assert 'id="acties"' not in html
    assert "Voeg gebruiker toe" in html  # active until its end date: users can still be added
    active = client_.get(world.km.get_absolute_url()).content.decode()
    assert 'id="acties"' in active


def test_tab_labels():
    assert Tab.HISTORIE.value == "historie"
    from django.utils import translation

    with translation.override("nl"):
        assert str(Tab.HISTORIE.label) == "Historie"
