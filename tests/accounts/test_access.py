"""Who may see what: anonymous visitors, password-only sessions, roles and the EH3 gate."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.constants import EHNiveau
from tests.conftest import verified_client
from tests.factories import UserFactory
from tests.url_walker import PUBLIC, named_urls, reverse_sample, sample_kwargs

pytestmark = pytest.mark.django_db
LOGIN = "/account/login/"


def test_every_pattern_has_a_sample(world):
    missing = [u.name for u in named_urls() if sample_kwargs(u, world) is None]
    assert not missing, f"add sample arguments to tests/url_walker.py for: {missing}"


def test_public_views_are_exactly_the_allowlist():
    public = {u.name for u in named_urls() if not getattr(u.callback, "login_required", True)}
    assert public == PUBLIC


def test_anonymous_visitors_are_sent_to_login(world):
    client = Client()
    for url in named_urls():
        if url.name in PUBLIC:
            continue
        path = reverse_sample(url, world)
        response = client.get(path)
        assert response.status_code == 302, url.name
        assert response["Location"].startswith(LOGIN), (url.name, response["Location"])


@pytest.mark.parametrize("has_device", [True, False], ids=["with-device", "without-device"])
def test_password_only_session_cannot_skip_the_second_factor(world, has_device):
    user = UserFactory(with_totp_device=has_device)
    world.organisatie.lidmaatschappen.create(user=user, rol="beheerder")
    client = Client()
    client.force_login(user)  # password checked, second factor not passed
    target = reverse("accounts:verify") if has_device else reverse("two_factor:setup")
    exempt = {"accounts:verify", "accounts:logout"}
    if not has_device:
        exempt |= {"two_factor:setup", "two_factor:qr"}
    for url in named_urls():
        if url.name in PUBLIC or url.name in exempt:
            continue
        path = reverse_sample(url, world)
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            assert response.status_code == 302, (url.name, method, response.status_code)
            assert response["Location"].startswith(target), (url.name, response["Location"])


def test_password_only_session_with_a_device_cannot_enrol_another(world):
    user = UserFactory(with_totp_device=True)
    client = Client()
    client.force_login(user)
    response = client.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert user.totpdevice_set.count() == 1


def test_verify_page_completes_a_password_only_session(world):
    from django_otp.oath import totp

    user = UserFactory(with_totp_device=True)
    client = Client()
    client.force_login(user)
    device = user.totpdevice_set.get()
    response = client.post(
        reverse("accounts:verify") + "?next=/profiel/",
        {"token": f"{totp(device.bin_key):06d}", "next": "/profiel/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/profiel/"
    assert client.get("/profiel/").status_code == 200


@pytest.mark.parametrize("evil", ["//evil.nl", "https://evil.nl/", "javascript:alert(1)"])
def test_verify_next_stays_inside_the_site(world, evil):
    from django_otp.oath import totp

    user = UserFactory(with_totp_device=True)
    client = Client()
    client.force_login(user)
    device = user.totpdevice_set.get()
    response = client.post(
        reverse("accounts:verify"), {"token": f"{totp(device.bin_key):06d}", "next": evil}
    )
    assert response["Location"] == reverse("home")


BEHEERDER_PAGES = [
    "accounts:gebruikers",
    "groepen:lijst",
    "berichtenbox:lijst",
    "accounts:overige_wijzigingen",
    "ketenmachtigingen:afzender",
    "diensten:catalogus",
]
KETENMACHTIGING_PAGES = ["ketenmachtigingen:van_relaties", "ketenmachtigingen:afgegeven"]


@pytest.mark.parametrize("name", BEHEERDER_PAGES + KETENMACHTIGING_PAGES)
def test_gebruiker_without_beheerder_role_is_refused(world, name):
    client = verified_client(world.gebruiker.user)
    response = client.get(reverse(name))
    assert response.status_code == 403
    assert "beheerder" in response.content.decode().lower()


@pytest.mark.parametrize("name", KETENMACHTIGING_PAGES)
@pytest.mark.parametrize(
    "traits",
    [
        {"eh_niveau": EHNiveau.EH2_PLUS},
        {"eh_niveau": EHNiveau.EH2},
        {"alleen_belastingdienst": True},
    ],
    ids=["eh2plus", "eh2", "belastingdienst-only"],
)
def test_level_gate_explains_instead_of_failing(world, name, traits):
    user = UserFactory(with_totp_device=True, **traits)
    world.organisatie.lidmaatschappen.create(user=user, rol="beheerder")
    response = verified_client(user).get(reverse(name))
    assert response.status_code == 403
    assert "EH3" in response.content.decode()


@pytest.mark.parametrize("name", KETENMACHTIGING_PAGES)
@pytest.mark.parametrize("niveau", [EHNiveau.EH3, EHNiveau.EH4])
def test_level_gate_lets_eh3_and_up_in(world, name, niveau):
    user = world.beheerder.user
    user.eh_niveau = niveau
    user.save()
    assert verified_client(user).get(reverse(name)).status_code == 200


def test_back_office_is_for_staff_only(world):
    assert verified_client(world.beheerder.user).get("/backoffice/").status_code == 403
    staff = UserFactory(with_totp_device=True, is_staff=True)
    assert verified_client(staff).get("/backoffice/").status_code == 200


def test_admin_login_goes_through_the_two_factor_login(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
