"""Bulk renewal of 10,000 ketenmachtigingen from the Acties tab ("Verleng selectie", all pages):
the request that creates the renewals, in one set-based transaction; the invitations are sent by
tasks afterwards (not measured here). Target: under 10 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/bulk_renewal.py
"""

import json
import time

from _django import (
    bench_database,
    count_queries,
    database_vendor,
    fresh_factory_sequences,
    settle,
)

ROWS = 10_000
TARGET_SECONDS = 10.0


def main() -> dict:
    with bench_database("bench_renewal", keep=False):
        fresh_factory_sequences()
        from dateutil.relativedelta import relativedelta
        from django.test.utils import override_settings
        from django.urls import reverse
        from django.utils import timezone

        from ketenmachtigingen.models import Ketenmachtiging
        from tests.conftest import verified_client
        from tests.factories import (
            DienstFactory,
            GroepFactory,
            LidmaatschapFactory,
            OrganisatieFactory,
        )

        organisatie = OrganisatieFactory(naam="Renewal bench B.V.")
        beheerder = LidmaatschapFactory(organisatie=organisatie, rol="beheerder")
        lid = LidmaatschapFactory(organisatie=organisatie)
        groep = GroepFactory(organisatie=organisatie)
        dienst = DienstFactory()
        today = timezone.localdate()
        start_date = today - relativedelta(years=5) + relativedelta(days=30)
        kms = Ketenmachtiging.objects.bulk_create(
            [
                Ketenmachtiging(
                    kenmerk=f"KM-R{n:07d}"[:12],
                    intermediair=organisatie,
                    intermediair_naam=organisatie.naam,
                    relatie_naam=f"Relatie {n}",
                    relatie_kvk_nummer=f"{20000000 + n:08d}",
                    status="actief",
                    startdatum=start_date,
                    einddatum=start_date + relativedelta(years=5),
                    algemene_bevoegdheid=n % 2 == 0,
                    relatie_contact_email=f"r{n}@example.nl",
                )
                for n in range(ROWS)
            ],
            batch_size=5000,
        )
        Ketenmachtiging.gebruikers.through.objects.bulk_create(
            [
                Ketenmachtiging.gebruikers.through(ketenmachtiging_id=k.pk, lidmaatschap_id=lid.pk)
                for k in kms
            ],
            batch_size=5000,
        )
        Ketenmachtiging.groepen.through.objects.bulk_create(
            [
                Ketenmachtiging.groepen.through(ketenmachtiging_id=k.pk, groep_id=groep.pk)
                for k in kms[::3]
            ],
            batch_size=5000,
        )
        Ketenmachtiging.diensten.through.objects.bulk_create(
            [
                Ketenmachtiging.diensten.through(ketenmachtiging_id=k.pk, dienst_id=dienst.pk)
                for k in kms
                if not k.algemene_bevoegdheid
            ],
            batch_size=5000,
        )
        settle()
        client = verified_client(beheerder.user)
        # Only the request is measured (with its outbox rows); the delivery tasks are not run.
        with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="memory://"):
            from unittest import mock

            with mock.patch("outbox.tasks.deliver_mails.delay"):
                with count_queries() as executed:
                    started = time.perf_counter()
                    response = client.post(
                        reverse("ketenmachtigingen:verleng_selectie"),
                        {
                            "alle": "1",
                            "selectie": [kms[0].pk],
                            f"naam-{kms[0].pk}": "Mw. A",
                            f"email-{kms[0].pk}": "a@example.nl",
                            f"taal-{kms[0].pk}": "en",
                            # The office's contact and the costs, as the form asks them.
                            "voorletters": "A.",
                            "achternaam": "Beheer",
                            "email": "beheer@example.nl",
                            "telefoon": "0301234567",
                            "akkoord_kosten": "on",
                        },
                    )
                    seconds = time.perf_counter() - started
        created = Ketenmachtiging.objects.filter(vernieuwing_van__intermediair=organisatie).count()
        return {
            "name": "bulk_renewal",
            "database": database_vendor(),
            "selected": ROWS,
            "renewals_created": created,
            "seconds": round(seconds, 2),
            "queries": len(executed),
            "target_seconds": TARGET_SECONDS,
            "ok": response.status_code == 302 and created == ROWS and seconds < TARGET_SECONDS,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
