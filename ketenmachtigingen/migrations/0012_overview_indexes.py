"""Indexes for the overview's sorts (issue 17): per intermediair, by each sortable column, then
the primary key."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('ketenmachtigingen', '0011_verloopmelding_voor'),
    ]

    operations = [
        # Replaced by km_tab_einddatum_idx: the same columns, and what Acties needs besides.
        migrations.RemoveIndex(
            model_name="ketenmachtiging",
            name="ketenmachti_interme_f0c4b8_idx",
        ),
        migrations.AddIndex(
            model_name="ketenmachtiging",
            index=models.Index(
                fields=["intermediair", "status", "einddatum"],
                include=("einde_gepland_op", "id"),
                name="km_tab_einddatum_idx",
            ),
        ),
        migrations.AddIndex(
            model_name='ketenmachtiging',
            index=models.Index(fields=['intermediair', 'relatie_naam', 'id'], name='km_sort_relatie_idx'),
        ),
        migrations.AddIndex(
            model_name='ketenmachtiging',
            index=models.Index(fields=['intermediair', 'relatie_kvk_nummer', 'id'], name='km_sort_kvk_idx'),
        ),
        migrations.AddIndex(
            model_name='ketenmachtiging',
            index=models.Index(fields=['intermediair', 'einddatum', 'id'], name='km_sort_einddatum_idx'),
        ),
        migrations.AddIndex(
            model_name='ketenmachtiging',
            index=models.Index(fields=['intermediair', 'updated_at', 'id'], name='km_sort_statusdatum_idx'),
        ),
        migrations.AddIndex(
            model_name='ketenmachtiging',
            index=models.Index(fields=['intermediair', 'referentie', 'id'], name='km_sort_referentie_idx'),
        ),
        migrations.AddIndex(
            model_name="ketenmachtiging",
            index=models.Index(
                condition=models.Q(("vernieuwing_van__isnull", False)),
                fields=["vernieuwing_van"],
                include=("status", "uitnodiging_geldig_tot"),
                name="km_renewals_idx",
            ),
        ),
    ]
