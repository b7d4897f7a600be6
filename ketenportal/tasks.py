"""Project-wide tasks: the worker's heartbeat, which /health/ reads."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

HEARTBEAT_KEY = "ketenportal:worker-heartbeat"


@shared_task(ignore_result=True)
def heartbeat() -> str:
    """Beat schedules this every 30 s; a worker that runs it proves the queue is served."""
    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=600)
    return now
