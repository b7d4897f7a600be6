"""Instellingen > API-sleutels: make a key (shown once), see it listed, revoke it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from api.models import ApiKey
from tests.accounts.test_reauth import confirm_password
from tests.api.conftest import key_client
from tests.conftest import verified_client
from tests.factories import LidmaatschapFactory, UserFactory

pytestmark = pytest.mark.django_db

LIJST = reverse("api_keys:lijst")
NIEUW = reverse("api_keys:nieuw")
API = "/api/v1/ketenmachtigingen/"


@pytest.fixture
def client(beheerder):
    client = verified_client(beheerder)
    client.cookies["django_language"] = "nl"
    return client


def test_making_a_key_asks_the_password_again_first(client):
    response = client.get(NIEUW)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:reauth"))


def test_a_key_is_shown_once_works_and_is_listed_by_its_prefix(client, organisatie):
    confirm_password(client, next_path=NIEUW)
    page = client.get(NIEUW).content.decode()
    assert "Alleen lezen" in page and "Lezen en schrijven" in page

    response = client.post(NIEUW, {"naam": "Praktijkbeheer", "toegang": "schrijven"})
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    )
    key = response.context["key"]
    page = response.content.decode()
    assert key in page and "alleen deze ene keer" in page.lower()

    api_key = ApiKey.objects.get()
    assert api_key.organisatie == organisatie and api_key.toegang == "schrijven"
    assert key_client(key).get(API).status_code == 200

    listing = client.get(LIJST).content.decode()
    assert api_key.prefix in listing and key not in listing
    assert "Praktijkbeheer" in listing and "Lezen en schrijven" in listing
    entry = AuditEntry.objects.get(object_type="api.apikey")
    assert entry.organisatie == organisatie and entry.kind == "api"


def test_form_errors_are_clear_and_nothing_is_made(client):
    confirm_password(client, next_path=NIEUW)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(NIEUW, {"naam": "  ", "toegang": "lezen", "geldig_tot": yesterday})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Geef de sleutel een naam" in page and "De vervaldatum moet na vandaag liggen" in page
    assert not ApiKey.objects.exists()


def test_revoking_stops_the_key_at_once(client, api_key):
    api_key_row, key = api_key
    url = reverse("api_keys:intrekken", args=[api_key_row.pk])
    assert "Boekhouding" in client.get(url).content.decode()
    assert key_client(key).get(API).status_code == 200
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == LIJST
    assert key_client(key).get(API).status_code == 401
    listing = client.get(LIJST).content.decode()
    assert "Ingetrokken op" in listing
    assert AuditEntry.objects.filter(object_type="api.apikey", message="revoked").count() == 1


def test_a_key_of_a_maker_who_left_is_shown_as_not_working(client, organisatie, make_key):
    colleague = UserFactory(with_totp_device=True)
    LidmaatschapFactory(user=colleague, organisatie=organisatie, rol="beheerder")
    _row, key = make_key(colleague, organisatie, naam="Van collega")
    assert key_client(key).get(API).status_code == 200
    colleague.lidmaatschappen.all().delete()
    assert key_client(key).get(API).status_code == 401
    assert "Werkt niet" in client.get(LIJST).content.decode()


def test_a_gebruiker_may_not_see_or_make_keys(gebruiker):
    client = verified_client(gebruiker)
    assert client.get(LIJST).status_code == 403
    assert client.post(NIEUW, {"naam": "x", "toegang": "lezen"}).status_code == 403
    assert not ApiKey.objects.exists()
