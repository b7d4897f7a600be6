"""The overview tabs, one ketenmachtiging's page, linking users, ending and renewing; always
within the organisation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.constants import AuditAction, AuditKind
from accounts.models import AuditEntry
from diensten.scope import Scope, scope_save
from ketenmachtigingen.constants import Status
from ketenmachtigingen.models import Ketenmachtiging
from tests.conftest import verified_client
from tests.factories import (
    DienstFactory,
    DienstverlenerFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
)
from tests.url_walker import named_urls, reverse_sample

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("ketenmachtigingen:van_relaties")


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def names(response) -> set[str]:
    return {km.relatie_naam for km in response.context["ketenmachtigingen"]}


def test_tabs_hold_the_right_ketenmachtigingen(world, client_):
    today = timezone.localdate()
    org = world.organisatie
    KetenmachtigingFactory(intermediair=org, actief=True, relatie_naam="Actief")
    KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Bijna verlopen",
        einddatum=today + timedelta(days=40),
    )
    KetenmachtigingFactory(intermediair=org, relatie_naam="Verstuurd")
    KetenmachtigingFactory(intermediair=org, incompleet=True, relatie_naam="Incompleet")
    KetenmachtigingFactory(
        intermediair=org, relatie_naam="Vervallen", uitnodiging_geldig_tot=today - timedelta(days=1)
    )
    KetenmachtigingFactory(intermediair=org, verlopen=True, relatie_naam="Verlopen")
    KetenmachtigingFactory(
        intermediair=org,
        actief=True,
        relatie_naam="Net verlopen",
        startdatum=today - timedelta(days=400),
        einddatum=today - timedelta(days=1),
    )
    KetenmachtigingFactory(
        intermediair=org, actief=True, relatie_naam="Einde gepasseerd", einde_gepland_op=today
    )
    KetenmachtigingFactory(intermediair=org, beeindigd=True, relatie_naam="Beeindigd")
    KetenmachtigingFactory(intermediair=world.other_organisatie, actief=True, relatie_naam="Vreemd")

    # The world has two active ones already: world.km and one granted to this organisation.
    base = {world.km.relatie_naam, world.other_afgegeven.relatie_naam}
    actief = names(client_.get(OVERVIEW))
    assert {"Actief", "Bijna verlopen", *base} == actief
    assert names(client_.get(OVERVIEW, {"tab": "wachtend"})) == {"Verstuurd", "Incompleet"}
    assert names(client_.get(OVERVIEW, {"tab": "acties"})) == {"Bijna verlopen"}
    assert names(client_.get(OVERVIEW, {"tab": "verlopen"})) == {"Verlopen", "Net verlopen"}
    # Lapsed, ended on a date that has passed, and ended: in Historie (test_historie.py).
    assert names(client_.get(OVERVIEW, {"tab": "historie"})) == {
        "Vervallen",
        "Einde gepasseerd",
        "Beeindigd",
    }
    counts = client_.get(OVERVIEW).context["counts"]
    assert counts == {"actief": 4, "wachtend": 2, "acties": 1, "verlopen": 2, "historie": 3}


def test_pages_of_a_tab_and_of_a_search(world, client_):
    # The whole tab is paged on the tab's count, a search on its own count.
    KetenmachtigingFactory.create_batch(
        53, intermediair=world.organisatie, actief=True, relatie_naam="Zz Bakkerij"
    )
    KetenmachtigingFactory.create_batch(3, intermediair=world.organisatie, relatie_naam="Zz Wacht")
    first = client_.get(OVERVIEW)
    assert first.context["paginator"].count == 55  # 53 + the world's two
    assert first.context["paginator"].num_pages == 2
    assert len(client_.get(OVERVIEW, {"page": 2}).context["ketenmachtigingen"]) == 5
    # A page that does not exist is the first page with a message (test_overzicht_sort_filter).
    beyond = client_.get(OVERVIEW, {"page": 3})
    assert beyond.status_code == 200 and beyond.context["page_obj"].number == 1
    wachtend = client_.get(OVERVIEW, {"tab": "wachtend"})
    assert wachtend.context["paginator"].count == 3
    search = client_.get(OVERVIEW, {"q": "bakkerij"})
    assert search.context["paginator"].count == 53
    assert (
        len(client_.get(OVERVIEW, {"q": "bakkerij", "page": 2}).context["ketenmachtigingen"]) == 3
    )


def test_search_by_name_kvk_or_reference(world, client_):
    KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        relatie_naam="Bakkerij Zoet",
        relatie_kvk_nummer="11223344",
        referentie="DOS-77",
    )
    assert names(client_.get(OVERVIEW, {"q": "zoet"})) == {"Bakkerij Zoet"}
    assert names(client_.get(OVERVIEW, {"q": "1122"})) == {"Bakkerij Zoet"}
    assert names(client_.get(OVERVIEW, {"q": "dos-77"})) == {"Bakkerij Zoet"}
    assert names(client_.get(OVERVIEW, {"q": "niets"})) == set()


def test_filter_by_status_and_dienstverlener(world, client_):
    org = world.organisatie
    KetenmachtigingFactory(intermediair=org, relatie_naam="Verstuurd")
    KetenmachtigingFactory(intermediair=org, fout=True, relatie_naam="Fout")
    assert names(client_.get(OVERVIEW, {"tab": "wachtend", "status": "fout"})) == {"Fout"}
    uwv = DienstverlenerFactory(naam_nl="UWV")
    bd_dienst = DienstFactory()
    via_dv = KetenmachtigingFactory(
        intermediair=org, actief=True, relatie_naam="Via UWV", algemene_bevoegdheid=False
    )
    scope_save(via_dv, Scope.of(dienstverleners=[uwv.pk]))
    via_dienst = KetenmachtigingFactory(
        intermediair=org, actief=True, relatie_naam="Via dienst", algemene_bevoegdheid=False
    )
    scope_save(via_dienst, Scope.of(diensten=[DienstFactory(dienstverlener=uwv).pk]))
    other = KetenmachtigingFactory(
        intermediair=org, actief=True, relatie_naam="Anders", algemene_bevoegdheid=False
    )
    scope_save(other, Scope.of(diensten=[bd_dienst.pk]))
    result = names(client_.get(OVERVIEW, {"dienstverlener": uwv.pk}))
    # world.km and world.other_afgegeven have algemene bevoegdheid, which covers UWV too.
    assert result == {
        "Via UWV",
        "Via dienst",
        world.km.relatie_naam,
        world.other_afgegeven.relatie_naam,
    }


def test_overview_queries_do_not_grow(world, client_, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            km = KetenmachtigingFactory(
                intermediair=world.organisatie, actief=True, algemene_bevoegdheid=False
            )
            km.gebruikers.add(LidmaatschapFactory(organisatie=world.organisatie))
            km.diensten.add(DienstFactory())
            km.groepen.add(world.groep)

    add(3)
    for tab in ("actief", "wachtend", "acties", "verlopen", "historie"):
        client_.get(OVERVIEW, {"tab": tab})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client_.get(OVERVIEW, {"q": "relatie"})
    add(25)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client_.get(OVERVIEW, {"q": "relatie"})
    assert len(response.context["ketenmachtigingen"]) == 30  # 28 added + 2 of the world


def test_rows_unfold_with_users_groups_and_actions(world, client_):
    html = client_.get(OVERVIEW).content.decode()
    assert "<details>" in html
    assert str(world.gebruiker.user) in html and world.groep.naam in html
    assert (
        reverse("ketenmachtigingen:gebruiker_verwijder", args=[world.km.pk, world.gebruiker.pk])
        in html
    )
    assert "Algemene bevoegdheid: alle diensten" in html


def test_pending_rows_show_days_left(world, client_):
    KetenmachtigingFactory(
        intermediair=world.organisatie,
        uitnodiging_geldig_tot=timezone.localdate() + timedelta(days=12),
    )
    assert "nog 12 dagen" in client_.get(OVERVIEW, {"tab": "wachtend"}).content.decode()


def test_remove_user_and_group_ends_access_and_audits(world, client_):
    km = world.km
    response = client_.post(
        reverse("ketenmachtigingen:gebruiker_verwijder", args=[km.pk, world.gebruiker.pk]),
        {"next": OVERVIEW + "?tab=actief"},
    )
    assert response["Location"] == OVERVIEW + "?tab=actief"
    assert not km.gebruikers.exists()
    client_.post(
        reverse("ketenmachtigingen:groep_verwijder", args=[km.pk, world.groep.pk]),
        {"next": "https://evil.nl/"},
    )
    assert not km.groepen.exists()
    rows = AuditEntry.objects.filter(kind=AuditKind.KETENMACHTIGING, action=AuditAction.UPDATE)
    assert rows.count() == 2


def test_add_users_and_groups(world, client_):
    km = KetenmachtigingFactory(intermediair=world.organisatie, actief=True)
    new = LidmaatschapFactory(organisatie=world.organisatie)
    laag = LidmaatschapFactory(organisatie=world.organisatie, user__eh2plus=True)
    url = reverse("ketenmachtigingen:gebruikers", args=[km.pk])
    assert client_.post(url, {"gebruikers": [laag.pk]}).status_code == 400
    assert client_.post(url, {"gebruikers": [world.other_gebruiker.pk]}).status_code == 400
    assert client_.post(url, {}).status_code == 400
    assert (
        client_.post(url, {"gebruikers": [new.pk], "groepen": [world.groep.pk]}).status_code == 302
    )
    assert set(km.gebruikers.all()) == {new} and set(km.groepen.all()) == {world.groep}


def test_end_at_once(world, client_):
    km = world.km
    page = client_.get(reverse("ketenmachtigingen:beeindig", args=[km.pk])).content.decode()
    assert "niet ongedaan" in page and "niet automatisch op de hoogte" in page
    response = client_.post(
        reverse("ketenmachtigingen:beeindig", args=[km.pk]), {"wijze": "direct"}
    )
    assert response["Location"] == OVERVIEW
    km.refresh_from_db()
    assert km.status == Status.BEEINDIGD
    assert km.relatie_naam not in names(client_.get(OVERVIEW))


def test_end_on_a_date_stays_visible_until_then(world, client_):
    km = world.km
    url = reverse("ketenmachtigingen:beeindig", args=[km.pk])
    today = timezone.localdate()
    for bad in (today - timedelta(days=1), today, km.einddatum + timedelta(days=1)):
        assert client_.post(url, {"wijze": "datum", "datum": bad.isoformat()}).status_code == 400
    assert client_.post(url, {"wijze": "datum"}).status_code == 400
    when = today + timedelta(days=30)
    assert client_.post(url, {"wijze": "datum", "datum": when.isoformat()}).status_code == 302
    km.refresh_from_db()
    assert km.status == Status.ACTIEF and km.einde_gepland_op == when
    html = client_.get(OVERVIEW).content.decode()
    assert km.relatie_naam in html and when.strftime("%d-%m-%Y") in html
    # A second end date cannot be set.
    assert client_.post(url, {"wijze": "direct"}).status_code == 400


def test_withdraw_a_pending_request(world, client_):
    km = KetenmachtigingFactory(intermediair=world.organisatie)
    client_.post(reverse("ketenmachtigingen:beeindig", args=[km.pk]), {"wijze": "direct"})
    km.refresh_from_db()
    assert km.status == Status.BEEINDIGD


def test_renew_from_acties(world, client_, django_capture_on_commit_callbacks):
    from django.core import mail

    km = KetenmachtigingFactory(
        intermediair=world.organisatie,
        actief=True,
        einddatum=timezone.localdate() + timedelta(days=50),
        relatie_contact_email="oud@relatie.nl",
        taal="en",
    )
    km.gebruikers.add(world.gebruiker)
    response = client_.post(reverse("ketenmachtigingen:verleng", args=[km.pk]))
    assert response["Location"] == reverse("ketenmachtigingen:versturen")
    page = client_.get(reverse("ketenmachtigingen:versturen")).content.decode()
    assert "oud@relatie.nl" in page
    data = {
        "voorletters": "A.",
        "achternaam": "B",
        "email": "a@b.nl",
        "telefoon": "0612345678",
        "relatie_voorletters": "C.",
        "relatie_achternaam": "Relatie",
        "relatie_email": "oud@relatie.nl",
        "relatie_telefoon": "0201234567",
        "taal": "en",
        "akkoord_kosten": "on",
    }
    with django_capture_on_commit_callbacks(execute=True):
        client_.post(reverse("ketenmachtigingen:versturen"), data)
    renewal = Ketenmachtiging.objects.get(vernieuwing_van=km)
    assert renewal.status == Status.VERSTUURD and list(renewal.gebruikers.all()) == [
        world.gebruiker
    ]
    assert "expires soon" in mail.outbox[0].body
    # Renewed: it leaves the Acties tab.
    assert km.relatie_naam not in names(client_.get(OVERVIEW, {"tab": "acties"}))


def test_renew_refused_when_not_due(world, client_):
    client_.post(reverse("ketenmachtigingen:verleng", args=[world.km.pk]))
    assert not Ketenmachtiging.objects.filter(vernieuwing_van=world.km).exists()


KM_URLS = [
    u
    for u in named_urls()
    if u.name.startswith("ketenmachtigingen:") and "pk" in u.keys and "backoffice" not in u.name
]


@pytest.mark.parametrize("url", KM_URLS, ids=[u.name for u in KM_URLS])
def test_another_organisations_ketenmachtiging_is_a_404(world, url):
    """Reverse every URL of this app for organisation A's objects, as a beheerder of B."""
    client = verified_client(world.other_beheerder.user)
    path = reverse_sample(url, world)
    before = list(Ketenmachtiging.objects.order_by("pk").values())
    links = (set(world.km.gebruikers.all()), set(world.km.groepen.all()))
    audit = AuditEntry.objects.count()
    for method in ("get", "post"):
        response = getattr(client, method)(path, {"wijze": "direct", "email": "x@y.nl"})
        assert response.status_code == 404, (url.name, method, response.status_code)
    assert list(Ketenmachtiging.objects.order_by("pk").values()) == before
    assert (set(world.km.gebruikers.all()), set(world.km.groepen.all())) == links
    assert AuditEntry.objects.count() == audit


def test_level_gate_on_every_ketenmachtiging_page(world):
    laag = LidmaatschapFactory(organisatie=world.organisatie, rol="beheerder", user__eh2plus=True)
    client = verified_client(laag.user)
    for url in named_urls():
        if (
            url.name.startswith("ketenmachtigingen:")
            and "backoffice" not in url.name
            and url.name != "ketenmachtigingen:afzender"
        ):
            response = client.get(reverse_sample(url, world))
            if url.name == "ketenmachtigingen:gebruiker_deactiveer":
                # Deactivating a colleague is about the organisation's people (issue 20), like
                # the Gebruikers pages: any beheerder, whatever their level.
                assert response.status_code == 200, url.name
            elif url.name.startswith("ketenmachtigingen:te_beoordelen"):
                # Requests to the organisation: seen below EH3, not answered (issue 15).
                assert response.status_code == 200, url.name
                post = client.post(reverse_sample(url, world), {"actie": "goedkeuren"})
                assert post.status_code in (403, 405), url.name
            else:
                assert response.status_code == 403, url.name
