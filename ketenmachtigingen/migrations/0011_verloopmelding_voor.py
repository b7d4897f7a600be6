from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ketenmachtigingen", "0010_api_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ketenmachtiging",
            name="verloopmelding_voor",
            field=models.DateField(blank=True, null=True),
        ),
    ]
