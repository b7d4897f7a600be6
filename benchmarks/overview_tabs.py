"""The ketenmachtigingen overview at real size: 20,000 ketenmachtigingen for one intermediair and
200,000 in the database. Measures each tab, with and without a search, as server time of the
full request, and the number of queries (which must not grow with the data).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/overview_tabs.py

Target: under 150 ms per tab.
"""

import json
import os
import random
import sys
import time

from _django import (
    bench_database,
    count_queries,
    database_vendor,
    fresh_factory_sequences,
    settle,
    timed,
)

TARGET_MS = 150.0
KINDS = ["Bakkerij", "Garage", "Stichting", "Holding", "Tandarts"]
NAMES = ["De Vries", "Jansen", "Bakker", "Visser", "Smit"]
OWN = int(os.environ.get("BENCH_OWN", 20_000))
TOTAL = int(os.environ.get("BENCH_TOTAL", 200_000))


def generate(organisatie, others, dienst_ids, lid_ids) -> None:
    """Bulk insert the ketenmachtigingen (fast: no signals, no per-row saves)."""
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from ketenmachtigingen.models import Ketenmachtiging

    rng = random.Random(42)
    today = timezone.localdate()
    now = timezone.now()
    statuses = (
        ["actief"] * 70
        + ["aanvraag_verstuurd"] * 10
        + ["aanvraag_ontvangen"] * 3
        + ["incompleet"] * 2
        + ["fout"] * 1
        + ["verlopen"] * 10
        + ["beeindigd"] * 4
    )
    through_d = Ketenmachtiging.diensten.through
    through_g = Ketenmachtiging.gebruikers.through
    batch, links_d, links_g = [], [], []
    created = 0

    def flush():
        nonlocal batch, links_d, links_g
        objs = Ketenmachtiging.objects.bulk_create(batch, batch_size=5000)
        for km in objs:
            if km.intermediair_id == organisatie.pk:
                if not km.algemene_bevoegdheid:
                    links_d.append(
                        through_d(ketenmachtiging_id=km.pk, dienst_id=rng.choice(dienst_ids))
                    )
                links_g.append(
                    through_g(ketenmachtiging_id=km.pk, lidmaatschap_id=rng.choice(lid_ids))
                )
        through_d.objects.bulk_create(links_d, batch_size=5000)
        through_g.objects.bulk_create(links_g, batch_size=5000)
        batch, links_d, links_g = [], [], []

    for n in range(TOTAL):
        owner = organisatie if n < OWN else others[n % len(others)]
        status = rng.choice(statuses)
        start = today - relativedelta(days=rng.randint(0, 1800))
        active_like = status in ("actief", "verlopen", "beeindigd")
        batch.append(
            Ketenmachtiging(
                kenmerk=f"KM-B{n:07d}"[:12],
                intermediair=owner,
                intermediair_naam=owner.naam,
                intermediair_kvk_nummer=owner.kvk_nummer,
                relatie_naam=f"{rng.choice(KINDS)} {rng.choice(NAMES)} {n}",
                relatie_kvk_nummer=f"{10000000 + n:08d}",
                relatie_adres="Dorpsstraat 1",
                relatie_postcode_plaats="1234AB Utrecht",
                status=status,
                looptijd_jaren=5,
                algemene_bevoegdheid=rng.random() < 0.6,
                startdatum=start if active_like else None,
                einddatum=start + relativedelta(years=5) if active_like else None,
                verstuurd_op=now - relativedelta(days=rng.randint(0, 80)),
                uitnodiging_geldig_tot=today + relativedelta(days=rng.randint(-5, 85)),
                referentie=f"REF-{n}" if n % 3 == 0 else "",
            )
        )
        created += 1
        if len(batch) >= 5000:
            flush()
    flush()


def main() -> dict:
    with bench_database():
        fresh_factory_sequences()
        from django.db import connection
        from django.urls import reverse

        from accounts.models import Organisatie
        from diensten.models import Dienst
        from ketenmachtigingen.models import Ketenmachtiging
        from ketenmachtigingen.selectors import ketenmachtigingen_for
        from tests.conftest import verified_client
        from tests.factories import DienstFactory, LidmaatschapFactory, OrganisatieFactory

        organisatie = Organisatie.objects.filter(naam="Bench intermediair").first()
        setup_seconds = 0.0
        existing = Ketenmachtiging.objects.count()
        own = Ketenmachtiging.objects.filter(intermediair=organisatie).count() if organisatie else 0
        if organisatie is None or own != OWN or existing < TOTAL:
            print(f"generating data ({existing} present)", file=sys.stderr)
            start = time.perf_counter()
            with connection.cursor() as cursor:
                # Django's delete() would load 200,000 rows to cascade; TRUNCATE does not.
                table = Ketenmachtiging._meta.db_table
                if connection.vendor == "postgresql":
                    cursor.execute(f"TRUNCATE {table} CASCADE")
                else:
                    Ketenmachtiging.objects.all().delete()
            organisatie = organisatie or OrganisatieFactory(naam="Bench intermediair")
            others = [OrganisatieFactory(naam=f"Ander kantoor {i}") for i in range(20)]
            dienst_ids = [DienstFactory().pk for _ in range(50)]
            lid_ids = [LidmaatschapFactory(organisatie=organisatie).pk for _ in range(40)]
            generate(organisatie, others, dienst_ids, lid_ids)
            settle()
            setup_seconds = round(time.perf_counter() - start, 1)
        beheerder = LidmaatschapFactory(organisatie=organisatie, rol="beheerder").user
        client = verified_client(beheerder)
        url = reverse("ketenmachtigingen:van_relaties")
        results = {}
        for tab in ("actief", "wachtend", "acties", "verlopen", "historie"):
            for q in ("", "jansen"):
                params = {"tab": tab, **({"q": q} if q else {})}
                with count_queries() as executed:
                    response = client.get(url, params)
                assert response.status_code == 200
                timing = timed(lambda p=params: client.get(url, p), repeat=40)
                results[f"{tab}{'+search' if q else ''}"] = {
                    **timing,
                    "queries": len(executed),
                    "rows": ketenmachtigingen_for(organisatie=organisatie, tab=tab, q=q).count(),
                }
        worst = max(r["p95_ms"] for r in results.values())
        return {
            "name": "overview_tabs",
            "database": database_vendor(),
            "own_ketenmachtigingen": Ketenmachtiging.objects.filter(
                intermediair=organisatie
            ).count(),
            "total_ketenmachtigingen": Ketenmachtiging.objects.count(),
            "setup_seconds": setup_seconds,
            "dienst_count": Dienst.objects.count(),
            "tabs": results,
            "worst_p95_ms": worst,
            "target_ms": TARGET_MS,
            "ok": worst < TARGET_MS,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
