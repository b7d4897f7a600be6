"""Webhook events are written in the transaction of the change they are about (an outbox): from a
real status change, from the sweeps (twice: once), from bulk renewal; only for the intermediair's
active endpoints that subscribed; none at all without such an endpoint (one query to find out);
and every payload matches the ``webhooks`` section of the OpenAPI schema."""

import datetime as dt
import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from accounts.constants import Rol
from api.constants import SUBSCRIBABLE, WebhookEvent
from api.models import WebhookDelivery, WebhookEndpoint
from api.webhooks import services
from api.webhooks.emit import Event, emit
from api.webhooks.receivers import on_status_recorded
from diensten.scope import Scope
from ketenmachtigingen import services as km_services
from ketenmachtigingen.constants import Status
from ketenmachtigingen.jobs import (
    run_sweeps,
    sweep_uitnodigingen_verlopend,
    sweep_verlengingen,
    sweep_verloopt_binnenkort,
    sweep_verlopen,
)
from ketenmachtigingen.models import Ketenmachtiging
from ketenmachtigingen.notifications import row_of
from tests.factories import (
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ALL = [e.value for e in SUBSCRIBABLE]
AMSTERDAM = dt.timezone(dt.timedelta(hours=2))


def at(day: dt.date):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, 3, tzinfo=AMSTERDAM), tick=False
    )


@pytest.fixture(scope="module")
def webhook_schemas(django_db_blocker):
    """The OpenAPI document as the API serves it, and a validator per webhook event type."""
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        document = json.loads(
            json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str)
        )
    registry = Registry().with_resource(
        "urn:ketenportal:openapi", Resource.from_contents(document, DRAFT202012)
    )
    validators = {}
    for event_type in document["webhooks"]:
        pointer = f"/webhooks/{event_type}/post/requestBody/content/application~1json/schema"
        validators[event_type] = Draft202012Validator(
            {"$ref": f"urn:ketenportal:openapi#{pointer}"}, registry=registry
        )
    return validators


@pytest.fixture
def kantoor(db):
    organisatie = OrganisatieFactory(naam="Kantoor Klaas B.V.")
    beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
    return organisatie, beheerder


def subscribe(kantoor, events=ALL, url="http://127.0.0.1:9/hook"):
    return services.webhook_endpoint_create(
        actor=kantoor[1], organisatie=kantoor[0], url=url, events=events
    )[0]


@pytest.fixture
def endpoint(kantoor):
    return subscribe(kantoor)


def sent(event_type=None):
    rows = WebhookDelivery.objects.order_by("pk")
    if event_type:
        rows = rows.filter(event_type=event_type)
    return list(rows)


def check_contract(validators, deliveries):
    """Every payload validates against its event type's schema; the envelope is right."""
    assert deliveries
    for delivery in deliveries:
        errors = list(validators[delivery.event_type].iter_errors(delivery.payload))
        assert not errors, (delivery.event_type, [e.message for e in errors])
        assert delivery.payload["type"] == delivery.event_type
        assert delivery.payload["timestamp"].endswith("Z")
        assert delivery.event_id.startswith("msg_") and len(delivery.event_id) == 30


def test_a_status_change_is_an_event_written_with_the_change(endpoint, webhook_schemas):
    staff = UserFactory(is_staff=True)
    km = KetenmachtigingFactory(intermediair=endpoint.organisatie, ontvangen=True)
    km_services.backoffice_approve(actor=staff, km=km)
    (delivery,) = sent()
    assert delivery.endpoint == endpoint and delivery.status == "wachtend"
    assert delivery.event_type == WebhookEvent.STATUS_CHANGED and delivery.sleutel is None
    data = delivery.payload["data"]
    km.refresh_from_db()
    assert data["id"] == km.pk and data["kenmerk"] == km.kenmerk
    assert (data["old_status"], data["new_status"], data["status"]) == (
        Status.ONTVANGEN,
        Status.ACTIEF,
        Status.ACTIEF,
    )
    assert data["einddatum"] == km.einddatum.isoformat()
    assert data["relatie"] == {
        "naam": km.relatie_naam,
        "kvk_nummer": km.relatie_kvk_nummer,
        "rsin": None,
    }
    assert data["url"].endswith(f"/api/v1/ketenmachtigingen/{km.pk}/")
    check_contract(webhook_schemas, [delivery])


def test_a_change_that_rolls_back_leaves_no_event(endpoint):
    staff = UserFactory(is_staff=True)
    km = KetenmachtigingFactory(intermediair=endpoint.organisatie, ontvangen=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        km_services.backoffice_approve(actor=staff, km=km)
        assert len(sent()) == 1
        raise RuntimeError("rolled back")
    assert sent() == []


def test_a_request_is_created_and_ending_an_active_one_is_ended(endpoint, kantoor, webhook_schemas):
    km = km_services.ketenmachtiging_request(
        actor=kantoor[1],
        intermediair=kantoor[0],
        relatie=km_services.Relatie(
            naam="Test BV Donald",
            kvk_nummer="68750110",
            rsin="",
            adres="Straat 1",
            postcode_plaats="1234AB Plaats",
        ),
        scope=Scope.algemene_bevoegdheid(),
        looptijd_jaren=5,
        contacten=km_services.Contacten(
            voorletters="A.",
            tussenvoegsel="",
            achternaam="Pietersen",
            email="a@klaas.nl",
            telefoon="+31612345678",
            relatie_email="directie@donald.nl",
            relatie_telefoon="",
        ),
        taal="nl",
        akkoord_kosten=True,
    )
    (created,) = sent()
    assert created.event_type == WebhookEvent.CREATED
    assert created.payload["data"]["status"] == Status.VERSTUURD
    assert created.payload["data"]["id"] == km.pk

    active = KetenmachtigingFactory(intermediair=kantoor[0], actief=True)
    km_services.ketenmachtiging_end(actor=kantoor[1], km=active)
    changed, ended = sent()[1:]
    assert (changed.event_type, ended.event_type) == (
        WebhookEvent.STATUS_CHANGED,
        WebhookEvent.ENDED,
    )
    assert ended.payload["data"]["old_status"] == Status.ACTIEF
    assert ended.payload["data"]["new_status"] == Status.BEEINDIGD
    assert changed.event_id != ended.event_id
    check_contract(webhook_schemas, sent())


def test_only_subscribed_active_endpoints_of_the_intermediair_get_events(kantoor):
    only_created = subscribe(kantoor, [WebhookEvent.CREATED.value])
    status = subscribe(kantoor, [WebhookEvent.STATUS_CHANGED.value])
    disabled = subscribe(kantoor, ALL)
    services.webhook_endpoint_disable(actor=kantoor[1], endpoint=disabled)
    other = OrganisatieFactory()
    subscribe((other, LidmaatschapFactory(organisatie=other, rol=Rol.BEHEERDER).user), ALL)
    staff = UserFactory(is_staff=True)
    km = KetenmachtigingFactory(intermediair=kantoor[0], ontvangen=True)
    km_services.backoffice_approve(actor=staff, km=km)
    assert [(d.endpoint, d.event_type) for d in sent()] == [(status, WebhookEvent.STATUS_CHANGED)]
    assert only_created.deliveries.count() == 0


def test_the_relatie_side_and_rows_without_intermediair_get_none(kantoor, endpoint):
    """Events are the intermediair's: a company that granted a ketenmachtiging is not told
    through its webhooks, and a row without intermediair on the platform is skipped."""
    intermediair = OrganisatieFactory()
    km = KetenmachtigingFactory(
        intermediair=intermediair, relatie_organisatie=kantoor[0], actief=True
    )
    km_services.ketenmachtiging_end_granted(actor=kantoor[1], km=km)
    unknown = KetenmachtigingFactory(intermediair=None, intermediair_naam="Elders B.V.")
    on_status_recorded(None, rows=[{**row_of(unknown), "van": "", "naar": Status.VERSTUURD}])
    assert sent() == []


def test_without_an_endpoint_nothing_is_written_and_one_query_tells(kantoor):
    kms = [KetenmachtigingFactory(intermediair=kantoor[0], actief=True) for _ in range(20)]
    rows = [{**row_of(km), "van": Status.ACTIEF, "naar": Status.VERLOPEN} for km in kms]
    with CaptureQueriesContext(connection) as queries:
        on_status_recorded(None, rows=rows)
    assert len(queries) == 1 and "api_webhookendpoint" in queries[0]["sql"]
    assert not WebhookDelivery.objects.exists()


def test_a_chunk_is_one_lookup_and_one_insert(kantoor, endpoint, settings):
    kms = [KetenmachtigingFactory(intermediair=kantoor[0], actief=True) for _ in range(50)]
    rows = [{**row_of(km), "van": Status.ACTIEF, "naar": Status.VERLOPEN} for km in kms]
    with CaptureQueriesContext(connection) as queries:
        on_status_recorded(None, rows=rows)
    sql = [q["sql"] for q in queries]
    lookups = [s for s in sql if "api_webhookendpoint" in s]
    inserts = [s for s in sql if s.startswith("INSERT")]
    assert len(lookups) == 1 and len(lookups) + len(inserts) == len(sql)
    # One statement on PostgreSQL; SQLite's limit on query parameters splits it in two.
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)
    assert WebhookDelivery.objects.count() == 100  # status_changed and ended for each


def test_expiry_sweep_changes_status_and_ends_once(kantoor, endpoint, webhook_schemas):
    old = KetenmachtigingFactory(
        intermediair=kantoor[0],
        actief=True,
        startdatum=dt.date(2021, 6, 1),
        einddatum=dt.date(2026, 6, 1),
    )
    with at(dt.date(2026, 6, 2)):
        assert sweep_verlopen(timezone.localdate()) == 1
        assert sweep_verlopen(timezone.localdate()) == 0
    assert [d.event_type for d in sent()] == [WebhookEvent.STATUS_CHANGED, WebhookEvent.ENDED]
    assert {d.payload["data"]["id"] for d in sent()} == {old.pk}
    assert sent()[0].payload["data"]["old_status"] == Status.ACTIEF
    assert sent()[0].payload["data"]["new_status"] == Status.VERLOPEN
    check_contract(webhook_schemas, sent())


def test_renewal_due_once_per_term_even_when_the_sweep_repeats(kantoor, endpoint, webhook_schemas):
    km = KetenmachtigingFactory(
        intermediair=kantoor[0],
        actief=True,
        startdatum=dt.date(2021, 6, 1),
        einddatum=dt.date(2026, 6, 1),
    )
    with at(dt.date(2026, 3, 1)):
        assert sweep_verlengingen(timezone.localdate()) == 1
        assert sweep_verlengingen(timezone.localdate()) == 0
        # Even when the sweep's own marker is lost, the event's key keeps it single.
        Ketenmachtiging.objects.filter(pk=km.pk).update(verlenging_gemeld_voor=None)
        assert sweep_verlengingen(timezone.localdate()) == 1
    (delivery,) = sent()
    assert delivery.event_type == WebhookEvent.RENEWAL_DUE
    assert delivery.sleutel == f"ketenmachtiging.renewal_due:{endpoint.pk}:{km.pk}:2026-06-01"
    assert delivery.payload["data"]["einddatum"] == "2026-06-01"
    check_contract(webhook_schemas, sent())


def test_invitation_lapsing_carries_its_deadline(kantoor, endpoint, webhook_schemas):
    km = KetenmachtigingFactory(
        intermediair=kantoor[0], uitnodiging_geldig_tot=dt.date(2026, 6, 10)
    )
    with at(dt.date(2026, 6, 1)):
        assert sweep_uitnodigingen_verlopend(timezone.localdate()) == 1
        Ketenmachtiging.objects.filter(pk=km.pk).update(vervalmelding_voor=None)
        sweep_uitnodigingen_verlopend(timezone.localdate())
    (delivery,) = sent()
    assert delivery.event_type == WebhookEvent.INVITATION_LAPSING
    assert delivery.payload["data"]["deadline"] == "2026-06-10"
    assert delivery.payload["data"]["status"] == Status.VERSTUURD
    check_contract(webhook_schemas, sent())


def test_expiring_within_30_days_once_per_term(kantoor, endpoint, webhook_schemas):
    km = KetenmachtigingFactory(
        intermediair=kantoor[0],
        actief=True,
        startdatum=dt.date(2021, 6, 1),
        einddatum=dt.date(2026, 6, 1),
    )
    with at(dt.date(2026, 5, 1)):
        assert sweep_verloopt_binnenkort(timezone.localdate()) == 0  # 31 days: not yet
    with at(dt.date(2026, 5, 2)):
        assert sweep_verloopt_binnenkort(timezone.localdate()) == 1
    with at(dt.date(2026, 5, 3)):
        assert sweep_verloopt_binnenkort(timezone.localdate()) == 0
        Ketenmachtiging.objects.filter(pk=km.pk).update(verloopmelding_voor=None)
        assert sweep_verloopt_binnenkort(timezone.localdate()) == 1
    (delivery,) = sent()
    assert delivery.event_type == WebhookEvent.EXPIRING
    assert delivery.payload["data"]["days_left"] == 30
    km.refresh_from_db()
    assert km.verloopmelding_voor == dt.date(2026, 6, 1)
    # A new term, a new event.
    Ketenmachtiging.objects.filter(pk=km.pk).update(einddatum=dt.date(2031, 6, 1))
    with at(dt.date(2031, 5, 20)):
        assert sweep_verloopt_binnenkort(timezone.localdate()) == 1
    assert sent()[-1].payload["data"]["days_left"] == 12
    check_contract(webhook_schemas, sent())


def test_a_chosen_end_does_not_expire(kantoor, endpoint):
    KetenmachtigingFactory(
        intermediair=kantoor[0],
        actief=True,
        startdatum=dt.date(2021, 6, 1),
        einddatum=dt.date(2026, 6, 1),
        einde_gepland_op=dt.date(2026, 5, 20),
    )
    with at(dt.date(2026, 5, 10)):
        assert sweep_verloopt_binnenkort(timezone.localdate()) == 0
    assert sent() == []


def test_run_sweeps_runs_the_expiring_sweep_and_tells_nobody_else(kantoor, endpoint):
    from berichtenbox.models import Bericht
    from outbox.models import Mail

    KetenmachtigingFactory(
        intermediair=kantoor[0],
        actief=True,
        startdatum=timezone.localdate() - timedelta(days=1800),
        einddatum=timezone.localdate() + timedelta(days=100),
    )
    KetenmachtigingFactory(
        intermediair=kantoor[0],
        actief=True,
        startdatum=timezone.localdate() - timedelta(days=1800),
        einddatum=timezone.localdate() + timedelta(days=10),
        verlenging_gemeld_voor=timezone.localdate() + timedelta(days=10),
    )
    counts = run_sweeps()
    assert counts["verloopt_binnenkort"] == 1
    assert [d.event_type for d in sent()] == [WebhookEvent.EXPIRING]
    assert not Bericht.objects.exists() and not Mail.objects.exists()
    assert run_sweeps()["verloopt_binnenkort"] == 0 and len(sent()) == 1


def test_bulk_renewal_creates_an_event_per_new_request(kantoor, endpoint, webhook_schemas):
    old = [
        KetenmachtigingFactory(
            intermediair=kantoor[0],
            actief=True,
            startdatum=timezone.localdate() - timedelta(days=1780),
            einddatum=timezone.localdate() + timedelta(days=45),
            relatie_contact_email=f"r{i}@x.nl",
        )
        for i in range(3)
    ]
    created = km_services.ketenmachtigingen_renew(
        actor=kantoor[1],
        organisatie=kantoor[0],
        ontvangers={},
        contact=km_services.Contactpersoon("A.", "", "Beheer", "beheer@klaas.nl", "+31301234567"),
        akkoord_kosten=True,
        alle=True,
    )
    deliveries = sent(WebhookEvent.CREATED)
    assert {d.payload["data"]["id"] for d in deliveries} == {k.pk for k in created}
    assert {d.payload["data"]["status"] for d in deliveries} == {Status.VERSTUURD}
    assert len(deliveries) == len(old) == len(sent())
    check_contract(webhook_schemas, deliveries)


def test_the_test_event_matches_its_schema_too(kantoor, endpoint, webhook_schemas):
    services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)
    check_contract(webhook_schemas, sent(WebhookEvent.TEST))


def test_every_event_type_is_in_the_schema(webhook_schemas):
    assert set(webhook_schemas) == {e.value for e in WebhookEvent}


def test_the_schema_refuses_a_payload_that_breaks_the_contract(webhook_schemas, endpoint):
    staff = UserFactory(is_staff=True)
    km = KetenmachtigingFactory(intermediair=endpoint.organisatie, ontvangen=True)
    km_services.backoffice_approve(actor=staff, km=km)
    payload = sent()[0].payload
    broken = {**payload, "data": {**payload["data"], "new_status": "bestaat-niet"}}
    assert list(webhook_schemas[WebhookEvent.STATUS_CHANGED].iter_errors(broken))
    missing = {**payload, "data": {k: v for k, v in payload["data"].items() if k != "id"}}
    assert list(webhook_schemas[WebhookEvent.STATUS_CHANGED].iter_errors(missing))


def test_emit_writes_nothing_for_no_events(kantoor, endpoint):
    assert emit([]) == 0
    assert emit([Event(kantoor[0].pk, WebhookEvent.CREATED, {"id": 1})]) == 1
    assert WebhookEndpoint.objects.count() == 1
