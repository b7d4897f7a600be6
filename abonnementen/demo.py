"""Demo subscriptions (called by ``seed_demo``): the demo intermediairs have the ketenmachtiging
module on, so the portal can be tried at once. Idempotent."""

from datetime import timedelta

from django.utils import timezone

from accounts.management.commands.seed_demo import INTERMEDIAIRS
from accounts.models import Organisatie

from .constants import AbonnementStatus, Module
from .models import Abonnement


def seed(stdout) -> None:
    start = timezone.localdate() - timedelta(days=365)
    for data in INTERMEDIAIRS:
        organisatie = Organisatie.objects.filter(kvk_nummer=data["kvk_nummer"]).first()
        if organisatie is None:
            continue
        Abonnement.objects.get_or_create(
            organisatie=organisatie,
            module=Module.KETENMACHTIGINGEN,
            defaults={
                "status": AbonnementStatus.ACTIEF,
                "offerte_verstuurd_op": start - timedelta(days=40),
                "offerte_ontvangen_op": start - timedelta(days=10),
                "actief_van": start,
                "eerst_actief_van": start,
            },
        )
