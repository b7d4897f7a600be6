"""Groepen: create, members, allowed services, rename, delete; always within one organisation."""

import pytest
from django.urls import reverse

from accounts.constants import AuditAction, AuditKind, Rol
from accounts.models import AuditEntry
from diensten.scope import Scope, scope_of
from groepen import services
from groepen.models import Groep
from groepen.services import DuplicateGroepNaam
from tests.conftest import verified_client
from tests.factories import (
    DienstFactory,
    DienstverlenerFactory,
    GroepFactory,
    LidmaatschapFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_(world):
    return verified_client(world.beheerder.user)


def test_create_then_add_users_then_services(world, client_):
    response = client_.post(reverse("groepen:nieuw"), {"naam": "  Salarisadministratie  "})
    groep = Groep.objects.get(naam="Salarisadministratie")
    assert response["Location"] == reverse("groepen:leden", args=[groep.pk])
    assert groep.naam == "Salarisadministratie"
    assert groep.organisatie == world.organisatie
    assert groep.algemene_bevoegdheid

    page = client_.get(reverse("groepen:leden", args=[groep.pk])).content.decode()
    assert str(world.gebruiker.user) in page
    assert str(world.other_gebruiker.user) not in page

    response = client_.post(
        reverse("groepen:leden", args=[groep.pk]),
        {"leden": [world.gebruiker.pk], "next_step": "diensten"},
    )
    assert response["Location"] == reverse("groepen:diensten", args=[groep.pk])
    assert list(groep.leden.all()) == [world.gebruiker]

    dienst = DienstFactory()
    response = client_.post(
        reverse("groepen:diensten", args=[groep.pk]),
        {"soort": "beperkt", "scope-diensten": [dienst.pk]},
    )
    assert response.status_code == 302
    groep.refresh_from_db()
    assert scope_of(groep) == Scope.of(diensten=[dienst.pk])
    detail = client_.get(groep.get_absolute_url()).content.decode()
    assert "1 dienst: " in detail and dienst.naam_nl in detail
    kinds = list(AuditEntry.objects.filter(kind=AuditKind.GROEP).values_list("action", flat=True))
    assert kinds == [AuditAction.UPDATE, AuditAction.UPDATE, AuditAction.CREATE]


@pytest.mark.parametrize("other", ["Loon", "loon", " LOON "])
def test_name_unique_per_organisation_case_insensitively(world, client_, other):
    GroepFactory(organisatie=world.organisatie, naam="Loon")
    before = Groep.objects.count()
    response = client_.post(reverse("groepen:nieuw"), {"naam": other})
    assert response.status_code == 200
    assert "unieke naam" in response.content.decode()
    assert Groep.objects.count() == before


def test_same_name_in_another_organisation_is_fine(world, client_):
    GroepFactory(organisatie=world.other_organisatie, naam="Loon")
    client_.post(reverse("groepen:nieuw"), {"naam": "Loon"})
    assert Groep.objects.filter(naam="Loon").count() == 2


def test_database_refuses_a_duplicate_name_too(world):
    GroepFactory(organisatie=world.organisatie, naam="Loon")
    with pytest.raises(DuplicateGroepNaam):
        services.groep_rename(
            actor=world.beheerder.user,
            groep=GroepFactory(organisatie=world.organisatie, naam="Fiscaal"),
            naam="LOON",
        )


def test_empty_name_is_refused(client_):
    before = Groep.objects.count()
    response = client_.post(reverse("groepen:nieuw"), {"naam": "   "})
    assert response.status_code == 200
    assert Groep.objects.count() == before


def test_adding_a_user_below_eh3_warns(world, client_):
    laag = LidmaatschapFactory(organisatie=world.organisatie, user__eh2plus=True)
    groep = GroepFactory(organisatie=world.organisatie)
    page = client_.get(reverse("groepen:leden", args=[groep.pk])).content.decode()
    assert "minimaal niveau EH3" in page
    response = client_.post(
        reverse("groepen:leden", args=[groep.pk]), {"leden": [laag.pk]}, follow=True
    )
    # One person: singular (issue 18).
    assert "kan geen ketenmachtigingen gebruiken" in response.content.decode()
    assert laag in groep.leden.all()


def test_search_users_by_name(world, client_):
    LidmaatschapFactory(organisatie=world.organisatie, user__last_name="Vindbaar")
    groep = GroepFactory(organisatie=world.organisatie)
    page = client_.get(reverse("groepen:leden", args=[groep.pk]), {"q": "vindb"}).content.decode()
    assert "Vindbaar" in page and str(world.gebruiker.user) not in page


def test_foreign_user_cannot_be_added(world, client_):
    groep = GroepFactory(organisatie=world.organisatie)
    response = client_.post(
        reverse("groepen:leden", args=[groep.pk]), {"leden": [world.other_gebruiker.pk]}
    )
    assert response.status_code == 200
    assert not groep.leden.exists()
    assert not AuditEntry.objects.exists()


def test_service_refuses_foreign_members(world):
    groep = GroepFactory(organisatie=world.organisatie)
    with pytest.raises(Exception, match="Alleen gebruikers"):
        services.groep_leden_add(
            actor=world.beheerder.user, groep=groep, lidmaatschappen=[world.other_gebruiker]
        )
    assert not groep.leden.exists()


def test_remove_member(world, client_):
    groep = GroepFactory(organisatie=world.organisatie)
    groep.leden.add(world.gebruiker)
    response = client_.post(reverse("groepen:lid_verwijder", args=[groep.pk, world.gebruiker.pk]))
    assert response.status_code == 302
    assert not groep.leden.exists()
    # Removing someone who is not a member is a 404, not an error page.
    response = client_.post(reverse("groepen:lid_verwijder", args=[groep.pk, world.gebruiker.pk]))
    assert response.status_code == 404


def test_unusable_or_unknown_service_is_refused(world, client_):
    groep = GroepFactory(organisatie=world.organisatie)
    blocked = DienstFactory(no_intermediation=True)
    for value in [blocked.pk, 999999, "abc"]:
        response = client_.post(
            reverse("groepen:diensten", args=[groep.pk]),
            {"soort": "beperkt", "scope-diensten": [value]},
        )
        assert response.status_code == 400, value
    groep.refresh_from_db()
    assert groep.algemene_bevoegdheid and not groep.diensten.exists()


def test_restricting_without_choosing_is_refused(world, client_):
    groep = GroepFactory(organisatie=world.organisatie)
    response = client_.post(reverse("groepen:diensten", args=[groep.pk]), {"soort": "beperkt"})
    assert response.status_code == 400
    assert "Kies" in response.content.decode()


def test_picker_search_without_javascript_keeps_the_choice(world, client_):
    groep = GroepFactory(organisatie=world.organisatie)
    uwv = DienstverlenerFactory(naam_nl="UWV")
    kept = DienstFactory(naam_nl="Omzetbelasting")
    DienstFactory(dienstverlener=uwv, naam_nl="Ziektewet")
    response = client_.post(
        reverse("groepen:diensten", args=[groep.pk]),
        {
            "soort": "beperkt",
            "scope-diensten": [kept.pk],
            "scope-q": "ziekte",
            "picker_action": "search",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ziektewet" in html and "Omzetbelasting" not in html
    assert f'type="hidden" name="scope-diensten" value="{kept.pk}"' in html
    groep.refresh_from_db()
    assert groep.algemene_bevoegdheid  # a search saves nothing


def test_dienstverlenersmachtiging_for_a_group(world, client_):
    groep = GroepFactory(organisatie=world.organisatie)
    uwv = DienstverlenerFactory(naam_nl="UWV")
    client_.post(
        reverse("groepen:diensten", args=[groep.pk]),
        {"soort": "beperkt", "scope-dienstverleners": [uwv.pk]},
    )
    groep.refresh_from_db()
    assert scope_of(groep) == Scope.of(dienstverleners=[uwv.pk])


def test_back_to_algemene_bevoegdheid(world, client_):
    groep = GroepFactory(organisatie=world.organisatie, algemene_bevoegdheid=False)
    groep.diensten.add(DienstFactory())
    client_.post(reverse("groepen:diensten", args=[groep.pk]), {"soort": "algemeen"})
    groep.refresh_from_db()
    assert scope_of(groep) == Scope.algemene_bevoegdheid()


def test_rename_and_delete(world, client_):
    groep = GroepFactory(organisatie=world.organisatie, naam="Oud")
    groep.leden.add(world.gebruiker)
    client_.post(reverse("groepen:wijzig", args=[groep.pk]), {"naam": "Nieuw"})
    groep.refresh_from_db()
    assert groep.naam == "Nieuw"
    assert (
        "Weet u zeker"
        in client_.get(reverse("groepen:verwijder", args=[groep.pk])).content.decode()
    )
    response = client_.post(reverse("groepen:verwijder", args=[groep.pk]))
    assert response["Location"] == reverse("groepen:lijst")
    assert not Groep.objects.filter(pk=groep.pk).exists()
    assert world.gebruiker.__class__.objects.filter(pk=world.gebruiker.pk).exists()
    deleted = AuditEntry.objects.get(action=AuditAction.DELETE, kind=AuditKind.GROEP)
    assert deleted.changes["naam"] == {"old": "Nieuw", "new": None}


def test_list_shows_only_own_groups(world, client_):
    GroepFactory(organisatie=world.organisatie, naam="Eigen groep")
    GroepFactory(organisatie=world.other_organisatie, naam="Vreemde groep")
    html = client_.get(reverse("groepen:lijst")).content.decode()
    assert "Eigen groep" in html and "Vreemde groep" not in html


GROEP_URLS = [
    "groepen:detail",
    "groepen:wijzig",
    "groepen:verwijder",
    "groepen:leden",
    "groepen:diensten",
]


@pytest.mark.parametrize("name", GROEP_URLS)
def test_another_organisations_group_is_a_404(world, client_, name):
    foreign = GroepFactory(organisatie=world.other_organisatie, naam="Vreemd")
    foreign.leden.add(world.other_gebruiker)
    url = reverse(name, args=[foreign.pk])
    assert client_.get(url).status_code == 404
    payload = {"naam": "Gekaapt", "leden": [world.gebruiker.pk], "soort": "algemeen"}
    assert client_.post(url, payload).status_code == 404
    foreign.refresh_from_db()
    assert foreign.naam == "Vreemd"
    assert list(foreign.leden.all()) == [world.other_gebruiker]
    assert not AuditEntry.objects.exists()


def test_removing_member_of_foreign_group_is_a_404(world, client_):
    foreign = GroepFactory(organisatie=world.other_organisatie)
    foreign.leden.add(world.other_gebruiker)
    url = reverse("groepen:lid_verwijder", args=[foreign.pk, world.other_gebruiker.pk])
    assert client_.post(url).status_code == 404
    assert foreign.leden.exists()


def test_gebruiker_cannot_manage_groups(world):
    client = verified_client(world.gebruiker.user)
    groep = GroepFactory(organisatie=world.organisatie)
    assert client.get(reverse("groepen:lijst")).status_code == 403
    assert client.post(reverse("groepen:verwijder", args=[groep.pk])).status_code == 403
    assert Groep.objects.exists()


def test_removing_a_user_from_the_organisation_removes_them_from_groups(world):
    from accounts.services import lidmaatschap_remove

    groep = GroepFactory(organisatie=world.organisatie)
    groep.leden.add(world.gebruiker)
    lidmaatschap_remove(actor=world.beheerder.user, lidmaatschap=world.gebruiker)
    assert not groep.leden.exists()


def test_group_pages_use_constant_queries(world, client_, django_assert_max_num_queries):
    groep = GroepFactory(organisatie=world.organisatie, algemene_bevoegdheid=False)
    for _ in range(20):
        groep.leden.add(LidmaatschapFactory(organisatie=world.organisatie, rol=Rol.GEBRUIKER))
        groep.diensten.add(DienstFactory())
    for name in ("groepen:detail", "groepen:leden"):
        with django_assert_max_num_queries(20):
            assert client_.get(reverse(name, args=[groep.pk])).status_code == 200
    with django_assert_max_num_queries(15):
        assert client_.get(reverse("groepen:lijst")).status_code == 200


def test_linked_ketenmachtigingen_are_shown_and_unlinked_on_delete(world, client_):
    """world.groep is linked to world.km."""
    groep = world.groep
    detail = client_.get(groep.get_absolute_url()).content.decode()
    assert world.km.relatie_naam in detail
    confirm = client_.get(reverse("groepen:verwijder", args=[groep.pk])).content.decode()
    assert world.km.relatie_naam in confirm
    client_.post(reverse("groepen:verwijder", args=[groep.pk]))
    world.km.refresh_from_db()
    assert not world.km.groepen.exists()
    assert world.km.status == "actief"
