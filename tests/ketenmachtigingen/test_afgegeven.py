"""Granting a ketenmachtiging as a company (We-ID manual): the four facts, the notice to an
intermediair on this platform, ending what was granted."""

import pytest
from django.core import mail
from django.urls import reverse

from berichtenbox.models import Bericht
from diensten.scope import Scope, scope_of
from ketenmachtigingen.constants import Bron, Status
from ketenmachtigingen.models import Ketenmachtiging
from tests.conftest import verified_client
from tests.factories import DienstverlenerFactory, LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db
NIEUW = reverse("ketenmachtigingen:afgeven")


@pytest.fixture
def bedrijf():
    """A client company on the platform (its KvK is in the local KvK dataset)."""
    return OrganisatieFactory(naam="Test BV Donald", kvk_nummer="68750110")


@pytest.fixture
def bedrijf_client(bedrijf):
    return verified_client(LidmaatschapFactory(organisatie=bedrijf, rol="beheerder").user)


@pytest.fixture
def intermediair():
    """An intermediair on this platform, known to the KvK dataset (demo intermediair)."""
    org = OrganisatieFactory(naam="Accountantskantoor Jansen & De Boer B.V.", kvk_nummer="30123456")
    LidmaatschapFactory(organisatie=org, rol="beheerder", user__email="beheer@jansen.nl")
    return org


def grant(client, kvk, **extra):
    assert client.post(NIEUW, {"stap": "1", "nummer": kvk}).status_code == 302
    return client.post(
        NIEUW, {"stap": "2", "scope-algemeen": "on", "looptijd": 5, "akkoord_kosten": "on", **extra}
    )


def test_grant_to_an_intermediair_on_the_platform(
    bedrijf, bedrijf_client, intermediair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = grant(bedrijf_client, "30123456")
    km = Ketenmachtiging.objects.get(bron=Bron.AFGEGEVEN)
    assert response["Location"] == reverse("ketenmachtigingen:afgegeven_detail", args=[km.pk])
    assert km.status == Status.ACTIEF and km.intermediair == intermediair
    assert km.relatie_organisatie == bedrijf and scope_of(km) == Scope.algemene_bevoegdheid()
    # It appears at once in the intermediair's "van relaties", and its beheerders are told.
    client = verified_client(intermediair.lidmaatschappen.get().user)
    overview = client.get(reverse("ketenmachtigingen:van_relaties"))
    assert km in overview.context["ketenmachtigingen"]
    bericht = Bericht.objects.get(organisatie=intermediair)
    assert "Test BV Donald" in bericht.titel
    assert [m.to for m in mail.outbox] == [["beheer@jansen.nl"]]
    page = bedrijf_client.get(response["Location"]).content.decode()
    for fact in ("68750110", "30123456", "Algemene bevoegdheid", "Ketenportal"):
        assert fact in page
    assert "er staat een bericht over in hun berichtenbox" in page


def test_granting_to_an_intermediair_without_beheerders_says_so(bedrijf, bedrijf_client):
    """Seen: the page said the intermediair's beheerders had been told when it had none."""
    OrganisatieFactory(naam="Accountantskantoor Jansen & De Boer B.V.", kvk_nummer="30123456")
    response = grant(bedrijf_client, "30123456")
    page = bedrijf_client.get(response["Location"]).content.decode()
    assert "nog geen beheerder die berichten kan lezen" in page
    assert "Geef de vier gegevens zelf door" in page
    assert "er staat een bericht over in hun berichtenbox" not in page


def test_grant_to_an_intermediair_elsewhere(bedrijf, bedrijf_client):
    uwv = DienstverlenerFactory(naam_nl="UWV")
    assert bedrijf_client.post(NIEUW, {"stap": "1", "nummer": "69599084"}).status_code == 302
    bedrijf_client.post(
        NIEUW,
        {"stap": "2", "scope-dienstverleners": [uwv.pk], "looptijd": 1, "akkoord_kosten": "on"},
    )
    km = Ketenmachtiging.objects.get(bron=Bron.AFGEGEVEN)
    assert km.intermediair is None and km.intermediair_kvk_nummer == "69599084"
    assert km.einddatum.year == km.startdatum.year + 1
    assert not Bericht.objects.exists()


def test_costs_and_scope_are_required(bedrijf_client):
    bedrijf_client.post(NIEUW, {"stap": "1", "nummer": "69599084"})
    response = bedrijf_client.post(NIEUW, {"stap": "2", "looptijd": 5})
    assert response.status_code == 400
    assert not Ketenmachtiging.objects.filter(bron=Bron.AFGEGEVEN).exists()


def test_the_pickers_own_button_keeps_the_choice_without_judging_the_rest(bedrijf_client):
    uwv = DienstverlenerFactory(naam_nl="UWV")
    bedrijf_client.post(NIEUW, {"stap": "1", "nummer": "69599084"})
    # "Voeg machtiging(en) toe" in the picker: no costs agreed yet, and that is no error now.
    confirm = {"stap": "2", "scope-dienstverleners": [uwv.pk], "picker_action": "confirm"}
    response = bedrijf_client.post(NIEUW, confirm)
    assert response.status_code == 302 and response["Location"].endswith("#a3")
    page = bedrijf_client.get(NIEUW)
    assert "Gekozen:" in page.content.decode() and "Alle diensten van UWV" in page.content.decode()
    assert page.context["picker"].dienstverlener_ids == {uwv.pk}  # the picker shows the choice
    assert not Ketenmachtiging.objects.filter(bron=Bron.AFGEGEVEN).exists()
    # Nothing chosen: the picker says so and opens again.
    empty = bedrijf_client.post(NIEUW, {"stap": "2", "picker_action": "confirm"})
    assert empty.status_code == 400 and "data-dialog-autoopen" in empty.content.decode()
    # Then step 3 registers it.
    final = bedrijf_client.post(
        NIEUW,
        {"stap": "2", "scope-dienstverleners": [uwv.pk], "looptijd": 2, "akkoord_kosten": "on"},
    )
    assert final.status_code == 302
    assert scope_of(Ketenmachtiging.objects.get(bron=Bron.AFGEGEVEN)) == Scope.of(
        dienstverleners=[uwv.pk]
    )


def test_cannot_grant_to_itself_said_at_step_one(bedrijf_client):
    bedrijf_client.cookies["django_language"] = "nl"
    response = bedrijf_client.post(NIEUW, {"stap": "1", "nummer": "68750110"})
    assert response.status_code == 400
    assert "kan geen ketenmachtiging aan zichzelf afgeven" in response.content.decode()
    # Step 1 is not passed: no intermediair chosen, nothing registered.
    page = bedrijf_client.get(NIEUW)
    assert page.context["intermediair"] is None
    assert not Ketenmachtiging.objects.filter(bron=Bron.AFGEGEVEN).exists()


def test_the_grant_page_explains_the_kvk_number_of_the_intermediair(bedrijf_client):
    bedrijf_client.cookies["django_language"] = "nl"
    page = bedrijf_client.get(NIEUW).content.decode()
    assert "van de intermediair" in page
    assert "waarvoor u een ketenmachtiging wilt toevoegen" not in page


def test_mail_the_four_facts(bedrijf_client, intermediair, django_capture_on_commit_callbacks):
    grant(bedrijf_client, "30123456")
    km = Ketenmachtiging.objects.get(bron=Bron.AFGEGEVEN)
    mail.outbox.clear()
    url = reverse("ketenmachtigingen:afgegeven_detail", args=[km.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert bedrijf_client.post(url, {"email": "kantoor@jansen.nl"}).status_code == 302
    assert mail.outbox[0].to == ["kantoor@jansen.nl"]
    assert "30123456" in mail.outbox[0].body and "68750110" in mail.outbox[0].body
    # The term, in the e-mail and on the page, with the status history.
    term = f"{km.startdatum:%d-%m-%Y} tot {km.einddatum:%d-%m-%Y}"
    assert f"Looptijd: 5 jaar, van {term}." in mail.outbox[0].body
    bedrijf_client.cookies["django_language"] = "nl"
    page = bedrijf_client.get(url).content.decode()
    assert f"{km.einddatum:%d-%m-%Y}" in page and f"{km.startdatum:%d-%m-%Y}" in page
    assert "5 jaar" in page and "Historie" in page
    assert bedrijf_client.post(url, {"email": "geen adres"}).status_code == 400


def test_list_and_end_what_was_granted(bedrijf_client, intermediair):
    grant(bedrijf_client, "30123456")
    km = Ketenmachtiging.objects.get(bron=Bron.AFGEGEVEN)
    listing = bedrijf_client.get(reverse("ketenmachtigingen:afgegeven"))
    assert list(listing.context["ketenmachtigingen"]) == [km]
    bedrijf_client.post(reverse("ketenmachtigingen:afgegeven_beeindig", args=[km.pk]))
    km.refresh_from_db()
    assert km.status == Status.BEEINDIGD


def test_another_organisations_grant_is_a_404(world):
    client = verified_client(world.beheerder.user)
    foreign = world.other_afgegeven  # granted by the other organisation
    for name in ("ketenmachtigingen:afgegeven_detail", "ketenmachtigingen:afgegeven_beeindig"):
        url = reverse(name, args=[foreign.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"email": "x@y.nl"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Status.ACTIEF
