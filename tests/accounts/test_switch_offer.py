"""A link to an object of another of my organisations offers to switch (issue 21); everyone else
gets the plain 404."""

import pytest
from django.urls import reverse

from accounts.constants import EHNiveau, Rol
from tests.conftest import verified_client
from tests.factories import (
    GroepFactory,
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha():
    return OrganisatieFactory(naam="Accountants Alpha B.V.")


@pytest.fixture
def beta():
    return OrganisatieFactory(naam="Loonbureau Beta B.V.")


def person_in(*memberships, **user):
    person = UserFactory(with_totp_device=True, **user)
    for organisatie, rol in memberships:
        LidmaatschapFactory(user=person, organisatie=organisatie, rol=rol)
    client = verified_client(person)
    client.cookies["django_language"] = "nl"
    return client


def test_offer_to_switch_and_open(alpha, beta):
    km = KetenmachtigingFactory(intermediair=beta, actief=True)
    client = person_in((alpha, Rol.BEHEERDER), (beta, Rol.BEHEERDER))
    url = reverse("ketenmachtigingen:detail", args=[km.pk])

    response = client.get(url)
    assert response.status_code == 404
    page = response.content.decode()
    assert (
        "Dit hoort bij Loonbureau Beta B.V., niet bij Accountants Alpha B.V., waarvoor u nu werkt."
        in page
    )
    assert "Wissel naar Loonbureau Beta B.V. en open" in page

    switched = client.post(
        reverse("accounts:organisatie_switch"), {"organisatie": beta.pk, "next": url}
    )
    assert switched.status_code == 302 and switched["Location"] == url
    assert client.get(url).status_code == 200


def test_groups_and_messages_too(alpha, beta):
    groep = GroepFactory(organisatie=beta)
    client = person_in((alpha, Rol.BEHEERDER), (beta, Rol.BEHEERDER))
    page = client.get(reverse("groepen:detail", args=[groep.pk])).content.decode()
    assert (
        "Dit hoort bij Loonbureau Beta B.V., niet bij Accountants Alpha B.V., waarvoor u nu werkt."
        in page
    )


def test_no_offer_without_the_needed_role_or_level_there(alpha, beta):
    km = KetenmachtigingFactory(intermediair=beta, actief=True)
    url = reverse("ketenmachtigingen:detail", args=[km.pk])
    # Only a gebruiker at Beta: the page needs a beheerder there.
    client = person_in((alpha, Rol.BEHEERDER), (beta, Rol.GEBRUIKER))
    response = client.get(url)
    assert response.status_code == 404 and "Beta" not in response.content.decode()
    # A beheerder at both, but below EH3: refused before the object is looked up at all.
    client = person_in((alpha, Rol.BEHEERDER), (beta, Rol.BEHEERDER), eh_niveau=EHNiveau.EH2_PLUS)
    response = client.get(url)
    assert (
        response.status_code == 403
        and "Loonbureau Beta B.V. en open" not in response.content.decode()
    )


def test_no_offer_for_an_organisation_the_person_is_not_in(alpha, beta):
    gamma = OrganisatieFactory(naam="Gamma Salarissen B.V.")
    km = KetenmachtigingFactory(intermediair=gamma, actief=True)
    client = person_in((alpha, Rol.BEHEERDER), (beta, Rol.BEHEERDER))
    response = client.get(reverse("ketenmachtigingen:detail", args=[km.pk]))
    assert response.status_code == 404 and "Gamma" not in response.content.decode()
    missing = client.get(reverse("ketenmachtigingen:detail", args=[999999]))
    assert missing.status_code == 404
