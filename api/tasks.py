"""Tasks of the API app: delivering webhooks, and pruning their log. Each is safe to run twice
and at once: rows are claimed first (``api.webhooks.delivery``)."""

from celery import shared_task


@shared_task(acks_late=True)
def deliver_webhooks(event_ids: list[str]) -> dict[str, int]:
    """Deliver these events now (dispatched after the commit that wrote them)."""
    from .webhooks.delivery import deliver_webhooks as deliver

    return deliver(event_ids).as_dict()


@shared_task(acks_late=True)
def deliver_due_webhooks_task() -> dict[str, int]:
    """Beat runs this every minute: retries that are due, and anything a worker left."""
    from .webhooks.delivery import deliver_due

    return deliver_due().as_dict()


@shared_task(acks_late=True)
def prune_webhook_log_task() -> dict[str, int]:
    """Beat runs this once a day: the delivery log after ``WEBHOOK_LOG_RETENTION_DAYS``."""
    from .webhooks.delivery import prune

    return prune()
