"""Tasks of the berichtenbox: telling beheerders by e-mail that messages are waiting."""

from celery import shared_task


@shared_task(acks_late=True)
def mail_berichten(organisatie_ids: list[int] | None = None) -> int:
    """Queue the "messages are waiting" e-mails in the outbox (which delivers them after the
    commit). Safe to run twice and at once: the messages are marked in the same transaction."""
    from .services import berichten_mail_queue

    return berichten_mail_queue(organisatie_ids)
