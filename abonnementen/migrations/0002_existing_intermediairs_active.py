"""Every organisation that has ketenmachtigingen (as intermediair) when subscriptions arrive
gets an active subscription for the module, so nothing that works today stops working."""

from django.db import migrations
from django.utils import timezone


def forwards(apps, schema_editor):
    Abonnement = apps.get_model("abonnementen", "Abonnement")
    Ketenmachtiging = apps.get_model("ketenmachtigingen", "Ketenmachtiging")
    Organisatie = apps.get_model("accounts", "Organisatie")
    ids = set(Ketenmachtiging.objects.values_list("intermediair_id", flat=True).distinct())
    today = timezone.localdate()
    have = set(
        Abonnement.objects.filter(module="ketenmachtigingen").values_list(
            "organisatie_id", flat=True
        )
    )
    nieuw = []
    for organisatie in Organisatie.objects.filter(pk__in=ids - have).only("pk", "created_at"):
        van = min(timezone.localtime(organisatie.created_at).date(), today)
        nieuw.append(
            Abonnement(
                organisatie_id=organisatie.pk,
                module="ketenmachtigingen",
                status="actief",
                actief_van=van,
                eerst_actief_van=van,
            )
        )
    Abonnement.objects.bulk_create(nieuw, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("abonnementen", "0001_initial"),
        ("ketenmachtigingen", "0012_overview_indexes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
