"""Vraag opnieuw aan (issue 13): from an expired, ended, withdrawn, lapsed or failed
ketenmachtiging, the request wizard opens prefilled with the relatie, the scope, the users and
groups, the contacts, the term and the language; what can no longer be linked is left out with a
notice; an open ketenmachtiging for the relatie is pointed out instead."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from diensten.scope import Scope, scope_of, scope_save
from ketenmachtigingen.concept import SESSION_KEY
from ketenmachtigingen.constants import Status
from ketenmachtigingen.models import Ketenmachtiging
from tests.conftest import verified_client
from tests.factories import (
    DienstFactory,
    DienstverlenerFactory,
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
)

pytestmark = pytest.mark.django_db
WIZARD = reverse("ketenmachtigingen:nieuw")
VERSTUREN = reverse("ketenmachtigingen:versturen")


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def url(km) -> str:
    return reverse("ketenmachtigingen:opnieuw_aanvragen", args=[km.pk])


def concept_of(client, world) -> dict:
    return client.session.get(SESSION_KEY, {}).get(f"aanvraag:{world.organisatie.pk}", {})


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def old_km(world, **traits):
    """An ended ketenmachtiging with a narrow scope, users, a group and both contacts."""
    km = KetenmachtigingFactory(
        intermediair=world.organisatie,
        algemene_bevoegdheid=False,
        relatie_naam="Bakkerij Oud B.V.",
        relatie_kvk_nummer="11223344",
        relatie_adres="Molenweg 3",
        relatie_postcode_plaats="1234AB Ergens",
        looptijd_jaren=3,
        referentie="dossier 7",
        contact_voorletters="J.",
        contact_tussenvoegsel="van",
        contact_achternaam="Dam",
        contact_email="j.vandam@kantoor.nl",
        contact_telefoon="+31201234567",
        relatie_contact_voorletters="P.",
        relatie_contact_tussenvoegsel="de",
        relatie_contact_achternaam="Bakker",
        relatie_contact_email="p.debakker@bakkerij.nl",
        relatie_contact_telefoon="+31301234567",
        taal="en",
        **(traits or {"beeindigd": True}),
    )
    dienstverlener = DienstverlenerFactory()
    dienst = DienstFactory()
    scope_save(km, Scope.of(dienstverleners=[dienstverlener.pk], diensten=[dienst.pk]))
    km.gebruikers.add(world.gebruiker)
    km.groepen.add(world.groep)
    return km


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
def test_request_again_prefills_the_wizard(world, client_, traits):
    km = old_km(world, **traits)
    response = client_.post(url(km))
    assert response.status_code == 302 and response["Location"] == WIZARD
    concept = concept_of(client_, world)
    assert concept["relatie"] == {
        "naam": "Bakkerij Oud B.V.",
        "kvk_nummer": "11223344",
        "rsin": "",
        "adres": "Molenweg 3",
        "postcode_plaats": "1234AB Ergens",
        "land": "Nederland",
    }
    assert Scope.of(
        dienstverleners=concept["scope"]["dienstverleners"], diensten=concept["scope"]["diensten"]
    ) == scope_of(km)
    assert concept["scope"]["algemeen"] is False
    assert concept["gebruikers"] == [world.gebruiker.pk]
    assert concept["groepen"] == [world.groep.pk]
    assert concept["looptijd"] == 3 and concept["referentie"] == "dossier 7"
    assert concept["contacten"] == {
        "voorletters": "J.",
        "tussenvoegsel": "van",
        "achternaam": "Dam",
        "email": "j.vandam@kantoor.nl",
        "telefoon": "+31201234567",
        "relatie_voorletters": "P.",
        "relatie_tussenvoegsel": "de",
        "relatie_achternaam": "Bakker",
        "relatie_email": "p.debakker@bakkerij.nl",
        "relatie_telefoon": "+31301234567",
        "taal": "en",
    }
    assert "vernieuwing_van" not in concept  # a new request, not a renewal
    # The wizard shows every step done; the last page has the contacts and the language.
    wizard = client_.get(WIZARD).content.decode()
    assert "Bakkerij Oud B.V." in wizard and str(world.gebruiker.user) in wizard
    page = client_.get(VERSTUREN).content.decode()
    assert "p.debakker@bakkerij.nl" in page and "j.vandam@kantoor.nl" in page
    assert re.search(r'<option value="en" selected\s*>', page)


def test_the_new_request_is_sent_with_what_was_prefilled(
    world, client_, django_capture_on_commit_callbacks
):
    km = old_km(world, verlopen=True)
    client_.post(url(km))
    data = {
        "voorletters": "J.",
        "tussenvoegsel": "van",
        "achternaam": "Dam",
        "email": "j.vandam@kantoor.nl",
        "telefoon": "+31201234567",
        "relatie_voorletters": "P.",
        "relatie_tussenvoegsel": "de",
        "relatie_achternaam": "Bakker",
        "relatie_email": "p.debakker@bakkerij.nl",
        "relatie_telefoon": "+31301234567",
        "taal": "en",
        "akkoord_kosten": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(VERSTUREN, data)
    new = Ketenmachtiging.objects.exclude(pk=km.pk).get(relatie_kvk_nummer="11223344")
    assert response["Location"] == new.get_absolute_url()
    assert new.status == Status.VERSTUURD and new.vernieuwing_van is None
    assert scope_of(new) == scope_of(km)
    assert list(new.gebruikers.all()) == [world.gebruiker]
    assert list(new.groepen.all()) == [world.groep]
    assert new.looptijd_jaren == 3 and new.taal == "en"
    assert new.relatie_contact_achternaam == "Bakker"


def test_users_who_can_no_longer_use_it_are_left_out_with_a_notice(world, client_):
    km = old_km(world)
    laag = LidmaatschapFactory(
        organisatie=world.organisatie, user__last_name="Laagniveau", user__eh2plus=True
    )
    weg = LidmaatschapFactory(organisatie=world.organisatie, user__last_name="Vertrokken")
    weg.user.is_active = False
    weg.user.save()
    fiscaal = LidmaatschapFactory(
        organisatie=world.organisatie, user__last_name="Fiscaal", user__belastingdienst_only=True
    )
    km.gebruikers.add(laag, weg, fiscaal)
    leeg = GroepFactory(organisatie=world.organisatie, naam="Opgeheven")
    km.groepen.add(leeg)
    leeg.delete()  # a deleted group leaves no link behind
    response = client_.post(url(km))
    assert concept_of(client_, world)["gebruikers"] == [world.gebruiker.pk]
    assert concept_of(client_, world)["groepen"] == [world.groep.pk]
    notice = " ".join(texts(response))
    for name in (laag.user, weg.user, fiscaal.user):
        assert str(name) in notice
    assert str(world.gebruiker.user) not in notice


def test_an_open_ketenmachtiging_for_the_relatie_is_pointed_out_instead(world, client_):
    km = old_km(world)
    open_ = KetenmachtigingFactory(
        intermediair=world.organisatie, actief=True, relatie_kvk_nummer="11223344"
    )
    response = client_.post(url(km))
    assert response.status_code == 302 and response["Location"] == open_.get_absolute_url()
    assert concept_of(client_, world) == {}
    assert any("Bakkerij Oud B.V." in t for t in texts(response))


def test_a_failed_request_is_replaced_by_the_new_one(
    world, client_, django_capture_on_commit_callbacks
):
    km = old_km(world, fout=True)
    detail = client_.get(km.get_absolute_url()).content.decode()
    assert url(km) in detail and "Vraag opnieuw aan" in detail
    response = client_.post(url(km))
    assert response["Location"] == WIZARD
    assert concept_of(client_, world)["vervangt"] == km.pk
    data = {
        "voorletters": "J.",
        "achternaam": "Dam",
        "email": "j.vandam@kantoor.nl",
        "telefoon": "+31201234567",
        "relatie_voorletters": "P.",
        "relatie_achternaam": "Bakker",
        "relatie_email": "p.debakker@bakkerij.nl",
        "relatie_telefoon": "+31301234567",
        "taal": "nl",
        "akkoord_kosten": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_.post(VERSTUREN, data)
    new = Ketenmachtiging.objects.exclude(pk=km.pk).get(relatie_kvk_nummer="11223344")
    assert response["Location"] == new.get_absolute_url()
    km.refresh_from_db()
    assert km.status == Status.BEEINDIGD and new.status == Status.VERSTUURD
    assert km.status_reden  # why it was withdrawn


def test_active_and_pending_ones_cannot_be_requested_again(world, client_):
    for km in (world.km, KetenmachtigingFactory(intermediair=world.organisatie)):
        response = client_.post(url(km))
        assert response["Location"] == km.get_absolute_url()
        assert concept_of(client_, world) == {}
        html = client_.get(km.get_absolute_url()).content.decode()
        assert url(km) not in html


def test_a_get_prefills_nothing(world, client_):
    km = old_km(world)
    assert client_.get(url(km)).status_code == 405
    assert concept_of(client_, world) == {}


def test_another_organisations_ketenmachtiging_is_a_404(world):
    other = KetenmachtigingFactory(intermediair=world.other_organisatie, beeindigd=True)
    client = verified_client(world.beheerder.user)
    assert client.post(url(other)).status_code == 404
    assert concept_of(client, world) == {}
