"""Ketenmachtigingen through the API behave as through the pages: the same lists and tabs, the
same checks and messages, the same services (invitation in the outbox, audit with the key as
channel), and pages whose number of queries does not grow with their size."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from accounts.models import AuditEntry
from api.services import apikey_create
from ketenmachtigingen import selectors
from ketenmachtigingen.constants import Bron, Status, Tab
from ketenmachtigingen.emails import UITNODIGING
from ketenmachtigingen.forms import VersturenForm
from ketenmachtigingen.models import Ketenmachtiging, StatusWijziging
from outbox.models import Mail
from tests.factories import (
    DienstFactory,
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
)

from .contract import contract_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/ketenmachtigingen/"
KVK_DONALD = "68750110"  # in the shipped local KvK dataset (Test BV Donald)
KVK_KATRIEN = "68727720"
RELATIE_CONTACT = {
    "voorletters": "D.",
    "achternaam": "Duck",
    "email": "directie@donald.nl",
    "telefoon": "020 123 4567",
}
CONTACT = {
    "voorletters": "A.B.",
    "tussenvoegsel": "van",
    "achternaam": "Pietersen",
    "email": "a.pietersen@accountants.nl",
    "telefoon": "06-12345678",
}


@pytest.fixture
def client(api_key):
    return contract_client(api_key[1], language="en")


@pytest.fixture
def client_nl(api_key):
    return contract_client(api_key[1], language="nl")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [row["id"] for row in response.json()["results"]]


def all_ids(client, params=None) -> list[int]:
    """Every id of the list, page by page through the cursor."""
    found, url, params = [], BASE, dict(params or {})
    while url:
        response = client.get(url, params)
        found += ids(response)
        url, params = response.json()["next"], None
    return found


# --- The list -----------------------------------------------------------------------------------


@pytest.fixture
def every_state(organisatie):
    """One ketenmachtiging of ``organisatie`` in every state, effective and stored."""
    today = timezone.localdate()
    past = today - timedelta(days=1)
    rows = {
        "actief": KetenmachtigingFactory(intermediair=organisatie, actief=True),
        "actief, due": KetenmachtigingFactory(
            intermediair=organisatie, actief=True, einddatum=today + relativedelta(months=2)
        ),
        "actief, past its end date": KetenmachtigingFactory(
            intermediair=organisatie, actief=True, einddatum=past
        ),
        "actief, scheduled end passed": KetenmachtigingFactory(
            intermediair=organisatie, actief=True, einde_gepland_op=past
        ),
        "actief, ends later": KetenmachtigingFactory(
            intermediair=organisatie, actief=True, einde_gepland_op=today + timedelta(days=9)
        ),
        "verstuurd": KetenmachtigingFactory(intermediair=organisatie),
        "verstuurd, lapsed": KetenmachtigingFactory(
            intermediair=organisatie, uitnodiging_geldig_tot=past
        ),
        "ontvangen": KetenmachtigingFactory(intermediair=organisatie, ontvangen=True),
        "incompleet": KetenmachtigingFactory(intermediair=organisatie, incompleet=True),
        "incompleet, lapsed": KetenmachtigingFactory(
            intermediair=organisatie, incompleet=True, uitnodiging_geldig_tot=past
        ),
        "fout": KetenmachtigingFactory(intermediair=organisatie, fout=True),
        "verlopen": KetenmachtigingFactory(intermediair=organisatie, verlopen=True),
        "beeindigd": KetenmachtigingFactory(intermediair=organisatie, beeindigd=True),
        "vervallen": KetenmachtigingFactory(intermediair=organisatie, status="vervallen"),
        "afgewezen": KetenmachtigingFactory(intermediair=organisatie, status="afgewezen"),
    }
    # Granted to the organisation (it is the relatie): not in its list.
    KetenmachtigingFactory(relatie_organisatie=organisatie, actief=True)
    return rows


def test_without_a_tab_the_list_is_every_ketenmachtiging_of_the_organisation(
    client, organisatie, every_state
):
    expected = sorted(km.pk for km in every_state.values())
    assert all_ids(client) == expected
    assert all_ids(client, {"page_size": 2}) == expected  # in order, none twice, none missed


@pytest.mark.parametrize("tab", Tab.values)
def test_a_tab_holds_what_the_overview_tab_holds(client, organisatie, every_state, tab):
    expected = sorted(
        km.pk for km in selectors.ketenmachtigingen_for(organisatie=organisatie, tab=tab)
    )
    assert expected
    assert all_ids(client, {"tab": tab}) == expected


@pytest.mark.parametrize("status", Status.values)
def test_the_status_filter_and_field_are_the_status_of_today(client, every_state, status):
    today = timezone.localdate()
    expected = sorted(km.pk for km in every_state.values() if km.effective_status(today) == status)
    assert expected, status
    response = client.get(BASE, {"status": status})
    assert ids(response) == expected
    for row in response.json()["results"]:
        assert row["status"] == status
        assert row["status_label"] == str(Status(status).label)


def test_the_status_label_is_in_the_request_language(api_key, organisatie):
    KetenmachtigingFactory(intermediair=organisatie, actief=True)
    nl = contract_client(api_key[1], language="nl").get(BASE).json()["results"][0]
    en = contract_client(api_key[1], language="en").get(BASE).json()["results"][0]
    assert (nl["status"], nl["status_label"]) == ("actief", "Actief")
    assert (en["status"], en["status_label"]) == ("actief", "Active")


def test_filters_on_relatie_end_date_and_changes(client, organisatie):
    today = timezone.localdate()
    a = KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        relatie_kvk_nummer="69599084",
        einddatum=today + timedelta(days=30),
    )
    b = KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        relatie_kvk_nummer="",
        relatie_rsin="864877341",
        einddatum=today + timedelta(days=60),
    )
    c = KetenmachtigingFactory(intermediair=organisatie)
    Ketenmachtiging.objects.filter(pk__in=[a.pk, b.pk]).update(
        updated_at=timezone.now() - timedelta(days=3)
    )
    assert ids(client.get(BASE, {"relatie_kvk": "6959 9084"})) == [a.pk]
    assert ids(client.get(BASE, {"relatie_rsin": "8648.77.341"})) == [b.pk]
    middle = (today + timedelta(days=45)).isoformat()
    assert ids(client.get(BASE, {"einddatum_voor": middle})) == [a.pk]
    assert ids(client.get(BASE, {"einddatum_na": middle})) == [b.pk]
    assert ids(client.get(BASE, {"einddatum_na": (today + timedelta(days=30)).isoformat()})) == [
        b.pk
    ]
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(client.get(BASE, {"gewijzigd_sinds": since})) == [c.pk]
    assert ids(client.get(BASE, {"tab": "actief", "einddatum_voor": middle})) == [a.pk]
    # Linking a user counts as a change: who may use it is part of what a sync reads.
    from ketenmachtigingen import services

    lid = LidmaatschapFactory(organisatie=organisatie)
    services.ketenmachtiging_link(
        actor=a.created_by or lid.user, km=a, gebruikers=[lid], groepen=[]
    )
    assert ids(client.get(BASE, {"gewijzigd_sinds": since})) == sorted([a.pk, c.pk])


def test_a_wrong_filter_is_a_problem_naming_it_in_the_request_language(client, client_nl):
    params = {"tab": "alles", "relatie_kvk": "123", "einddatum_na": "morgen"}
    en = client.get(BASE, params).json()
    nl = client_nl.get(BASE, params).json()
    assert en["status"] == 400 and en["type"] == "urn:ketenportal:problem:validation"
    assert [e["field"] for e in en["errors"]] == ["tab", "relatie_kvk", "einddatum_na"]
    assert [e["field"] for e in nl["errors"]] == ["tab", "relatie_kvk", "einddatum_na"]
    assert en["errors"][1]["message"] == "A KvK number consists of 8 digits; '123' has 3."
    assert nl["errors"][1]["message"] != en["errors"][1]["message"]
    assert nl["title"] == "Het verzoek is ongeldig"


def _linked(km, organisatie, n: int) -> None:
    km.diensten.add(*[DienstFactory() for _ in range(n)])
    km.gebruikers.add(*[LidmaatschapFactory(organisatie=organisatie) for _ in range(n)])
    km.groepen.add(*[GroepFactory(organisatie=organisatie) for _ in range(n)])


def test_a_page_costs_the_same_queries_for_5_and_for_50_rows(
    client, organisatie, django_assert_max_num_queries
):
    dienst = DienstFactory()
    lid = LidmaatschapFactory(organisatie=organisatie)
    groep = GroepFactory(organisatie=organisatie)
    for _ in range(50):
        km = KetenmachtigingFactory(
            intermediair=organisatie, actief=True, algemene_bevoegdheid=False
        )
        km.diensten.add(dienst)
        km.dienstverleners.add(dienst.dienstverlener)
        km.gebruikers.add(lid)
        km.groepen.add(groep)
    client.get(BASE, {"page_size": 1})  # the key's "last used" is written once
    with CaptureQueriesContext(connection) as five:
        assert len(ids(client.get(BASE, {"page_size": 5}))) == 5
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get(BASE, {"page_size": 50})
    assert len(ids(response)) == 50
    assert all(row["scope"]["diensten"] and row["gebruikers"] for row in response.json()["results"])
    # The key and its maker (2), the subscription (1), the page (1), its links (4: one per
    # relation).
    assert len(five.captured_queries) == 8


def test_the_detail_costs_the_same_queries_with_5_and_with_50_links(
    client, organisatie, django_assert_max_num_queries
):
    small = KetenmachtigingFactory(
        intermediair=organisatie, actief=True, algemene_bevoegdheid=False
    )
    large = KetenmachtigingFactory(
        intermediair=organisatie, actief=True, algemene_bevoegdheid=False
    )
    _linked(small, organisatie, 5)
    _linked(large, organisatie, 50)
    for km in (small, large):
        for _ in range(1 if km is small else 25):
            StatusWijziging.objects.create(ketenmachtiging=km, van="", naar="aanvraag_verstuurd")
            StatusWijziging.objects.create(
                ketenmachtiging=km, van="aanvraag_verstuurd", naar="actief"
            )
    client.get(f"{BASE}{small.pk}/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{BASE}{small.pk}/").status_code == 200
    with django_assert_max_num_queries(len(queries.captured_queries)):
        body = client.get(f"{BASE}{large.pk}/").json()
    assert len(body["gebruikers"]) == len(body["groepen"]) == len(body["scope"]["diensten"]) == 50
    assert len(body["status_historie"]) == 50


def test_the_detail_has_scope_links_history_and_what_can_be_done(client, organisatie, beheerder):
    today = timezone.localdate()
    dienst = DienstFactory(naam_en="Payroll tax return")
    lid = LidmaatschapFactory(organisatie=organisatie)
    groep = GroepFactory(organisatie=organisatie, naam="Loonadministratie")
    km = KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        algemene_bevoegdheid=False,
        einddatum=today + relativedelta(months=1),
        relatie_rsin="864877341",
    )
    km.diensten.add(dienst)
    km.gebruikers.add(lid)
    km.groepen.add(groep)
    StatusWijziging.objects.create(ketenmachtiging=km, van="", naar="aanvraag_verstuurd")
    StatusWijziging.objects.create(
        ketenmachtiging=km, van="aanvraag_verstuurd", naar="actief", actor=beheerder
    )
    body = client.get(f"{BASE}{km.pk}/").json()
    assert body["kenmerk"] == km.kenmerk
    assert body["url"].endswith(f"/api/v1/ketenmachtigingen/{km.pk}/")
    assert body["relatie"]["kvk_nummer"] == km.relatie_kvk_nummer
    assert body["relatie"]["rsin"] == "864877341"
    assert body["scope"]["algemene_bevoegdheid"] is False
    assert body["scope"]["diensten"][0]["naam"] == "Payroll tax return"
    assert body["scope"]["omschrijving"].startswith("1 service: Payroll tax return")
    assert body["gebruikers"] == [{"id": lid.pk, "naam": str(lid.user)}]
    assert body["groepen"] == [{"id": groep.pk, "naam": "Loonadministratie"}]
    assert [(h["van"], h["naar"]) for h in body["status_historie"]] == [
        (None, "aanvraag_verstuurd"),
        ("aanvraag_verstuurd", "actief"),
    ]
    assert body["status_historie"][1]["door"] == str(beheerder)
    assert body["acties"] == {"verlengen": True, "beeindigen": True, "intrekken": False}
    algemeen = KetenmachtigingFactory(intermediair=organisatie, actief=True)
    scope = client.get(f"{BASE}{algemeen.pk}/").json()["scope"]
    assert scope["algemene_bevoegdheid"] is True
    assert scope["omschrijving"] == "General authority: all services"


# --- Request -------------------------------------------------------------------------------------


def aanvraag(**changes) -> dict:
    return {
        "relatie": {"kvk_nummer": KVK_DONALD},
        "scope": {"algemene_bevoegdheid": True},
        "looptijd_jaren": 3,
        "referentie": "dossier 42",
        "contact": CONTACT,
        "relatie_contact": RELATIE_CONTACT,
        "taal": "en",
        "persoonlijk_bericht": "Graag voor het eind van de maand.",
        "akkoord_kosten": True,
        **changes,
    }


def test_a_request_creates_the_ketenmachtiging_and_queues_the_invitation(
    client, organisatie, api_key
):
    dienst = DienstFactory()
    lid = LidmaatschapFactory(organisatie=organisatie)
    groep = GroepFactory(organisatie=organisatie)
    response = client.post(
        BASE,
        aanvraag(scope={"diensten": [dienst.pk]}, gebruikers=[lid.pk], groepen=[groep.pk]),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    km = Ketenmachtiging.objects.get(pk=body["id"])
    assert response["Location"] == body["url"]
    assert (km.status, km.bron, km.intermediair_id) == (
        Status.VERSTUURD,
        Bron.AANGEVRAAGD,
        organisatie.pk,
    )
    assert (km.relatie_naam, km.relatie_kvk_nummer) == ("Test BV Donald", KVK_DONALD)
    assert km.relatie_rsin == "864877341"  # as the KvK gave it
    assert list(km.diensten.all()) == [dienst] and not km.algemene_bevoegdheid
    assert list(km.gebruikers.all()) == [lid] and list(km.groepen.all()) == [groep]
    assert (km.looptijd_jaren, km.referentie, km.taal) == (3, "dossier 42", "en")
    assert (km.contact_achternaam, km.contact_telefoon) == ("Pietersen", "+31612345678")
    assert (km.relatie_contact_email, km.relatie_contact_telefoon) == (
        "directie@donald.nl",
        "+31201234567",
    )
    assert km.akkoord_kosten_op is not None and km.created_by == api_key[0].created_by
    assert body["status"] == "aanvraag_verstuurd" and body["uitnodiging_geldig_tot"]
    # The invitation goes out the way the wizard's does: through the outbox.
    invitation = Mail.objects.get(soort=UITNODIGING)
    assert invitation.ontvanger == "directie@donald.nl" and invitation.betreft == km
    # Audited, with the key as the channel.
    audit = AuditEntry.objects.get(object_type="ketenmachtigingen.ketenmachtiging", action="create")
    assert api_key[0].prefix in audit.via and "Boekhouding" in audit.via


def test_without_a_contact_the_sender_settings_are_used(client, organisatie):
    from ketenmachtigingen.models import Afzenderinstellingen

    Afzenderinstellingen.objects.create(
        organisatie=organisatie,
        voorletters="S.",
        achternaam="Secretariaat",
        email="secretariaat@alpha.nl",
        telefoon="+31301234567",
    )
    body = aanvraag()
    del body["contact"]
    assert client.post(BASE, body, format="json").status_code == 201
    km = Ketenmachtiging.objects.get()
    assert (km.contact_achternaam, km.contact_email) == ("Secretariaat", "secretariaat@alpha.nl")


def test_a_second_request_for_the_relatie_is_refused_as_the_wizard_refuses_it(
    client, client_nl, organisatie
):
    bestaande = KetenmachtigingFactory(
        intermediair=organisatie, actief=True, relatie_kvk_nummer=KVK_DONALD
    )
    en = client.post(BASE, aanvraag(), format="json")
    nl = client_nl.post(BASE, aanvraag(), format="json")
    assert en.status_code == nl.status_code == 409
    assert en.json()["type"] == "urn:ketenportal:problem:duplicate"
    assert en.json()["existing_id"] == bestaande.pk
    assert en.json()["detail"] == (
        "Test BV Donald already has an active or pending ketenmachtiging with you."
    )
    assert nl.json()["detail"] != en.json()["detail"] and "Test BV Donald" in nl.json()["detail"]
    assert Ketenmachtiging.objects.count() == 1 and not Mail.objects.exists()


def test_validation_errors_per_field_with_the_wizards_messages_in_nl_and_en(
    client, client_nl, organisatie, other_organisatie
):
    withdrawn = DienstFactory(withdrawn=True)
    foreign_lid = LidmaatschapFactory(organisatie=other_organisatie)
    foreign_groep = GroepFactory(organisatie=other_organisatie)
    eh2 = LidmaatschapFactory(
        organisatie=organisatie, user__eh_niveau="urn:etoegang:core:assurance-class:loa2"
    )
    body = aanvraag(
        relatie={"kvk_nummer": "1234567890"},
        scope={"diensten": [withdrawn.pk]},
        gebruikers=[foreign_lid.pk, eh2.pk],
        groepen=[foreign_groep.pk],
        looptijd_jaren=7,
        relatie_contact={**RELATIE_CONTACT, "email": "geen-adres", "achternaam": ""},
        taal="en",
        akkoord_kosten=False,
    )
    en = client.post(BASE, body, format="json").json()
    nl = client_nl.post(BASE, body, format="json").json()
    fields = [
        "relatie.kvk_nummer",
        "scope.diensten",
        "gebruikers",
        "groepen",
        "looptijd_jaren",
        "relatie_contact.achternaam",
        "relatie_contact.email",
        "akkoord_kosten",
    ]
    assert [e["field"] for e in en["errors"]] == fields
    assert [e["field"] for e in nl["errors"]] == fields
    messages_en = {e["field"]: e["message"] for e in en["errors"]}
    messages_nl = {e["field"]: e["message"] for e in nl["errors"]}
    # The very messages of the wizard's forms, in the request's language.
    with translation.override("en"):
        form_message = str(VersturenForm.base_fields["akkoord_kosten"].error_messages["required"])
    assert (
        messages_en["akkoord_kosten"] == form_message == "Agree to the costs to send the request."
    )
    assert messages_nl["akkoord_kosten"] == "Ga akkoord met de kosten om de aanvraag te versturen."
    assert messages_en["gebruikers"] == "One of the chosen users cannot be linked."
    assert "'1234567890' has 10 digits" in messages_en["relatie.kvk_nummer"]
    assert all(messages_nl[f] != messages_en[f] for f in fields)
    assert not Ketenmachtiging.objects.exists() and not Mail.objects.exists()


def test_the_company_must_be_known_active_and_given_as_the_right_kind(client):
    for relatie, code in (
        ({"kvk_nummer": "90002903"}, "kvk_not_found"),
        ({"kvk_nummer": "96354429"}, "kvk_inactive"),
        ({"kvk_nummer": "864877341"}, "kvk_kind"),
        ({"rsin": KVK_DONALD}, "kvk_kind"),
        ({}, "required"),
        ({"kvk_nummer": KVK_DONALD, "rsin": "864877341"}, "required"),
    ):
        body = client.post(BASE, aanvraag(relatie=relatie), format="json").json()
        assert body["status"] == 400, relatie
        assert [e["code"] for e in body["errors"]] == [code], (relatie, body["errors"])
    by_rsin = client.post(BASE, aanvraag(relatie={"rsin": "8648 77 341"}), format="json")
    assert by_rsin.status_code == 201
    assert by_rsin.json()["relatie"]["kvk_nummer"] == KVK_DONALD


def test_the_kvk_unreachable_is_a_503_and_nothing_is_made(client):
    response = client.post(BASE, aanvraag(relatie={"kvk_nummer": "90004973"}), format="json")
    assert response.status_code == 503
    assert response.json()["type"] == "urn:ketenportal:problem:kvk_unavailable"
    assert not Ketenmachtiging.objects.exists()


# --- Register as approved ------------------------------------------------------------------------


def test_register_an_approved_ketenmachtiging(client, organisatie, api_key):
    response = client.post(
        f"{BASE}registreren/",
        {
            "relatie": {"kvk_nummer": KVK_KATRIEN},
            "scope": {"algemene_bevoegdheid": True},
            "looptijd_jaren": 2,
            "leverancier": "Z login",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    km = Ketenmachtiging.objects.get(pk=response.json()["id"])
    today = timezone.localdate()
    assert (km.status, km.bron, km.leverancier) == (Status.ACTIEF, Bron.GEREGISTREERD, "Z login")
    assert (km.startdatum, km.einddatum) == (today, today + relativedelta(years=2))
    assert not Mail.objects.filter(soort=UITNODIGING).exists()
    assert AuditEntry.objects.filter(via__contains=api_key[0].prefix, action="create").count() == 1
    again = client.post(
        f"{BASE}registreren/",
        {
            "relatie": {"kvk_nummer": KVK_KATRIEN},
            "scope": {"algemene_bevoegdheid": True},
            "leverancier": "KPN",
        },
        format="json",
    )
    assert again.status_code == 409 and again.json()["existing_id"] == km.pk
    wrong = client.post(
        f"{BASE}registreren/",
        {"relatie": {"kvk_nummer": KVK_DONALD}, "scope": {}, "leverancier": "Elders"},
        format="json",
    ).json()
    assert [e["field"] for e in wrong["errors"]] == ["scope", "leverancier"]


# --- Renew ---------------------------------------------------------------------------------------


@pytest.fixture
def due(organisatie):
    km = KetenmachtigingFactory(
        intermediair=organisatie,
        actief=True,
        einddatum=timezone.localdate() + relativedelta(months=2),
        relatie_kvk_nummer=KVK_DONALD,
        relatie_naam="Test BV Donald",
        relatie_contact_voorletters="D.",
        relatie_contact_achternaam="Duck",
        relatie_contact_email="directie@donald.nl",
        relatie_contact_telefoon="+31201234567",
        algemene_bevoegdheid=False,
        taal="en",
        looptijd_jaren=4,
        referentie="dossier 7",
    )
    km.diensten.add(DienstFactory())
    km.gebruikers.add(LidmaatschapFactory(organisatie=organisatie))
    return km


def test_renew_requests_a_renewal_as_the_overview_does(client, due, api_key):
    response = client.post(
        f"{BASE}{due.pk}/verlengen/", {"akkoord_kosten": True, "contact": CONTACT}, format="json"
    )
    assert response.status_code == 201, response.content
    renewal = Ketenmachtiging.objects.get(pk=response.json()["id"])
    assert renewal.vernieuwing_van == due and response.json()["vernieuwing_van"] == due.pk
    assert (renewal.status, renewal.looptijd_jaren, renewal.referentie, renewal.taal) == (
        Status.VERSTUURD,
        4,
        "dossier 7",
        "en",
    )
    assert set(renewal.diensten.all()) == set(due.diensten.all())
    assert set(renewal.gebruikers.all()) == set(due.gebruikers.all())
    assert renewal.relatie_contact_email == "directie@donald.nl"
    assert Mail.objects.get(soort=UITNODIGING).betreft == renewal
    # The old one says a renewal is open now, and it cannot be asked twice.
    detail = client.get(f"{BASE}{due.pk}/").json()
    assert detail["verlenging"] == renewal.pk and detail["acties"]["verlengen"] is False
    again = client.post(f"{BASE}{due.pk}/verlengen/", {"akkoord_kosten": True}, format="json")
    assert again.status_code == 409 and again.json()["existing_id"] == renewal.pk
    assert AuditEntry.objects.filter(via__contains=api_key[0].prefix, action="create").count() == 1


def test_renew_with_another_recipient_and_term(client, due):
    response = client.post(
        f"{BASE}{due.pk}/verlengen/",
        {
            "akkoord_kosten": True,
            "contact": CONTACT,
            "relatie_contact": {**RELATIE_CONTACT, "email": "nieuw@donald.nl"},
            "taal": "nl",
            "looptijd_jaren": 1,
        },
        format="json",
    )
    renewal = Ketenmachtiging.objects.get(pk=response.json()["id"])
    assert (renewal.relatie_contact_email, renewal.taal, renewal.looptijd_jaren) == (
        "nieuw@donald.nl",
        "nl",
        1,
    )


def test_renew_is_refused_when_not_due_or_without_agreement(client, client_nl, organisatie, due):
    not_due = KetenmachtigingFactory(intermediair=organisatie, actief=True)
    response = client.post(
        f"{BASE}{not_due.pk}/verlengen/", {"akkoord_kosten": True}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "This ketenmachtiging cannot be renewed now."
    nl = client_nl.post(f"{BASE}{not_due.pk}/verlengen/", {"akkoord_kosten": True}, format="json")
    assert nl.json()["detail"] == "Deze ketenmachtiging kan nu niet worden verlengd."
    refused = client.post(
        f"{BASE}{due.pk}/verlengen/", {"akkoord_kosten": False, "contact": CONTACT}, format="json"
    )
    assert [e["field"] for e in refused.json()["errors"]] == ["akkoord_kosten"]
    assert not Ketenmachtiging.objects.filter(vernieuwing_van=due).exists()


# --- End -----------------------------------------------------------------------------------------


def test_end_at_once(client, organisatie, api_key):
    km = KetenmachtigingFactory(intermediair=organisatie, actief=True)
    response = client.post(f"{BASE}{km.pk}/beeindigen/", {}, format="json")
    assert response.status_code == 200
    km.refresh_from_db()
    assert km.status == Status.BEEINDIGD and response.json()["status"] == "beeindigd"
    assert response.json()["status_historie"][-1]["reden"] == "Ended at once"
    audit = AuditEntry.objects.get(action="transition", object_id=str(km.pk))
    assert api_key[0].prefix in audit.via


def test_end_on_a_date(client, organisatie):
    km = KetenmachtigingFactory(intermediair=organisatie, actief=True)
    per = timezone.localdate() + timedelta(days=30)
    response = client.post(
        f"{BASE}{km.pk}/beeindigen/", {"einddatum": per.isoformat()}, format="json"
    )
    assert response.status_code == 200
    km.refresh_from_db()
    assert (km.status, km.einde_gepland_op) == (Status.ACTIEF, per)
    assert response.json()["einde_gepland_op"] == per.isoformat()
    assert response.json()["acties"]["beeindigen"] is False
    again = client.post(f"{BASE}{km.pk}/beeindigen/", {}, format="json")
    assert again.status_code == 422
    assert again.json()["type"] == "urn:ketenportal:problem:scheduled"


def test_end_dates_are_checked_as_the_form_checks_them(client, client_nl, organisatie):
    km = KetenmachtigingFactory(intermediair=organisatie, actief=True)
    today = timezone.localdate()
    for einddatum, message in (
        (today, "Choose a date in the future."),
        (today - timedelta(days=3), "Choose a date in the future."),
        (
            km.einddatum + timedelta(days=1),
            f"Choose a date on or before the end of the term ({km.einddatum:%d-%m-%Y}).",
        ),
    ):
        body = client.post(
            f"{BASE}{km.pk}/beeindigen/", {"einddatum": einddatum.isoformat()}, format="json"
        ).json()
        assert body["errors"] == [{"field": "einddatum", "code": "invalid", "message": message}]
    nl = client_nl.post(
        f"{BASE}{km.pk}/beeindigen/", {"einddatum": today.isoformat()}, format="json"
    )
    assert nl.json()["errors"][0]["message"] == "Kies een datum in de toekomst."
    km.refresh_from_db()
    assert km.status == Status.ACTIEF and km.einde_gepland_op is None


def test_ending_a_pending_request_withdraws_it(client, organisatie):
    km = KetenmachtigingFactory(intermediair=organisatie)
    body = client.post(f"{BASE}{km.pk}/beeindigen/", {}, format="json").json()
    assert body["status"] == "beeindigd"
    assert body["status_historie"][-1]["reden"] == "Request withdrawn"


# --- Rate limit ----------------------------------------------------------------------------------


def test_too_many_requests_is_a_429_with_retry_after(api_key, settings):
    settings.API_RATE_LIMIT = "3/min"
    client = contract_client(api_key[1], language="en")
    for _ in range(3):
        assert client.get(BASE).status_code == 200
    response = client.get(BASE)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["type"] == "urn:ketenportal:problem:throttled"
    assert body["retry_after"] == int(response["Retry-After"])
    assert body["detail"].startswith("Too many requests with this API key. Try again in")
    nl = contract_client(api_key[1], language="nl").get(BASE).json()
    assert nl["detail"].startswith("Te veel") and nl["title"] == "Te veel verzoeken"
    # Counted per key: another key of the organisation has its own limit.
    key_row = api_key[0]
    second = apikey_create(actor=key_row.created_by, organisatie=key_row.organisatie, naam="Twee")
    assert contract_client(second[1]).get(BASE).status_code == 200


def test_software_without_cookies_is_not_asked_for_a_csrf_token(api_key, organisatie):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key[1]}")
    km = KetenmachtigingFactory(intermediair=organisatie, actief=True)
    assert client.post(f"{BASE}{km.pk}/beeindigen/", {}, format="json").status_code == 200
