"""The other resources: the KvK lookup of a relatie, the service catalogue, the organisation's
users and groups, and its berichtenbox, each read through the selectors of its HTML page."""

import pytest
from django.utils import timezone

from berichtenbox.models import Bericht
from tests.factories import (
    DienstFactory,
    DienstverlenerFactory,
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    UserFactory,
)

from .contract import contract_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api_key):
    return contract_client(api_key[1], language="en")


@pytest.fixture
def client_nl(api_key):
    return contract_client(api_key[1], language="nl")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


# --- Relaties ------------------------------------------------------------------------------------


def test_a_company_is_looked_up_as_the_wizard_looks_it_up(client, organisatie):
    body = client.get("/api/v1/relaties/68.75.01.10/").json()
    assert body == {
        "naam": "Test BV Donald",
        "kvk_nummer": "68750110",
        "rsin": "864877341",
        "adres": "Kerkstraat 22",
        "postcode_plaats": "3511LK Utrecht",
        "land": "Nederland",
        "bestaande_ketenmachtiging": None,
    }
    assert client.get("/api/v1/relaties/864877341/").json()["kvk_nummer"] == "68750110"
    eenmanszaak = client.get("/api/v1/relaties/69599084/").json()
    assert eenmanszaak["rsin"] is None
    # An open ketenmachtiging for the company is pointed out (a request would be a duplicate).
    km = KetenmachtigingFactory(intermediair=organisatie, relatie_kvk_nummer="68750110")
    assert client.get("/api/v1/relaties/68750110/").json()["bestaande_ketenmachtiging"] == km.pk


def test_a_wrong_unknown_or_ended_company_is_a_problem_in_the_request_language(client, client_nl):
    wrong = client.get("/api/v1/relaties/12AB/").json()
    assert wrong["status"] == 400 and wrong["errors"][0]["field"] == "kvk"
    assert wrong["errors"][0]["code"] == "kvk_not_digits"
    assert (
        client_nl.get("/api/v1/relaties/12AB/")
        .json()["errors"][0]["message"]
        .startswith("Vul alleen cijfers in")
    )
    vestiging = client.get("/api/v1/relaties/000012345678/").json()
    assert vestiging["errors"][0]["code"] == "kvk_vestigingsnummer"
    unknown = client.get("/api/v1/relaties/90002903/").json()
    assert (unknown["status"], unknown["type"]) == (404, "urn:ketenportal:problem:kvk_not_found")
    assert unknown["detail"] == "No company was found with KvK number 90002903."
    ended = client.get("/api/v1/relaties/96354429/").json()
    assert (ended["status"], ended["type"]) == (422, "urn:ketenportal:problem:kvk_inactive")
    down = client_nl.get("/api/v1/relaties/90004973/").json()
    assert (down["status"], down["title"]) == (503, "Dienst niet beschikbaar")


# --- The catalogue -------------------------------------------------------------------------------


def test_the_services_with_provider_and_level_searchable(client, client_nl):
    uwv = DienstverlenerFactory(
        naam_nl="Uitvoeringsinstituut Werknemersverzekeringen", naam_en="UWV"
    )
    loon = DienstFactory(dienstverlener=uwv, naam_nl="Loonaangifte", naam_en="Payroll tax return")
    eh4 = DienstFactory(
        dienstverlener=uwv, naam_nl="Verzuim", eh_niveau="urn:etoegang:core:assurance-class:loa4"
    )
    niet = DienstFactory(dienstverlener=uwv, naam_nl="Inzage", no_intermediation=True)
    DienstFactory(dienstverlener=uwv, naam_nl="Oud", withdrawn=True)
    ander = DienstFactory(naam_nl="Omgevingsvergunning")
    rows = results(client.get("/api/v1/diensten/"))
    assert {r["id"] for r in rows} == {loon.pk, eh4.pk, niet.pk, ander.pk}
    by_id = {r["id"]: r for r in rows}
    assert by_id[loon.pk]["naam"] == "Payroll tax return"
    assert by_id[loon.pk]["dienstverlener"] == {"id": uwv.pk, "naam": "UWV"}
    assert (by_id[eh4.pk]["niveau"], by_id[loon.pk]["niveau"]) == ("EH4", "EH3")
    assert by_id[niet.pk]["bruikbaar_via_ketenmachtiging"] is False
    assert by_id[loon.pk]["bruikbaar_via_ketenmachtiging"] is True
    nl = results(client_nl.get("/api/v1/diensten/", {"q": "loonaangifte"}))
    assert [(r["id"], r["naam"]) for r in nl] == [(loon.pk, "Loonaangifte")]
    # A word of the provider's name finds its services.
    assert {r["id"] for r in results(client.get("/api/v1/diensten/", {"q": "uwv"}))} == {
        loon.pk,
        eh4.pk,
        niet.pk,
    }
    only = results(client.get("/api/v1/diensten/", {"dienstverlener": ander.dienstverlener_id}))
    assert [r["id"] for r in only] == [ander.pk]


def test_the_service_providers(client):
    uwv = DienstverlenerFactory(naam_nl="UWV", oin="00000001234567890000")
    DienstverlenerFactory(naam_nl="Weg", aangeboden=False)
    assert results(client.get("/api/v1/dienstverleners/")) == [
        {"id": uwv.pk, "oin": "00000001234567890000", "naam": "UWV (EN)"}
    ]


# --- Users and groups ----------------------------------------------------------------------------


def test_the_users_of_the_organisation(client, organisatie, beheerder, other_organisatie):
    lid = LidmaatschapFactory(organisatie=organisatie, user__last_name="Jansen")
    eh2 = LidmaatschapFactory(
        organisatie=organisatie, user__eh_niveau="urn:etoegang:core:assurance-class:loa2"
    )
    gone = LidmaatschapFactory(organisatie=organisatie, user=UserFactory(is_active=False))
    LidmaatschapFactory(organisatie=other_organisatie)
    rows = results(client.get("/api/v1/gebruikers/"))
    assert {r["id"] for r in rows} == {
        beheerder.lidmaatschappen.get().pk,
        lid.pk,
        eh2.pk,
    }
    assert gone.pk not in {r["id"] for r in rows}
    by_id = {r["id"]: r for r in rows}
    assert by_id[lid.pk]["achternaam"] == "Jansen" and by_id[lid.pk]["rol"] == "gebruiker"
    assert by_id[eh2.pk]["kan_ketenmachtigingen_gebruiken"] is False
    assert [r["id"] for r in results(client.get("/api/v1/gebruikers/", {"q": "jansen"}))] == [
        lid.pk
    ]
    detail = client.get(f"/api/v1/gebruikers/{lid.pk}/").json()
    # The label in the request's language (this client asks for English).
    assert detail["email"] == lid.user.email and detail["rol_label"] == "User"


def test_the_groups_with_their_services_and_members(client, organisatie):
    dienst = DienstFactory(naam_en="Payroll tax return")
    groep = GroepFactory(
        organisatie=organisatie, naam="Loonadministratie", algemene_bevoegdheid=False
    )
    groep.diensten.add(dienst)
    leden = [LidmaatschapFactory(organisatie=organisatie) for _ in range(2)]
    groep.leden.add(*leden)
    GroepFactory(organisatie=organisatie, naam="Fiscaal")
    rows = results(client.get("/api/v1/groepen/"))
    assert [r["naam"] for r in rows] == ["Loonadministratie", "Fiscaal"]
    assert rows[0]["aantal_leden"] == 2
    assert rows[0]["scope"]["diensten"][0]["naam"] == "Payroll tax return"
    assert rows[1]["scope"]["algemene_bevoegdheid"] is True
    assert [r["naam"] for r in results(client.get("/api/v1/groepen/", {"q": "fisc"}))] == [
        "Fiscaal"
    ]
    detail = client.get(f"/api/v1/groepen/{groep.pk}/").json()
    assert {lid["id"] for lid in detail["leden"]} == {lid.pk for lid in leden}


# --- The berichtenbox ----------------------------------------------------------------------------


def test_messages_newest_first_rendered_in_the_request_language(client, client_nl, organisatie):
    km = KetenmachtigingFactory(intermediair=organisatie, relatie_naam="Bakkerij Jansen")
    oud = Bericht.objects.create(
        organisatie=organisatie, soort="status", onderwerp="Oud", tekst="x"
    )
    nieuw = Bericht.objects.create(
        organisatie=organisatie,
        soort="status",
        sjabloon="ketenmachtigingen.ontvangen",
        params={"relatie": "Bakkerij Jansen", "kvk": "12345678", "kenmerk": km.kenmerk},
        betreft=km,
    )
    en = results(client.get("/api/v1/berichten/"))
    assert [r["id"] for r in en] == [nieuw.pk, oud.pk]
    assert en[0]["titel"] == "Form for Bakkerij Jansen received"
    assert en[0]["inhoud"].startswith("The signed form for the ketenmachtiging of Bakkerij Jansen")
    assert en[0]["ketenmachtiging"] == km.pk and en[1]["ketenmachtiging"] is None
    assert en[0]["soort_label"] == "Status change"
    nl = client_nl.get(f"/api/v1/berichten/{nieuw.pk}/").json()
    assert nl["titel"] != en[0]["titel"] and "Bakkerij Jansen" in nl["titel"]
    assert results(client.get("/api/v1/berichten/", {"soort": "verlopen"})) == []


def test_reading_does_not_mark_read_gelezen_does(client, organisatie):
    bericht = Bericht.objects.create(organisatie=organisatie, soort="status", onderwerp="x")
    assert client.get(f"/api/v1/berichten/{bericht.pk}/").json()["gelezen_op"] is None
    bericht.refresh_from_db()
    assert bericht.gelezen_op is None
    body = client.post(f"/api/v1/berichten/{bericht.pk}/gelezen/").json()
    bericht.refresh_from_db()
    assert bericht.gelezen_op is not None and body["gelezen_op"]
    first = bericht.gelezen_op
    client.post(f"/api/v1/berichten/{bericht.pk}/gelezen/")
    bericht.refresh_from_db()
    assert bericht.gelezen_op == first  # the first reading counts
    assert first <= timezone.now()
