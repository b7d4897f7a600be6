"""One EH-middel per existing membership, from what the user row held about the means."""

from datetime import date

from django.db import migrations

GELDIGHEID_JAREN = 3
CERTIFICAAT_NIVEAU = "urn:etoegang:core:assurance-class:loa4"
EH2 = "urn:etoegang:core:assurance-class:loa2"
EH2_PLUS = "urn:etoegang:core:assurance-class:loa2plus"


def _plus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def forwards(apps, schema_editor):
    Lidmaatschap = apps.get_model("accounts", "Lidmaatschap")
    EHMiddel = apps.get_model("accounts", "EHMiddel")
    batch = []
    for lid in Lidmaatschap.objects.select_related("user").iterator(chunk_size=2000):
        user = lid.user
        if user.eh4_certificaat_serienummer and user.eh_niveau == CERTIFICAAT_NIVEAU:
            soort = "certificaat"
        elif user.tweede_factor == "sms":
            soort = "sms"
        else:
            soort = "app"
        uitgegeven = lid.created_at.date()
        batch.append(
            EHMiddel(
                organisatie_id=lid.organisatie_id,
                houder_id=user.pk,
                # EH2 is no level a means is issued at any more: it reads as EH2+.
                niveau=EH2_PLUS if user.eh_niveau == EH2 else user.eh_niveau,
                soort=soort,
                alleen_belastingdienst=user.alleen_belastingdienst,
                uitgegeven_op=uitgegeven,
                geldig_tot=_plus_years(uitgegeven, GELDIGHEID_JAREN),
                status="actief" if user.is_active else "ingetrokken",
                ingetrokken_op=None if user.is_active else lid.created_at,
            )
        )
        if len(batch) >= 2000:
            EHMiddel.objects.bulk_create(batch)
            batch = []
    EHMiddel.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_eh_middelen")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
