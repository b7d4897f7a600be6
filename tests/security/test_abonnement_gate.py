"""The subscription gate, walked: a third state besides "not logged in" and "logged in": a
verified beheerder with EH3 whose organisation has no active subscription for the
ketenmachtiging module.

* After a subscription ended, every write URL of the module (request, import, register, renew,
  end, link users and groups, the sender settings) answers GET and POST with the explanation
  page (200, never a 403 or 500) and changes nothing; the reads (overview, detail, export, the
  PDF, an import's results) keep working by GET.
* An organisation that never had one sees the explanation page on every URL of the module,
  the overview too.
* The company side and the back office need no subscription.
* The API: reads after the end, no writes; nothing without ever a subscription.

Every URL of ``ketenmachtigingen:`` must be behind the gate or in
``tests.url_walker.NO_SUBSCRIPTION_NEEDED`` with a reason, so a new page cannot skip it.
"""

import pytest
from django.urls import reverse
from django.utils import timezone

from abonnementen.mixins import AbonnementRequiredMixin
from abonnementen.models import Abonnement
from tests.url_walker import NO_SUBSCRIPTION_NEEDED, named_urls, reverse_sample

from .common import client_for, describe, fetch, rolled_back, snapshot, snapshot_diff, view_class

pytestmark = pytest.mark.django_db

EXPLANATION = "abonnementen/toegang.html"


def gate_of(url) -> str | None:
    """``lezen`` or ``schrijven`` for a URL behind the gate, None for one that is not."""
    cls = view_class(url)
    if cls is None or not issubclass(cls, AbonnementRequiredMixin):
        return None
    return "lezen" if cls.abonnement_lezen else "schrijven"


def module_urls():
    return [u for u in named_urls() if u.name.startswith("ketenmachtigingen:")]


def gated(kind: str | None = None):
    return [u for u in named_urls() if gate_of(u) and (kind is None or gate_of(u) == kind)]


def explains(response) -> bool:
    return EXPLANATION in [t.name for t in response.templates or []]


def end_subscription(organisatie, *, never: bool = False) -> None:
    if never:
        Abonnement.objects.filter(organisatie=organisatie).delete()
        return
    Abonnement.objects.filter(organisatie=organisatie).update(
        status="beeindigd", beeindigd_op=timezone.localdate()
    )


def test_every_url_of_the_module_is_behind_the_gate_or_listed():
    missing = [
        u.name for u in module_urls() if not gate_of(u) and u.name not in NO_SUBSCRIPTION_NEEDED
    ]
    assert not missing, (
        "put these views behind abonnementen.mixins.AbonnementRequiredMixin (a read sets "
        f"abonnement_lezen = True), or list them in NO_SUBSCRIPTION_NEEDED with a reason: {missing}"
    )
    stale = [n for n in NO_SUBSCRIPTION_NEEDED if n not in {u.name for u in module_urls()}]
    assert not stale and not [u.name for u in gated() if u.name in NO_SUBSCRIPTION_NEEDED]


def test_the_reads_and_writes_are_the_documented_ones():
    reads = {u.name for u in gated("lezen")}
    assert reads == {
        "ketenmachtigingen:van_relaties",
        "ketenmachtigingen:detail",
        "ketenmachtigingen:export",
        "ketenmachtigingen:formulier",
        "ketenmachtigingen:import_detail",
    }
    writes = {u.name for u in gated("schrijven")}
    for name in (
        "nieuw",
        "versturen",
        "goedgekeurd",
        "import",
        "import_template",
        "verleng",
        "verleng_selectie",
        "beeindig",
        "gebruikers",
        "gebruiker_verwijder",
        "groep_verwijder",
        "opnieuw_aanvragen",
        "afzender",
    ):
        assert f"ketenmachtigingen:{name}" in writes, name


def test_after_the_end_writes_explain_and_change_nothing_reads_keep_working(world):
    end_subscription(world.organisatie)
    client = client_for(world.beheerder.user)
    failures = []
    for url in gated():
        path = reverse_sample(url, world)
        for method in ("get", "post"):
            before = snapshot()
            with rolled_back():
                response = fetch(client, method, path)
                changes = snapshot_diff(before, snapshot())
            read = gate_of(url) == "lezen" and method == "get"
            if read:
                # (the sample PDF does not exist: its 404 is the view's, past the gate)
                if response.status_code in (403, 500) or explains(response):
                    failures.append(f"read refused: {describe(url.name, method, response)}")
            elif response.status_code != 200 or not explains(response):
                failures.append(f"write not explained: {describe(url.name, method, response)}")
            elif changes:
                failures.append(f"{url.name} {method} changed {changes}")
    assert not failures, "\n".join(failures)


def test_without_ever_a_subscription_every_url_of_the_module_explains(world):
    end_subscription(world.organisatie, never=True)
    client = client_for(world.beheerder.user)
    failures = []
    for url in gated():
        path = reverse_sample(url, world)
        for method in ("get", "post"):
            with rolled_back():
                response = fetch(client, method, path)
            if response.status_code != 200 or not explains(response):
                failures.append(describe(url.name, method, response))
    assert not failures, "\n".join(failures)
    page = client.get(reverse("ketenmachtigingen:van_relaties")).content.decode()
    assert "Vraag toegang aan" in page


def test_the_company_side_and_the_back_office_need_no_subscription(world, people):
    end_subscription(world.organisatie, never=True)
    client = client_for(world.beheerder.user)
    staff = client_for(people.staff)
    failures = []
    for url in module_urls():
        if url.name not in NO_SUBSCRIPTION_NEEDED:
            continue
        c = staff if "backoffice" in url.name else client
        response = fetch(c, "get", reverse_sample(url, world))
        if response.status_code in (403, 404, 500) or explains(response):
            failures.append(describe(url.name, "get", response))
    assert not failures, "\n".join(failures)


def test_an_active_subscription_opens_every_page(world):
    client = client_for(world.beheerder.user)
    for url in gated():
        response = fetch(client, "get", reverse_sample(url, world))
        assert not explains(response), url.name


def test_the_read_only_notice_on_the_overview_and_detail(world):
    end_subscription(world.organisatie)
    client = client_for(world.beheerder.user)
    for path in (
        reverse("ketenmachtigingen:van_relaties"),
        reverse("ketenmachtigingen:detail", args=[world.km.pk]),
    ):
        assert 'data-testid="abonnement-alleen-lezen"' in client.get(path).content.decode()
    client = client_for(world.other_beheerder.user)
    page = client.get(reverse("ketenmachtigingen:van_relaties")).content.decode()
    assert 'data-testid="abonnement-alleen-lezen"' not in page


# --- The API ----------------------------------------------------------------------------------


@pytest.fixture
def api(world):
    from rest_framework.test import APIClient

    from api.constants import Toegang
    from api.services import apikey_create

    _key, secret = apikey_create(
        actor=world.beheerder.user,
        organisatie=world.organisatie,
        naam="Gate",
        toegang=Toegang.SCHRIJVEN,
        geldig_tot=None,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def api_writes(world):
    km = world.km.pk
    return [
        (reverse("api:ketenmachtiging-list"), {}),
        (reverse("api:ketenmachtiging-registreren"), {}),
        (reverse("api:ketenmachtiging-verlengen", args=[km]), {}),
        (reverse("api:ketenmachtiging-beeindigen", args=[km]), {}),
    ]


def test_api_after_the_end_reads_but_does_not_write(world, api):
    end_subscription(world.organisatie)
    assert api.get(reverse("api:ketenmachtiging-list")).status_code == 200
    assert api.get(reverse("api:ketenmachtiging-detail", args=[world.km.pk])).status_code == 200
    before = snapshot(ignore={"api.apikey": {"laatst_gebruikt_op"}})
    for path, data in api_writes(world):
        response = api.post(path, data, format="json")
        assert response.status_code == 403, path
        assert response.json()["type"].endswith("subscription_required"), response.json()
    assert not snapshot_diff(before, snapshot(ignore={"api.apikey": {"laatst_gebruikt_op"}}))


def test_api_without_ever_a_subscription_refuses_reads_too(world, api):
    end_subscription(world.organisatie, never=True)
    response = api.get(reverse("api:ketenmachtiging-list"))
    assert response.status_code == 403
    assert response.json()["type"].endswith("subscription_required")
    # Other resources of the organisation are not about the module.
    assert api.get(reverse("api:gebruiker-list")).status_code == 200
