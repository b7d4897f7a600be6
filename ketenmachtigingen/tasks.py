"""Tasks of ketenmachtigingen. They take ids, load fresh rows and are safe to run twice."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .constants import Status


@shared_task(acks_late=True)
def send_uitnodiging(ketenmachtiging_id: int) -> bool:
    """Render the signed-form PDF and e-mail the invitation, once."""
    from .services import ketenmachtiging_send_invitation

    return ketenmachtiging_send_invitation(ketenmachtiging_id=ketenmachtiging_id)


@shared_task(acks_late=True)
def send_incompleet(ketenmachtiging_id: int) -> bool:
    """Tell the relatie's contact what is missing, once per "incompleet" decision."""
    from .emails import send_incompleet_mail
    from .models import Ketenmachtiging, StatusWijziging

    with transaction.atomic():
        wijziging = (
            StatusWijziging.objects.select_for_update()
            .filter(ketenmachtiging_id=ketenmachtiging_id, naar=Status.INCOMPLEET)
            .order_by("-timestamp", "-pk")
            .first()
        )
        if wijziging is None or wijziging.melding_verzonden_op is not None:
            return False
        wijziging.melding_verzonden_op = timezone.now()
        wijziging.save(update_fields=["melding_verzonden_op"])
    km = Ketenmachtiging.objects.get(pk=ketenmachtiging_id)
    if not km.relatie_contact_email:
        return False
    send_incompleet_mail(km, wijziging)
    return True


@shared_task(acks_late=True)
def send_uitnodigingen(ketenmachtiging_ids: list[int]) -> int:
    """Fan out the invitations of a bulk renewal: one task per invitation."""
    from .services import pending_invitations_for

    ids = pending_invitations_for(ketenmachtiging_ids)
    for pk in ids:
        send_uitnodiging.delay(pk)
    return len(ids)


@shared_task(acks_late=True)
def read_import(import_id: int) -> None:
    from .services import import_read

    import_read(import_id=import_id)


@shared_task(acks_late=True)
def process_import(import_id: int) -> None:
    from .services import import_process

    import_process(import_id=import_id)


@shared_task(acks_late=True)
def run_sweeps_task() -> dict:
    """Celery beat runs this regularly (SWEEP_INTERVAL_MINUTES); see jobs.py."""
    from .jobs import run_sweeps

    return run_sweeps()


@shared_task(acks_late=True)
def send_herinnering(ketenmachtiging_id: int, soort: str = "herinnering") -> bool:
    """A reminder, or the invitation again on request, to the relatie's contact. The sweep or
    the resend service claimed the row before dispatching this."""
    from .emails import send_herinnering_mail
    from .models import Ketenmachtiging

    km = Ketenmachtiging.objects.filter(pk=ketenmachtiging_id, status=Status.VERSTUURD).first()
    if km is None or not km.relatie_contact_email:
        return False
    pdf = km.formulier_pdf.read() if km.formulier_pdf else None
    if km.formulier_pdf:
        km.formulier_pdf.close()
    send_herinnering_mail(km, pdf, opnieuw=soort == "opnieuw")
    return True
