"""Organisations are tenants in the API too, and a key is the only way in.

* Every API URL naming an object, reversed for organisation A's objects and called with a key
  of organisation B, is a 404 problem for GET and for every write method the URL has (a method
  it does not have is a 405 for A's own key just the same), and changes nothing.
* B's lists hold nothing of A's.
* A read-only key cannot write (403), a revoked or expired key and no key at all get a 401, on
  every resource.
* Every API URL is walked: it has sample arguments and is either scoped to the organisation
  or named below with the reason it is not.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from api.constants import Toegang
from api.models import ApiKey
from api.services import apikey_create, apikey_revoke
from outbox.models import Mail
from tests.security.common import rolled_back, snapshot, snapshot_diff
from tests.url_walker import api_urls, reverse_sample, sample_kwargs

from .contract import contract_client

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
ALL_METHODS = ("get", *WRITE_METHODS)
#: API URLs that are not scoped to one organisation, and why.
NOT_TENANT_SCOPED = {
    "api:schema": "the published schema: public, the same for everyone",
    "api:docs": "the reference page of the schema: public",
    "api:relatie-detail": "a company at the KvK (public registry data); the only organisation "
    "data in the answer, bestaande_ketenmachtiging, comes from the key's own organisation",
}
PUBLIC = {"api:schema", "api:docs"}
#: What an attacker of B would send: plausible values for every write, with A's ids.
PAYLOAD = {
    "akkoord_kosten": True,
    "einddatum": None,
    "relatie_contact": {
        "voorletters": "D.",
        "achternaam": "Duck",
        "email": "d@donald.nl",
        "telefoon": "0201234567",
    },
}


def send(client, method: str, path: str):
    if method == "get":
        return client.get(path)
    return getattr(client, method)(path, PAYLOAD, format="json")


def methods_of(url) -> set[str]:
    """The methods a URL's view answers (its viewset's actions; HEAD goes with GET)."""
    return set(getattr(url.callback, "actions", {"get": "get"})) & set(ALL_METHODS)


def resources():
    return [u for u in api_urls() if u.name not in PUBLIC]


def object_urls():
    return [u for u in resources() if u.keys and u.name not in NOT_TENANT_SCOPED]


def key_of(beheerder, organisatie, toegang=Toegang.SCHRIJVEN) -> str:
    return apikey_create(actor=beheerder, organisatie=organisatie, naam="x", toegang=toegang)[1]


def state() -> dict:
    data = snapshot()
    data["outbox.mail"] = {m["pk"]: m for m in Mail.objects.values()}
    return data


def test_every_api_url_is_walked(world):
    urls = api_urls()
    assert {u.name for u in urls} >= {
        "api:ketenmachtiging-list",
        "api:ketenmachtiging-detail",
        "api:ketenmachtiging-verlengen",
        "api:ketenmachtiging-beeindigen",
        "api:ketenmachtiging-registreren",
        "api:relatie-detail",
        "api:dienst-list",
        "api:dienstverlener-list",
        "api:gebruiker-list",
        "api:gebruiker-detail",
        "api:groep-list",
        "api:groep-detail",
        "api:bericht-list",
        "api:bericht-detail",
        "api:bericht-gelezen",
    }
    missing = [u.name for u in urls if sample_kwargs(u, world) is None]
    assert not missing, f"add sample arguments to tests/url_walker.py for: {missing}"
    unscoped = {u.name for u in urls if u.keys} - {u.name for u in object_urls()}
    assert unscoped <= set(NOT_TENANT_SCOPED), unscoped
    assert all(u.name in PUBLIC or hasattr(u.callback, "actions") for u in urls)
    # Every object URL of the API is walked by the tests below.
    assert len(object_urls()) == 7, [u.name for u in object_urls()]


def test_another_organisations_objects_are_a_404_and_stay_untouched(world):
    other_client = contract_client(key_of(world.other_beheerder.user, world.other_organisatie))
    own_client = contract_client(key_of(world.beheerder.user, world.organisatie))
    before = state()
    problems = []
    for url in object_urls():
        path = reverse_sample(url, world)
        allowed = methods_of(url)
        for method in ALL_METHODS:
            mail.outbox.clear()
            with rolled_back():
                response = send(other_client, method, path)
                changes = snapshot_diff(before, state())
            if method in allowed:
                if response.status_code != 404:
                    problems.append(f"{url.name} {method.upper()} -> {response.status_code}")
                elif response["Content-Type"] != "application/problem+json":
                    problems.append(f"{url.name} {method.upper()}: 404 without problem details")
            else:
                # A method the URL does not have says nothing about the object either.
                with rolled_back():
                    own = send(own_client, method, path)
                if (response.status_code, own.status_code) != (405, 405):
                    problems.append(
                        f"{url.name} {method.upper()} -> {response.status_code} (own "
                        f"{own.status_code}), expected 405 for both"
                    )
            if changes:
                problems.append(f"{url.name} {method.upper()} changed the database: {changes}")
            if mail.outbox:
                problems.append(f"{url.name} {method.upper()} sent an e-mail")
    assert not problems, "\n".join(problems)


def test_ids_that_are_not_numbers_are_a_404_problem(world):
    client = contract_client(key_of(world.beheerder.user, world.organisatie))
    for path in ("/api/v1/ketenmachtigingen/abc/", "/api/v1/groepen/1e3/", "/api/v1/berichten/-/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/problem+json"


def test_lists_hold_nothing_of_another_organisation(world):
    client = contract_client(key_of(world.other_beheerder.user, world.other_organisatie))
    foreign = {
        "api:ketenmachtiging-list": {world.km.pk, world.other_afgegeven.pk},
        "api:gebruiker-list": {world.beheerder.pk, world.gebruiker.pk},
        "api:groep-list": {world.groep.pk},
        "api:bericht-list": {world.bericht.pk},
    }
    own = {
        "api:ketenmachtiging-list": {world.other_km.pk, world.afgegeven.pk},
        "api:gebruiker-list": {world.other_beheerder.pk, world.other_gebruiker.pk},
        "api:groep-list": {world.other_groep.pk},
        "api:bericht-list": {world.other_bericht.pk},
    }
    for name, ids in foreign.items():
        url = next(u for u in api_urls() if u.name == name)
        path = reverse_sample(url, world)
        found = set()
        for tab in ("", "actief", "wachtend", "acties", "verlopen", "historie"):
            if tab and name != "api:ketenmachtiging-list":
                continue
            body = client.get(path, {"tab": tab} if tab else {}).json()
            found |= {row["id"] for row in body["results"]}
        assert not found & ids, name
        assert found >= own[name], name
    # The linked users and groups of B's own ketenmachtigingen are B's too.
    body = client.get(f"/api/v1/ketenmachtigingen/{world.other_km.pk}/").json()
    assert {g["id"] for g in body["groepen"]} == {world.other_groep.pk}
    assert {u["id"] for u in body["gebruikers"]} == {world.other_gebruiker.pk}


def test_a_read_only_key_cannot_write(world):
    client = contract_client(
        key_of(world.beheerder.user, world.organisatie, toegang=Toegang.LEZEN), language="en"
    )
    before = state()
    writes = 0
    for url in resources():
        path = reverse_sample(url, world)
        for method in methods_of(url) & set(WRITE_METHODS):
            response = send(client, method, path)
            assert response.status_code == 403, (url.name, method, response.status_code)
            body = response.json()
            assert body["type"] == "urn:ketenportal:problem:permission_denied"
            assert "read" in body["detail"]
            writes += 1
        if "get" in methods_of(url):
            assert client.get(path).status_code == 200, url.name
    assert writes == 5
    assert not snapshot_diff(before, state())


@pytest.mark.parametrize("how", ["anonymous", "wrong", "revoked", "expired", "not_beheerder"])
def test_without_a_valid_key_every_resource_is_a_401(world, how):
    key_row, key = apikey_create(
        actor=world.beheerder.user, organisatie=world.organisatie, naam="x", toegang="schrijven"
    )
    if how == "revoked":
        apikey_revoke(actor=world.beheerder.user, api_key=key_row)
    elif how == "expired":
        ApiKey.objects.filter(pk=key_row.pk).update(
            geldig_tot=timezone.localdate() - timedelta(days=1)
        )
    elif how == "not_beheerder":
        world.beheerder.rol = "gebruiker"
        world.beheerder.save()
    elif how == "wrong":
        key = key[:-4] + "abcd"
    client = contract_client(None if how == "anonymous" else key)
    before = state()
    for url in resources():
        path = reverse_sample(url, world)
        for method in methods_of(url):
            response = send(client, method, path)
            assert response.status_code == 401, (url.name, method, response.status_code)
            assert response["WWW-Authenticate"] == 'Bearer realm="api"'
            assert response.json()["status"] == 401
    assert not snapshot_diff(before, state())


def test_the_schema_and_its_reference_page_are_public(client):
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200
