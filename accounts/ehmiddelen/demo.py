"""Demo EH-middelen: one per demo membership, a few expiring within two months, one revoked,
and one request waiting for the back office."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from ..constants import MIDDEL_NIVEAUS, EHNiveau, MiddelAanvraagStatus, MiddelSoort, TweedeFactor
from ..models import EHMiddel, EHMiddelAanvraag, Lidmaatschap, Organisatie

# Days until the end date of the demo means, in turn: some expire within two months.
_DAGEN = (25, 900, 50, 400, 700, 1000, 12, 600)


def seed_ehmiddelen(intermediairs: list[Organisatie]) -> None:
    today = timezone.localdate()
    leden = Lidmaatschap.objects.select_related("user").order_by("pk")
    for index, lid in enumerate(leden):
        user = lid.user
        if user.eh4_certificaat_serienummer:
            soort = MiddelSoort.CERTIFICAAT
        elif user.tweede_factor == TweedeFactor.SMS:
            soort = MiddelSoort.SMS
        else:
            soort = MiddelSoort.APP
        geldig_tot = today + timedelta(days=_DAGEN[index % len(_DAGEN)])
        EHMiddel.objects.create(
            organisatie_id=lid.organisatie_id,
            houder=user,
            niveau=user.eh_niveau if user.eh_niveau in MIDDEL_NIVEAUS else EHNiveau.EH2_PLUS,
            soort=soort,
            alleen_belastingdienst=user.alleen_belastingdienst,
            uitgegeven_op=geldig_tot - relativedelta(years=3),
            geldig_tot=geldig_tot,
        )
    if intermediairs:
        EHMiddelAanvraag.objects.create(
            organisatie=intermediairs[0],
            aangevraagd_door=Lidmaatschap.objects.filter(organisatie=intermediairs[0])
            .order_by("pk")
            .first()
            .user,
            voornaam="Sanne",
            achternaam="de Wit",
            email="sanne.dewit@example.nl",
            telefoonnummer="+31612345678",
            niveau=EHNiveau.EH3,
            soort=MiddelSoort.APP,
            status=MiddelAanvraagStatus.INGEDIEND,
        )
