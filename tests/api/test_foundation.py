"""Keys, problem details and the audit channel: the base every API view stands on."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from api.models import ApiKey
from api.services import apikey_revoke
from tests.api.conftest import key_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/ketenmachtigingen/"


def test_a_key_is_stored_hashed_and_recognised_by_its_prefix(api_key):
    key_row, key = api_key
    assert key.startswith(key_row.prefix + "_")
    assert key not in {key_row.key_hash, key_row.prefix}
    assert ApiKey.objects.filter(key_hash__contains=key).count() == 0
    assert AuditEntry.objects.filter(object_type="api.apikey", action="create").count() == 1


def test_no_key_wrong_key_revoked_and_expired_are_401_problems(api_client, api_key, beheerder):
    from rest_framework.test import APIClient

    response = APIClient().get(LIST)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401 and response.json()["title"]
    assert response["WWW-Authenticate"].startswith("Bearer")

    key_row, key = api_key
    assert key_client(key[:-2] + "xx").get(LIST).status_code == 401
    assert api_client.get(LIST).status_code == 200
    key_row.refresh_from_db()
    assert key_row.laatst_gebruikt_op is not None

    ApiKey.objects.filter(pk=key_row.pk).update(geldig_tot=timezone.localdate() - timedelta(days=1))
    assert api_client.get(LIST).status_code == 401
    ApiKey.objects.filter(pk=key_row.pk).update(geldig_tot=None)
    apikey_revoke(actor=beheerder, api_key=key_row)
    assert api_client.get(LIST).status_code == 401


def test_a_key_stops_when_its_maker_is_no_longer_beheerder(api_client, beheerder, organisatie):
    assert api_client.get(LIST).status_code == 200
    beheerder.lidmaatschappen.filter(organisatie=organisatie).update(rol="gebruiker")
    assert api_client.get(LIST).status_code == 401


def test_problems_are_in_the_language_of_accept_language():
    from rest_framework.test import APIClient

    nl = APIClient().get(LIST, HTTP_ACCEPT_LANGUAGE="nl").json()
    en = APIClient().get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()
    assert en["title"] == "Not authenticated"
    assert nl["title"] != en["title"] and nl["detail"] != en["detail"]


def test_the_schema_is_one_english_document_whatever_the_language():
    from rest_framework.test import APIClient

    nl = APIClient().get("/api/v1/schema/?format=json", HTTP_ACCEPT_LANGUAGE="nl")
    en = APIClient().get("/api/v1/schema/?format=json", HTTP_ACCEPT_LANGUAGE="en")
    assert nl.status_code == en.status_code == 200
    assert nl.content == en.content
    assert b"`nl` - Dutch" in nl.content
