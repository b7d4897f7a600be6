"""Delivering webhooks to a real HTTP receiver on 127.0.0.1 (tests/api/webhook_receiver.py):
signed per Standard Webhooks and verified with its library; retried with backoff (frozen time)
and delivered once with the same id; redirects not followed; a short answer kept; a deadline
per try; at least once when a worker dies; disabled after too many failures with a message to
the beheerders; delivered by ``run_jobs`` and the beat task; the log pruned."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone, translation
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from accounts.constants import AuditKind, Rol
from accounts.models import AuditEntry
from api.constants import SUBSCRIBABLE, DeliveryStatus, WebhookEvent
from api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from api.tasks import deliver_due_webhooks_task, prune_webhook_log_task
from api.webhooks import delivery as webhook_delivery
from api.webhooks import services
from api.webhooks.constants import USER_AGENT
from api.webhooks.delivery import claim_one, deliver_due, record
from berichtenbox.models import Bericht
from ketenportal.exceptions import DomainError
from tests.factories import LidmaatschapFactory, OrganisatieFactory

from .webhook_receiver import FakeReceiver

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def receiver():
    server = FakeReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def kantoor(db):
    organisatie = OrganisatieFactory(naam="Kantoor Klaas B.V.")
    beheerder = LidmaatschapFactory(
        organisatie=organisatie, rol=Rol.BEHEERDER, user__email="beheer@klaas.nl"
    ).user
    return organisatie, beheerder


@pytest.fixture
def endpoint(kantoor, receiver):
    """An endpoint of the kantoor on the receiver, with its secret."""
    organisatie, beheerder = kantoor
    return services.webhook_endpoint_create(
        actor=beheerder,
        organisatie=organisatie,
        url=receiver.url(),
        omschrijving="Boekhouding",
        events=[e.value for e in SUBSCRIBABLE],
    )


def queue_test(endpoint, kantoor) -> WebhookDelivery:
    """A test event in the outbox, not delivered yet (its after-commit task is not run)."""
    with transaction.atomic():
        return services.webhook_send_test(actor=kantoor[1], endpoint=endpoint)


def test_signed_per_standard_webhooks_and_verified_by_the_receiver(
    endpoint, kantoor, receiver, django_capture_on_commit_callbacks
):
    row, secret = endpoint
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_send_test(actor=kantoor[1], endpoint=row)
    assert len(receiver.received) == 1
    request = receiver.received[0]
    assert request.path == "/webhooks"
    assert request.headers["webhook-id"] == delivery.event_id
    assert delivery.event_id.startswith("msg_") and len(delivery.event_id) == 30
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == USER_AGENT
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    # The receiver's side: the Standard Webhooks library verifies it with the secret.
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "webhook.test" and payload["data"]["message"]
    assert payload == delivery.payload
    # A changed body, a wrong secret or a replayed old request are refused.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"test", b"tist"), request.headers)
    other_secret = services.new_webhook_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(other_secret).verify(request.body, request.headers)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(request.body, request.headers)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.AFGELEVERD and delivery.afgeleverd_op
    assert (delivery.pogingen, delivery.laatste_code, delivery.lease_tot) == (1, 204, None)
    attempt = delivery.attempts.get()
    assert attempt.status_code == 204 and attempt.duur_ms >= 0 and not attempt.fout


def test_the_secret_is_stored_encrypted(endpoint):
    row, secret = endpoint
    stored = WebhookEndpoint.objects.values_list("secret_encrypted", flat=True).get(pk=row.pk)
    assert secret.startswith("whsec_") and secret not in stored
    assert secret[6:] not in stored
    audit = AuditEntry.objects.get(object_type="api.webhookendpoint", action="create")
    assert audit.kind == AuditKind.API and secret[6:] not in str(audit.changes)


def test_failures_are_retried_with_backoff_and_delivered_once_with_the_same_id(
    endpoint, kantoor, receiver, settings
):
    settings.WEBHOOK_RETRY_DELAYS_SECONDS = [5, 300, 1800]
    receiver.answers = [500, 503]
    row, secret = endpoint
    with time_machine.travel(START, tick=False) as traveller:
        delivery = queue_test(row, kantoor)
        assert deliver_due().as_dict() == {"delivered": 0, "retried": 1, "failed": 0}
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.WACHTEND and delivery.pogingen == 1
        assert delivery.volgende_poging_op == START + timedelta(seconds=5)
        assert (delivery.laatste_code, delivery.laatste_fout) == (500, "status: HTTP 500")
        assert deliver_due().as_dict() == {"delivered": 0, "retried": 0, "failed": 0}  # not yet

        traveller.shift(5)
        assert deliver_due().retried == 1
        delivery.refresh_from_db()
        assert delivery.volgende_poging_op == START + timedelta(seconds=5 + 300)
        traveller.shift(299)
        assert deliver_due().as_dict() == {"delivered": 0, "retried": 0, "failed": 0}
        traveller.shift(1)
        assert deliver_due().delivered == 1
        traveller.shift(3600)
        assert deliver_due().as_dict() == {"delivered": 0, "retried": 0, "failed": 0}

        # One event, three tries, one id; each try signed with its own time.
        assert [r.event_id for r in receiver.received] == [delivery.event_id] * 3
        stamps = [int(r.headers["webhook-timestamp"]) for r in receiver.received]
        start = int(START.timestamp())
        assert stamps == [start, start + 5, start + 305]
        for request in receiver.received:
            at = dt.datetime.fromtimestamp(int(request.headers["webhook-timestamp"]), dt.UTC)
            with time_machine.travel(at, tick=False):
                Webhook(secret).verify(request.body, request.headers)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.AFGELEVERD and delivery.pogingen == 3
        attempts = list(delivery.attempts.order_by("timestamp"))
        assert [a.status_code for a in attempts] == [500, 503, 204]
        assert [a.timestamp for a in attempts] == [
            START,
            START + timedelta(seconds=5),
            START + timedelta(seconds=305),
        ]
        row.refresh_from_db()
        assert row.opeenvolgende_fouten == 0  # a delivery resets the count


def test_after_the_last_retry_it_failed_and_can_be_redelivered(
    endpoint, kantoor, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RETRY_DELAYS_SECONDS = [5, 60]
    receiver.default = 500
    row, _secret = endpoint
    with time_machine.travel(START, tick=False) as traveller:
        delivery = queue_test(row, kantoor)
        outcomes = []
        for wait in (0, 5, 60):
            traveller.shift(wait)
            outcomes.append(deliver_due().as_dict())
        assert [o["retried"] for o in outcomes] == [1, 1, 0] and outcomes[-1]["failed"] == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.MISLUKT and delivery.pogingen == 3
        assert delivery.volgende_poging_op is None
        traveller.shift(86400)
        assert deliver_due().as_dict() == {"delivered": 0, "retried": 0, "failed": 0}

        receiver.default = 200
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_redeliver(actor=kantoor[1], delivery=delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.AFGELEVERD
    assert [r.event_id for r in receiver.received] == [delivery.event_id] * 4
    assert delivery.attempts.count() == 4


def test_a_redirect_is_not_followed(endpoint, kantoor, receiver):
    elsewhere = FakeReceiver().start()
    try:
        receiver.default = 302
        receiver.location = elsewhere.url("/stolen")
        delivery = queue_test(endpoint[0], kantoor)
        assert deliver_due().retried == 1
        assert len(receiver.received) == 1 and not elsewhere.received
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.WACHTEND and delivery.laatste_code == 302
        assert delivery.laatste_fout == "redirect: HTTP 302"
    finally:
        elsewhere.stop()


def test_only_a_short_prefix_of_the_answer_is_kept(endpoint, kantoor, receiver):
    receiver.default = 500
    receiver.body = ("Fout! " * 2000).encode()
    delivery = queue_test(endpoint[0], kantoor)
    deliver_due()
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert len(attempt.antwoord) == 500 and attempt.antwoord.startswith("Fout! Fout!")


def test_a_slow_receiver_is_cut_off_at_the_deadline(endpoint, kantoor, receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.delay = 3
    delivery = queue_test(endpoint[0], kantoor)
    assert deliver_due().retried == 1
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.fout.startswith("timeout:") and attempt.status_code is None
    assert 400 <= attempt.duur_ms < 2000, attempt.duur_ms


def test_a_receiver_that_is_down_is_a_connection_failure(endpoint, kantoor, receiver):
    receiver.stop()
    delivery = queue_test(endpoint[0], kantoor)
    assert deliver_due().retried == 1
    delivery.refresh_from_db()
    assert delivery.laatste_fout.startswith("connection:") and delivery.laatste_code is None


def test_a_worker_that_died_leaves_a_lease_another_takes_over(
    endpoint, kantoor, receiver, settings
):
    settings.WEBHOOK_LEASE_SECONDS = 120
    row, secret = endpoint
    with time_machine.travel(START, tick=False) as traveller:
        delivery = queue_test(row, kantoor)
        # A worker claims the row and sends it, then dies before it can record the answer.
        claim = claim_one()
        webhook_delivery.attempt(claim.delivery)
        assert len(receiver.received) == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.BEZIG and delivery.pogingen == 1
        # Its lease holds: nobody else sends the row meanwhile.
        traveller.shift(119)
        assert deliver_due().delivered == 0
        # After the lease, another worker takes it over: at least once, with the same id.
        traveller.shift(2)
        assert deliver_due().delivered == 1
        assert len(receiver.verify(secret)) == 2
    assert [r.event_id for r in receiver.received] == [delivery.event_id] * 2
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.AFGELEVERD and delivery.pogingen == 2
    # The dead worker's late answer changes nothing (its claim was taken over).
    outcome = webhook_delivery.Outcome(status_code=500, duur_ms=1, fout="status: HTTP 500")
    assert record(claim, outcome) == "lost"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.AFGELEVERD


def test_an_endpoint_deleted_during_a_try_keeps_nothing(endpoint, kantoor, receiver):
    queue_test(endpoint[0], kantoor)
    claim = claim_one()
    outcome = webhook_delivery.attempt(claim.delivery)
    services.webhook_endpoint_delete(actor=kantoor[1], endpoint=endpoint[0])
    assert record(claim, outcome) == "gone"
    assert not WebhookAttempt.objects.exists() and len(receiver.received) == 1


def test_too_many_failures_disable_the_endpoint_and_tell_the_beheerders(
    endpoint, kantoor, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    receiver.default = 500
    row, _secret = endpoint
    organisatie, beheerder = kantoor
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            services.webhook_send_test(actor=beheerder, endpoint=row)
    row.refresh_from_db()
    assert not row.actief and row.uitgeschakeld_op and row.uitgeschakeld_reden == "fouten:3"
    assert row.opeenvolgende_fouten == 3
    # Its waiting deliveries stopped (they can be delivered again by hand).
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.MISLUKT}
    assert deliver_due().as_dict() == {"delivered": 0, "retried": 0, "failed": 0}
    # Audited, and the beheerders have a message, mailed to them.
    entry = AuditEntry.objects.filter(object_type="api.webhookendpoint").latest("pk")
    assert entry.actor is None and entry.changes == {"actief": {"old": True, "new": False}}
    bericht = Bericht.objects.get(organisatie=organisatie, sjabloon="api.webhook_uitgeschakeld")
    assert bericht.link == f"/instellingen/webhooks/{row.pk}/"
    with translation.override("en"):
        english = (bericht.titel, bericht.inhoud)
    with translation.override("nl"):
        dutch = (bericht.titel, bericht.inhoud)
    assert receiver.url() in english[0] and "3 attempts in a row failed" in english[1]
    assert english != dutch and receiver.url() in dutch[0]
    assert "%(" not in english[1] + dutch[1]
    assert [m.to for m in mail.outbox] == [["beheer@klaas.nl"]]
    # No new events for a disabled endpoint, and no test events either.
    with pytest.raises(DomainError):
        services.webhook_send_test(actor=beheerder, endpoint=row)

    # Enabled again: the count starts at zero and events flow.
    receiver.default = 204
    services.webhook_endpoint_enable(actor=beheerder, endpoint=row)
    row.refresh_from_db()
    assert row.actief and row.opeenvolgende_fouten == 0 and not row.uitgeschakeld_reden
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.webhook_send_test(actor=beheerder, endpoint=row)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.AFGELEVERD


def test_run_jobs_and_the_beat_task_deliver_what_is_due(endpoint, kantoor, receiver):
    first = queue_test(endpoint[0], kantoor)
    call_command("run_jobs", verbosity=0)
    second = queue_test(endpoint[0], kantoor)
    assert deliver_due_webhooks_task.apply().get() == {"delivered": 1, "retried": 0, "failed": 0}
    assert [r.event_id for r in receiver.received] == [first.event_id, second.event_id]


def test_the_delivery_log_is_pruned_after_the_retention_period(
    endpoint, kantoor, receiver, settings
):
    settings.WEBHOOK_LOG_RETENTION_DAYS = 30
    settings.WEBHOOK_RETRY_DELAYS_SECONDS = [40 * 86400]  # the failed one keeps waiting
    row, _secret = endpoint
    with time_machine.travel(START, tick=False) as traveller:
        old = queue_test(row, kantoor)
        deliver_due()
        receiver.default = 500
        old_waiting = queue_test(row, kantoor)
        deliver_due()
        traveller.shift(timedelta(days=29))
        receiver.default = 204
        recent = queue_test(row, kantoor)
        deliver_due()
        traveller.shift(timedelta(days=2))
        assert prune_webhook_log_task.apply().get() == {
            "webhook_deliveries": 1,
            "webhook_attempts": 2,
        }
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {
        old_waiting.pk,
        recent.pk,
    }
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()
    assert WebhookAttempt.objects.filter(delivery=recent).count() == 1
    assert WebhookAttempt.objects.filter(delivery=old_waiting).count() == 0


def test_run_jobs_prunes_the_log_too(endpoint, kantoor, receiver, settings):
    delivery = queue_test(endpoint[0], kantoor)
    deliver_due()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS + 1)
    )
    WebhookAttempt.objects.update(
        timestamp=timezone.now() - timedelta(days=settings.WEBHOOK_LOG_RETENTION_DAYS + 1)
    )
    call_command("run_jobs", verbosity=0)
    assert not WebhookDelivery.objects.exists() and not WebhookAttempt.objects.exists()


def test_test_events_are_only_for_the_endpoint_they_are_sent_to(
    endpoint, kantoor, receiver, django_capture_on_commit_callbacks
):
    other = FakeReceiver().start()
    try:
        services.webhook_endpoint_create(
            actor=kantoor[1],
            organisatie=kantoor[0],
            url=other.url(),
            events=[WebhookEvent.CREATED.value],
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.webhook_send_test(actor=kantoor[1], endpoint=endpoint[0])
        assert len(receiver.received) == 1 and not other.received
    finally:
        other.stop()
