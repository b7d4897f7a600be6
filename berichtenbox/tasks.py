"""Tasks of the berichtenbox: telling beheerders by e-mail that messages are waiting."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Bericht


@shared_task(acks_late=True)
def mail_berichten(organisatie_ids: list[int] | None = None) -> int:
    """One e-mail per beheerder per organisation for the messages not mailed yet.

    The messages are claimed with a lease before the e-mail goes out and marked after it; a
    worker that dies in between leaves a claim that the next run takes over once the lease has
    passed, so nothing is lost (and only that narrow window can mail twice).
    """
    from .services import send_waiting_mail

    now = timezone.now()
    lease = now - timedelta(seconds=settings.BERICHT_MAIL_LEASE_SECONDS)
    pending = Bericht.objects.filter(gemaild_op__isnull=True).filter(
        Q(mail_geclaimd_op__isnull=True) | Q(mail_geclaimd_op__lt=lease)
    )
    if organisatie_ids:
        pending = pending.filter(organisatie_id__in=organisatie_ids)
    mailed = 0
    for organisatie_id in sorted(set(pending.values_list("organisatie_id", flat=True))):
        with transaction.atomic():
            ids = list(
                pending.filter(organisatie_id=organisatie_id)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)
            )
            Bericht.objects.filter(pk__in=ids).update(mail_geclaimd_op=now)
        if not ids:
            continue
        send_waiting_mail(organisatie_id=organisatie_id, bericht_ids=ids)
        Bericht.objects.filter(pk__in=ids).update(gemaild_op=timezone.now())
        mailed += 1
    return mailed
