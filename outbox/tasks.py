"""Tasks of the outbox. Both are safe to run twice and at once: rows are claimed first."""

from celery import shared_task


@shared_task(acks_late=True)
def deliver_mails(mail_ids: list[int]) -> dict[str, int]:
    """Deliver these e-mails now (dispatched after the commit that wrote them)."""
    from .delivery import deliver_mails as deliver

    return deliver(mail_ids).as_dict()


@shared_task(acks_late=True)
def deliver_due_task() -> dict[str, int]:
    """Beat runs this every minute: retries that are due, and anything a worker left."""
    from .delivery import deliver_due

    return deliver_due().as_dict()
