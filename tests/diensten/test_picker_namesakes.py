"""Issue 18: services with the same name are told apart (service provider and ServiceUUID), the
picker says which need the service provider's approval as the catalogue does, and the
catalogue page has the menu item's name ("Machtigingen")."""

import pytest
from django.urls import reverse

from tests.conftest import verified_client
from tests.factories import DienstFactory, DienstverlenerFactory

pytestmark = pytest.mark.django_db

UUID_A = "aaaaaaaa-1111-4111-8111-111111111111"
UUID_B = "bbbbbbbb-2222-4222-8222-222222222222"


@pytest.fixture
def namesakes():
    bd = DienstverlenerFactory(naam_nl="Belastingdienst", naam_en="Tax Administration")
    uwv = DienstverlenerFactory(naam_nl="UWV", naam_en="UWV")
    return (
        DienstFactory(uuid=UUID_A, dienstverlener=bd, naam_nl="Loonaangifte"),
        DienstFactory(
            uuid=UUID_B,
            dienstverlener=uwv,
            naam_nl="Loonaangifte",
            intermediation="requiresApproval",
        ),
    )


def picker_html(client, **params) -> str:
    response = client.get(reverse("diensten:picker"), {"prefix": "scope", **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_picker_tells_namesakes_apart(world, namesakes):
    a, b = namesakes
    html = picker_html(verified_client(world.beheerder.user), **{"scope-q": "loonaangifte"})
    assert html.count(">Loonaangifte</label>") == 2
    for dienst, provider in ((a, "Belastingdienst"), (b, "UWV")):
        line = f'id="dienst-picker-d-{dienst.pk}-id">{provider} · Dienst-ID {dienst.uuid}</p>'
        assert line in html
        # The line is part of what a screen reader says about the checkbox.
        assert f'aria-describedby="dienst-picker-d-{dienst.pk}-id' in html


def test_the_picker_says_when_approval_is_needed(world, namesakes):
    a, b = namesakes
    html = picker_html(verified_client(world.beheerder.user), **{"scope-q": "loonaangifte"})
    assert f'id="dienst-picker-d-{b.pk}-approval"' in html
    assert f'id="dienst-picker-d-{a.pk}-approval"' not in html
    assert "Na goedkeuring door de dienstverlener" in html
    assert f"dienst-picker-d-{b.pk}-id dienst-picker-d-{b.pk}-approval" in html


def test_the_picker_in_english(world, namesakes):
    client = verified_client(world.beheerder.user)
    world.beheerder.user.taal = "en"
    world.beheerder.user.save()
    html = picker_html(client, **{"scope-q": "loonaangifte"})
    assert "After approval by the service provider" in html
    assert f"Tax Administration · Service ID {UUID_A}" in html


def test_the_catalogue_shows_ids_and_approval_and_has_the_menus_name(world, namesakes):
    client = verified_client(world.beheerder.user)
    html = client.get(reverse("diensten:catalogus"), {"q": "loonaangifte"}).content.decode()
    assert f"Dienst-ID {UUID_A}" in html and f"Dienst-ID {UUID_B}" in html
    assert "Na goedkeuring door de dienstverlener" in html
    assert (
        "<title>Machtigingen" in html and '<h1 class="utrecht-heading-1">Machtigingen</h1>' in html
    )
    assert "Dienstencatalogus" not in html
    # The menu item that opens it has the same name and is marked current.
    assert 'aria-current="page">machtigingen</a>' in html
