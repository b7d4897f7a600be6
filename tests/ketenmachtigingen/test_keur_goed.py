"""Issue 15 part 2, "Keur goed": a request to a company on this platform appears in that
company's portal under Ketenmachtigingen > afgegeven > Te beoordelen. A beheerder with EH3
approves it (active at once, channel "platform") or declines it with a reason; both are audited
for both organisations and the intermediair is told. A beheerder below EH3 sees it, and why they
cannot answer."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from accounts.constants import Rol
from accounts.models import AuditEntry
from berichtenbox.models import Bericht
from diensten.scope import Scope
from ketenmachtigingen import services
from ketenmachtigingen.constants import Kanaal, Status
from ketenmachtigingen.models import Ketenmachtiging
from outbox.delivery import deliver_due
from tests.conftest import verified_client
from tests.factories import KetenmachtigingFactory, LidmaatschapFactory, OrganisatieFactory

pytestmark = pytest.mark.django_db

LIJST = reverse("ketenmachtigingen:te_beoordelen")
APPROVE_BUTTON = "Approve: make it active now"


def detail(km) -> str:
    return reverse("ketenmachtigingen:te_beoordelen_detail", args=[km.pk])


@pytest.fixture
def intermediair():
    org = OrganisatieFactory(naam="Kantoor Klaas B.V.", kvk_nummer="30123456")
    org.beheerder = LidmaatschapFactory(
        organisatie=org, rol=Rol.BEHEERDER, user__email="beheer@klaas.nl", user__taal="en"
    ).user
    return org


@pytest.fixture
def relatie():
    org = OrganisatieFactory(naam="Bakkerij Zoet B.V.", kvk_nummer="68750110")
    org.hoog = LidmaatschapFactory(
        organisatie=org, rol=Rol.BEHEERDER, user__email="hoog@zoet.nl", user__taal="en"
    ).user
    org.laag = LidmaatschapFactory(
        organisatie=org,
        rol=Rol.BEHEERDER,
        user__email="laag@zoet.nl",
        user__taal="en",
        user__eh2plus=True,
    ).user
    return org


def send_request(intermediair, relatie, **extra) -> Ketenmachtiging:
    return services.ketenmachtiging_request(
        actor=intermediair.beheerder,
        intermediair=intermediair,
        relatie=services.Relatie(
            naam=relatie.naam,
            kvk_nummer=relatie.kvk_nummer,
            rsin="",
            adres="Kerkstraat 1",
            postcode_plaats="3511AB Utrecht",
        ),
        scope=Scope.algemene_bevoegdheid(),
        looptijd_jaren=3,
        contacten=services.Contacten(
            voorletters="K.",
            tussenvoegsel="",
            achternaam="Klaas",
            email="beheer@klaas.nl",
            telefoon="0612345678",
            relatie_email="directie@zoet.nl",
            relatie_telefoon="",
        ),
        taal="en",
        persoonlijk_bericht="Graag uw akkoord voor de loonaangifte.",
        akkoord_kosten=True,
        **extra,
    )


@pytest.fixture
def km(intermediair, relatie, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        km = send_request(intermediair, relatie)
    return km


def test_a_request_reaches_the_relatie_on_the_platform(km, relatie, intermediair):
    assert km.relatie_organisatie == relatie and km.status == Status.VERSTUURD
    # A message in the relatie's berichtenbox, linking to the request; none for the sender.
    bericht = Bericht.objects.get(organisatie=relatie)
    assert not Bericht.objects.filter(organisatie=intermediair).exists()
    assert bericht.link == detail(km)
    with translation.override("en"):
        assert "Kantoor Klaas B.V." in bericht.titel and km.kenmerk in bericht.inhoud
    # E-mail: the invitation to the contact, and "a message is waiting" to the EH3 beheerder
    # (a beheerder below EH3 reads no messages about ketenmachtigingen).
    deliver_due()
    recipients = {m.to[0] for m in mail.outbox}
    assert {"directie@zoet.nl", "hoog@zoet.nl"} <= recipients
    assert "laag@zoet.nl" not in recipients
    # The list, and the count in the menu (next to "granted") and on the tab.
    response = verified_client(relatie.hoog).get(LIJST)
    assert list(response.context["ketenmachtigingen"]) == [km]
    assert response.context["te_beoordelen"] == 1
    html = response.content.decode()
    assert "1 to review" in html and "1 request waits for your answer" in html


def test_the_request_shows_what_the_invitation_says(km, relatie):
    html = verified_client(relatie.hoog).get(detail(km)).content.decode()
    for fact in (
        "Kantoor Klaas B.V.",
        "30123456",
        "Bakkerij Zoet B.V.",
        "68750110",
        "General authority: all services",
        "3 years from approval",
        "Graag uw akkoord voor de loonaangifte.",
        "charges the costs of this ketenmachtiging to Kantoor Klaas B.V.",
        km.uitnodiging_geldig_tot.strftime("%d-%m-%Y"),
        km.kenmerk,
        APPROVE_BUTTON,
        "Decline the request",
    ):
        assert fact in html, fact


def test_services_are_listed_with_their_levels(intermediair, relatie):
    from tests.factories import DienstFactory

    dienst = DienstFactory(naam_nl="Loonaangifte", naam_en="Payroll tax return")
    km = KetenmachtigingFactory(
        intermediair=intermediair, relatie_organisatie=relatie, algemene_bevoegdheid=False
    )
    km.diensten.add(dienst)
    html = verified_client(relatie.hoog).get(detail(km)).content.decode()
    assert "Payroll tax return" in html and dienst.niveau_badge in html


def test_another_organisation_sees_nothing_of_it(km):
    other = OrganisatieFactory()
    client = verified_client(LidmaatschapFactory(organisatie=other, rol=Rol.BEHEERDER).user)
    assert client.get(detail(km)).status_code == 404
    assert client.post(detail(km), {"actie": "goedkeuren"}).status_code == 404
    assert not client.get(LIJST).context["ketenmachtigingen"]
    # The intermediair is not the relatie either.
    client = verified_client(km.intermediair.beheerder)
    assert client.post(detail(km), {"actie": "goedkeuren"}).status_code == 404
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD


def audits(km) -> set[int]:
    return set(
        AuditEntry.objects.filter(object_type__icontains="ketenmachtiging", object_id=str(km.pk))
        .exclude(message="created")
        .filter(action="transition")
        .values_list("organisatie_id", flat=True)
    )


def test_approve_makes_it_active_at_once(km, relatie, intermediair):
    client = verified_client(relatie.hoog)
    response = client.post(detail(km), {"actie": "goedkeuren"})
    assert response.status_code == 302
    assert response["Location"] == reverse("ketenmachtigingen:afgegeven_detail", args=[km.pk])
    km.refresh_from_db()
    assert km.status == Status.ACTIEF and km.kanaal == Kanaal.PLATFORM
    assert km.startdatum == timezone.localdate() and km.einddatum
    # Audited in both organisations' logs.
    assert audits(km) == {relatie.pk, intermediair.pk}
    # The intermediair is told, and has it in its Actief tab.
    told = Bericht.objects.get(organisatie=intermediair, betreft_id=km.pk)
    assert told.sjabloon == "ketenmachtigingen.goedgekeurd"
    overview = verified_client(intermediair.beheerder).get(
        reverse("ketenmachtigingen:van_relaties"), {"tab": "actief"}
    )
    assert km in overview.context["ketenmachtigingen"]
    # The relatie sees it as active among what it granted, and nothing left to review.
    granted = client.get(reverse("ketenmachtigingen:afgegeven"))
    assert km in granted.context["ketenmachtigingen"] and granted.context["te_beoordelen"] == 0
    assert not client.get(LIJST).context["ketenmachtigingen"]
    # A double click: refused with a message, nothing changes.
    before = AuditEntry.objects.count()
    response = client.post(detail(km), {"actie": "goedkeuren"}, follow=True)
    assert response.status_code == 200
    assert "no longer waiting for an answer" in response.content.decode()
    assert AuditEntry.objects.count() == before


def test_decline_needs_a_reason_and_tells_the_intermediair(km, relatie, intermediair):
    client = verified_client(relatie.hoog)
    response = client.post(detail(km), {"actie": "afwijzen", "reden": "  "})
    assert response.status_code == 400
    assert "Give a reason for declining the request." in response.content.decode()
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD
    response = client.post(detail(km), {"actie": "afwijzen", "reden": "Wij doen het zelf"})
    assert response.status_code == 302 and response["Location"] == LIJST
    km.refresh_from_db()
    assert km.status == Status.AFGEWEZEN and km.kanaal == Kanaal.PLATFORM
    assert km.status_reden == "Wij doen het zelf"
    assert audits(km) == {relatie.pk, intermediair.pk}
    told = Bericht.objects.get(organisatie=intermediair, betreft_id=km.pk)
    with translation.override("en"):
        assert "Wij doen het zelf" in told.inhoud and "declined" in told.titel
    # Answered: a second answer is refused with a message, never a 500.
    response = client.post(detail(km), {"actie": "goedkeuren"}, follow=True)
    assert "no longer waiting for an answer" in response.content.decode()
    km.refresh_from_db()
    assert km.status == Status.AFGEWEZEN


def test_a_beheerder_below_eh3_sees_it_but_cannot_answer(km, relatie):
    client = verified_client(relatie.laag)
    assert client.get(LIJST).status_code == 200
    home = client.get(reverse("home")).content.decode()
    assert f'href="{LIJST}"' in home  # the menu leads there while something waits
    html = client.get(detail(km)).content.decode()
    assert "at least level EH3" in html and APPROVE_BUTTON not in html
    assert "Decline the request" not in html
    for data in ({"actie": "goedkeuren"}, {"actie": "afwijzen", "reden": "Nee"}):
        assert client.post(detail(km), data).status_code == 403
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD
    # The afgegeven list itself stays behind the EH3 gate.
    assert client.get(reverse("ketenmachtigingen:afgegeven")).status_code == 403


def test_no_menu_link_below_eh3_when_nothing_waits(relatie):
    home = verified_client(relatie.laag).get(reverse("home")).content.decode()
    assert f'href="{LIJST}"' not in home


@pytest.mark.parametrize(
    "fields",
    [
        {"uitnodiging_geldig_tot": timezone.localdate() - timedelta(days=1)},  # lapsed
        {"status": Status.BEEINDIGD},  # withdrawn
        {"status": Status.ONTVANGEN},  # the signed form arrived by post
    ],
    ids=["lapsed", "withdrawn", "received-by-post"],
)
def test_a_request_no_longer_open_is_refused_with_a_message(intermediair, relatie, fields):
    km = KetenmachtigingFactory(intermediair=intermediair, relatie_organisatie=relatie, **fields)
    client = verified_client(relatie.hoog)
    assert not client.get(LIJST).context["ketenmachtigingen"]
    page = client.get(detail(km))
    assert page.status_code == 200 and APPROVE_BUTTON not in page.content.decode()
    for data in ({"actie": "goedkeuren"}, {"actie": "afwijzen", "reden": "Nee"}):
        response = client.post(detail(km), data, follow=True)
        assert response.status_code == 200
        assert "no longer waiting for an answer" in response.content.decode()
    status = km.status
    km.refresh_from_db()
    assert km.status == status


def test_an_unknown_action_changes_nothing(km, relatie):
    response = verified_client(relatie.hoog).post(detail(km), {"actie": "wissen"})
    assert response.status_code == 400
    km.refresh_from_db()
    assert km.status == Status.VERSTUURD


def test_granted_ones_are_not_to_review(intermediair, relatie):
    """What the company granted itself, or a request registered as approved, is no request."""
    granted = KetenmachtigingFactory(
        intermediair=intermediair, relatie_organisatie=relatie, bron="afgegeven", actief=True
    )
    client = verified_client(relatie.hoog)
    assert client.get(detail(granted)).status_code == 404
    assert client.get(LIJST).context["te_beoordelen"] == 0


def test_texts_in_dutch_and_english(km, relatie):
    hoog = relatie.hoog
    english = verified_client(hoog).get(detail(km)).content.decode()
    assert APPROVE_BUTTON in english and "To review" not in english  # no tabs on the detail
    hoog.taal = "nl"
    hoog.save(update_fields=["taal"])
    dutch = verified_client(hoog).get(detail(km)).content.decode()
    assert "Keur goed: nu actief maken" in dutch and "Wijs het verzoek af" in dutch
    assert "Verzoek van Kantoor Klaas B.V." in dutch
    assert "Te beoordelen" in verified_client(hoog).get(LIJST).content.decode()
    bericht = Bericht.objects.get(organisatie=relatie)
    with translation.override("nl"):
        dutch_title = bericht.titel
    with translation.override("en"):
        english_title = bericht.titel
    assert dutch_title != english_title and "Kantoor Klaas B.V." in dutch_title
