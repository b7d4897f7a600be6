"""Gebruikers: the list, roles, removal, and the rule that one beheerder always remains."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from accounts import services
from accounts.constants import AuditAction, AuditKind, Rol
from accounts.models import AuditEntry, Lidmaatschap
from accounts.services import LastBeheerderError
from tests.conftest import verified_client
from tests.factories import LidmaatschapFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_list_shows_level_role_and_the_manuals_warnings(world):
    LidmaatschapFactory(organisatie=world.organisatie, user__eh2plus=True, user__last_name="Laag")
    LidmaatschapFactory(
        organisatie=world.organisatie, user__belastingdienst_only=True, user__last_name="Fiscaal"
    )
    response = verified_client(world.beheerder.user).get(reverse("accounts:gebruikers"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "EH 2+" in html and "EH 3" in html
    assert "minimaal niveau EH3" in html
    assert "alleen geschikt is om namens uw bedrijf in te loggen bij de Belastingdienst" in html
    assert str(world.other_beheerder.user) not in html


def test_search_filters_by_name(world):
    LidmaatschapFactory(organisatie=world.organisatie, user__last_name="Zoekbaar")
    client = verified_client(world.beheerder.user)
    html = client.get(reverse("accounts:gebruikers"), {"q": "zoekb"}).content.decode()
    assert "Zoekbaar" in html
    assert str(world.gebruiker.user) not in html


def test_list_uses_a_constant_number_of_queries(world, django_assert_max_num_queries):
    client = verified_client(world.beheerder.user)
    client.get(reverse("accounts:gebruikers"))
    for _ in range(30):
        LidmaatschapFactory(organisatie=world.organisatie)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("accounts:gebruikers")).status_code == 200


def test_member_of_another_organisation_is_a_404(world):
    client = verified_client(world.beheerder.user)
    foreign = world.other_gebruiker
    for name in ("accounts:gebruiker", "accounts:gebruiker_verwijder"):
        assert client.get(reverse(name, args=[foreign.pk])).status_code == 404
    for name in ("accounts:gebruiker_rol", "accounts:gebruiker_verwijder"):
        response = client.post(reverse(name, args=[foreign.pk]), {"rol": Rol.BEHEERDER})
        assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.rol == Rol.GEBRUIKER


def test_change_role_writes_one_audit_row(world):
    client = verified_client(world.beheerder.user)
    response = client.post(
        reverse("accounts:gebruiker_rol", args=[world.gebruiker.pk]), {"rol": Rol.BEHEERDER}
    )
    assert response.status_code == 302
    world.gebruiker.refresh_from_db()
    assert world.gebruiker.rol == Rol.BEHEERDER
    entry = AuditEntry.objects.get(object_type="accounts.lidmaatschap", action=AuditAction.UPDATE)
    assert entry.actor == world.beheerder.user
    assert entry.organisatie == world.organisatie
    assert entry.kind == AuditKind.LIDMAATSCHAP
    assert entry.changes == {"rol": {"old": "gebruiker", "new": "beheerder"}}


def test_last_beheerder_cannot_be_removed(world):
    client = verified_client(world.beheerder.user)
    url = reverse("accounts:gebruiker_verwijder", args=[world.beheerder.pk])
    response = client.post(url)
    assert response.status_code == 400
    assert "minimaal één beheerder" in response.content.decode()
    assert Lidmaatschap.objects.filter(pk=world.beheerder.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE).exists()


def test_last_beheerder_cannot_be_made_gebruiker(world):
    client = verified_client(world.beheerder.user)
    response = client.post(
        reverse("accounts:gebruiker_rol", args=[world.beheerder.pk]), {"rol": Rol.GEBRUIKER}
    )
    assert response.status_code == 400
    world.beheerder.refresh_from_db()
    assert world.beheerder.rol == Rol.BEHEERDER


def test_a_beheerder_can_be_removed_when_another_remains(world):
    second = LidmaatschapFactory(organisatie=world.organisatie, rol=Rol.BEHEERDER)
    client = verified_client(world.beheerder.user)
    response = client.post(reverse("accounts:gebruiker_verwijder", args=[second.pk]))
    assert response.status_code == 302
    assert not Lidmaatschap.objects.filter(pk=second.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.DELETE)
    assert entry.changes["rol"] == {"old": "beheerder", "new": None}


def test_inactive_beheerder_does_not_count(world):
    inactive = LidmaatschapFactory(organisatie=world.organisatie, rol=Rol.BEHEERDER)
    inactive.user.is_active = False
    inactive.user.save()
    with pytest.raises(LastBeheerderError):
        services.lidmaatschap_remove(actor=world.beheerder.user, lidmaatschap=world.beheerder)


@pytest.mark.django_db(transaction=True)
@pytest.mark.integration
def test_two_beheerders_removing_each_other_at_once_leave_one(world):
    """With row locks on PostgreSQL, concurrent removals cannot both pass the check."""
    second = LidmaatschapFactory(organisatie=world.organisatie, rol=Rol.BEHEERDER)
    barrier = threading.Barrier(2)
    errors = []

    def remove(actor, lidmaatschap):
        try:
            barrier.wait()
            services.lidmaatschap_remove(actor=actor, lidmaatschap=lidmaatschap)
        except LastBeheerderError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=remove, args=(world.beheerder.user, second)),
        threading.Thread(target=remove, args=(second.user, world.beheerder)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 1
    assert (
        Lidmaatschap.objects.filter(organisatie=world.organisatie, rol=Rol.BEHEERDER).count() == 1
    )


def test_organisatie_switch_only_to_own_organisations(world):
    user = world.beheerder.user
    third = LidmaatschapFactory(user=user, rol=Rol.BEHEERDER).organisatie
    client = verified_client(user)
    html = client.get(reverse("home")).content.decode()
    assert third.naam in html and world.organisatie.naam in html

    response = client.post(
        reverse("accounts:organisatie_switch"), {"organisatie": third.pk, "next": "/gebruikers/"}
    )
    assert response["Location"] == "/gebruikers/"
    assert client.get(reverse("accounts:gebruikers")).wsgi_request.organisatie == third

    response = client.post(
        reverse("accounts:organisatie_switch"), {"organisatie": world.other_organisatie.pk}
    )
    assert response.status_code == 404
    assert client.get(reverse("accounts:gebruikers")).wsgi_request.organisatie == third


def test_organisatie_switch_refuses_external_next(world):
    user = world.beheerder.user
    client = verified_client(user)
    response = client.post(
        reverse("accounts:organisatie_switch"),
        {"organisatie": world.organisatie.pk, "next": "https://evil.nl/"},
    )
    assert response["Location"] == reverse("home")


def test_user_factory_makes_eh3_by_default():
    assert UserFactory().can_use_ketenmachtigingen
