"""API fixtures: keys of an organisation and clients that send them."""

import pytest
from rest_framework.test import APIClient

from api.constants import Toegang
from api.services import apikey_create


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def make_key():
    """``make_key(beheerder, organisatie, toegang=…)`` -> (ApiKey, key string)."""

    def make(user, organisatie, *, toegang=Toegang.SCHRIJVEN, naam="Boekhouding", geldig_tot=None):
        return apikey_create(
            actor=user, organisatie=organisatie, naam=naam, toegang=toegang, geldig_tot=geldig_tot
        )

    return make


@pytest.fixture
def api_key(make_key, beheerder, organisatie):
    """A read-write key of ``organisatie``, made by its beheerder (EH3)."""
    return make_key(beheerder, organisatie)


@pytest.fixture
def api_client(api_key) -> APIClient:
    return key_client(api_key[1])


@pytest.fixture
def readonly_client(make_key, beheerder, organisatie) -> APIClient:
    return key_client(
        make_key(beheerder, organisatie, toegang=Toegang.LEZEN, naam="Alleen lezen")[1]
    )
