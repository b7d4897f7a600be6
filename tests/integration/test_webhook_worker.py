"""The webhook outbox under a real Celery worker (Redis and PostgreSQL): the worker is killed in
the middle of delivering events to a slow receiver; a new worker finishes, every event reached
the receiver at least once (with its own ``webhook-id``, validly signed), and every delivery is
``afgeleverd``. The worker and its helpers are those of ``test_worker.py``."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.constants import Rol
from api.constants import SUBSCRIBABLE, DeliveryStatus
from api.models import WebhookDelivery
from api.webhooks import services
from ketenmachtigingen import services as km_services
from tests.api.webhook_receiver import FakeReceiver
from tests.factories import (
    KetenmachtigingFactory,
    LidmaatschapFactory,
    OrganisatieFactory,
    UserFactory,
)
from tests.integration.test_worker import broker, wait_for, workers  # noqa: F401 - fixtures

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
EVENTS = 30


def test_a_worker_killed_while_delivering_webhooks_loses_no_event(broker, workers):  # noqa: F811
    receiver = FakeReceiver().start()
    receiver.delay = 0.05  # a slow receiver
    receiver.hold_at = 8  # the eighth request waits for its answer: the kill lands there
    try:
        organisatie = OrganisatieFactory(naam="Kantoor Webhook B.V.")
        beheerder = LidmaatschapFactory(organisatie=organisatie, rol=Rol.BEHEERDER).user
        endpoint, secret = services.webhook_endpoint_create(
            actor=beheerder,
            organisatie=organisatie,
            url=receiver.url(),
            events=[e.value for e in SUBSCRIBABLE],
        )
        staff = UserFactory(is_staff=True)
        # Real status changes, each committed: an event each, its task sent to Redis.
        for _ in range(EVENTS):
            km = KetenmachtigingFactory(intermediair=organisatie, ontvangen=True)
            km_services.backoffice_approve(actor=staff, km=km)
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        assert deliveries.count() == EVENTS
        env = {
            "WEBHOOK_LEASE_SECONDS": "3",
            "WEBHOOK_TIMEOUT_SECONDS": "2",
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        }
        first = workers("webhooks", concurrency=1, **env)
        # Killed while the receiver holds a request: that delivery is leased, not recorded.
        assert receiver.held.wait(timeout=60), "delivery under way"
        first.kill()
        partial = len(receiver.received)
        assert partial == 8, partial
        receiver.hold_at = None
        receiver.release.set()
        leased = deliveries.get(status=DeliveryStatus.BEZIG)
        assert leased.event_id == receiver.received[-1].event_id
        assert deliveries.filter(status=DeliveryStatus.AFGELEVERD).count() == partial - 1

        workers("rescue", concurrency=1, **env)
        time.sleep(3.5)  # the dead worker's lease runs out
        from api.tasks import deliver_due_webhooks_task

        deliver_due_webhooks_task.delay()  # what beat does every minute
        done = deliveries.filter(status=DeliveryStatus.AFGELEVERD)
        wait_for(lambda: done.count() == EVENTS, timeout=120, message="every event delivered")
        time.sleep(1)

        expected = set(deliveries.values_list("event_id", flat=True))
        got = [r.event_id for r in receiver.received]
        assert set(got) == expected  # every event at least once, nothing foreign
        assert len(got) - len(expected) <= 2  # a repeat only for what was cut off mid-request
        assert len(receiver.verify(secret)) == len(got)  # each one validly signed
        # The one cut off was sent again by the rescue worker, with the same id.
        assert got.count(leased.event_id) == 2
        assert not deliveries.exclude(status=DeliveryStatus.AFGELEVERD).exists()
        for delivery in deliveries:
            assert delivery.attempts.filter(status_code=204).count() == 1
        assert timezone.now() - min(d.created_at for d in deliveries) < timedelta(minutes=5)
    finally:
        receiver.stop()
