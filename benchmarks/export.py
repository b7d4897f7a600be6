"""The overview export (manual 5.2) at real size: 50,000 active ketenmachtigingen of one
intermediair, downloaded as CSV and as XLSX through the view.

Measures the CSV's total time and time to its first bytes (it streams; the header row comes
before any query, so the time to the first rows is reported too and held to the same target),
the XLSX's total time (openpyxl writes the whole workbook before the first byte), and the peak
memory of each: the tracemalloc peak of the download (in a separate run, because tracemalloc
slows Python down) and the process's ``ru_maxrss``. Prints one JSON object.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/export.py

Targets: CSV under 5 s with its first bytes within 1 s, XLSX under 20 s, at most 250 MB.
The data lives in the benchmarks' own database (shared with the other benchmark scripts), in an
organisation of its own, and is only generated when it is missing.
"""

import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable

from _django import (
    bench_database,
    count_queries,
    database_vendor,
    fresh_factory_sequences,
    settle,
)

ROWS = 50_000
BATCH = 5_000
ORGANISATIE = "Export bench B.V."
TARGETS = {"csv_seconds": 5, "xlsx_seconds": 20, "first_bytes_seconds": 1, "memory_mb": 250}
KINDS = ["Bakkerij", "Garage", "Stichting", "Holding", "Tandarts"]
NAMES = ["De Vries", "Jansen", "Bakker", "Visser", "Smit"]
MB = 1024 * 1024


def generate(organisatie, missing: int) -> None:
    """Add ``missing`` active ketenmachtigingen in bulk; every 10th gets a user, every 5th an
    individual service instead of algemene bevoegdheid, every 20th a group."""
    import random

    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from ketenmachtigingen.models import Ketenmachtiging
    from tests.factories import DienstFactory, GroepFactory, LidmaatschapFactory

    rng = random.Random(50_000)
    today = timezone.localdate()
    now = timezone.now()
    lid_ids = [LidmaatschapFactory(organisatie=organisatie).pk for _ in range(10)]
    dienst_ids = [DienstFactory().pk for _ in range(10)]
    groep_ids = [GroepFactory(organisatie=organisatie).pk for _ in range(3)]
    through_g = Ketenmachtiging.gebruikers.through
    through_d = Ketenmachtiging.diensten.through
    through_gr = Ketenmachtiging.groepen.through
    # Kenmerken continue after the rows already there, so a topped-up run never repeats one.
    first = Ketenmachtiging.objects.filter(intermediair=organisatie).count()

    for offset in range(0, missing, BATCH):
        batch = []
        for n in range(first + offset, first + min(offset + BATCH, missing)):
            start = today - relativedelta(days=rng.randint(0, 1500))
            batch.append(
                Ketenmachtiging(
                    kenmerk=f"KM-E{n:08d}",
                    intermediair=organisatie,
                    intermediair_naam=organisatie.naam,
                    intermediair_kvk_nummer=organisatie.kvk_nummer,
                    relatie_naam=f"{rng.choice(KINDS)} {rng.choice(NAMES)} {n}",
                    relatie_kvk_nummer=f"{30000000 + n:08d}",
                    relatie_adres="Dorpsstraat 1",
                    relatie_postcode_plaats="1234AB Utrecht",
                    status="actief",
                    looptijd_jaren=5,
                    algemene_bevoegdheid=n % 5 != 0,
                    startdatum=start,
                    einddatum=start + relativedelta(years=5),
                    verstuurd_op=now - relativedelta(days=rng.randint(1500, 1600)),
                    uitnodiging_geldig_tot=start,
                    referentie=f"REF-{n}" if n % 3 == 0 else "",
                )
            )
        created = Ketenmachtiging.objects.bulk_create(batch, batch_size=BATCH)
        users, services, groups = [], [], []
        for km in created:
            number = int(km.kenmerk[4:])
            if number % 10 == 0:
                users.append(
                    through_g(ketenmachtiging_id=km.pk, lidmaatschap_id=rng.choice(lid_ids))
                )
            if not km.algemene_bevoegdheid:
                services.append(
                    through_d(ketenmachtiging_id=km.pk, dienst_id=rng.choice(dienst_ids))
                )
            if number % 20 == 0:
                groups.append(through_gr(ketenmachtiging_id=km.pk, groep_id=rng.choice(groep_ids)))
        through_g.objects.bulk_create(users, batch_size=BATCH)
        through_d.objects.bulk_create(services, batch_size=BATCH)
        through_gr.objects.bulk_create(groups, batch_size=BATCH)
        print(f"  {offset + len(batch)} of {missing}", file=sys.stderr)


def download(client, url: str, params: dict) -> dict:
    """One download through the view: seconds to the first chunk (for CSV the header row), to
    the second (the first rows, after the queries) and in total; bytes."""
    start = time.perf_counter()
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    chunks = iter(response.streaming_content)
    size = len(next(chunks))
    first = time.perf_counter() - start
    second = None
    lines = 0
    for chunk in chunks:
        if second is None:
            second = time.perf_counter() - start
        size += len(chunk)
        lines += chunk.count(b"\n")
    response.close()
    return {
        "seconds": round(time.perf_counter() - start, 2),
        "first_bytes_seconds": round(first, 3),
        "first_rows_seconds": round(second if second is not None else first, 3),
        "bytes": size,
        "lines_after_first_chunk": lines,
    }


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return round(tracemalloc.get_traced_memory()[1] / MB, 1)
    finally:
        tracemalloc.stop()


def main() -> dict:
    with bench_database():
        fresh_factory_sequences()
        from django.urls import reverse

        from accounts.models import Organisatie
        from ketenmachtigingen.selectors import ketenmachtigingen_for
        from tests.conftest import verified_client
        from tests.factories import LidmaatschapFactory, OrganisatieFactory

        organisatie = Organisatie.objects.filter(naam=ORGANISATIE).first()
        organisatie = organisatie or OrganisatieFactory(naam=ORGANISATIE)
        present = ketenmachtigingen_for(organisatie=organisatie, tab="actief").count()
        setup_seconds = 0.0
        if present < ROWS:
            print(f"generating {ROWS - present} rows ({present} present)", file=sys.stderr)
            start = time.perf_counter()
            generate(organisatie, ROWS - present)
            settle()
            setup_seconds = round(time.perf_counter() - start, 1)
        rows = ketenmachtigingen_for(organisatie=organisatie, tab="actief").count()

        beheerder = LidmaatschapFactory(organisatie=organisatie, rol="beheerder").user
        client = verified_client(beheerder)
        url = reverse("ketenmachtigingen:export")
        csv_params = {"tab": "actief", "format": "csv"}
        xlsx_params = {"tab": "actief", "format": "xlsx"}

        # Warm up: imports (openpyxl), translations, the connection.
        download(client, url, {**xlsx_params, "q": "no-such-relatie"})

        with count_queries() as executed:
            csv = download(client, url, csv_params)
        assert csv["lines_after_first_chunk"] >= rows - 1000, csv
        xlsx = download(client, url, xlsx_params)
        csv_peak = peak_mb(lambda: download(client, url, csv_params))
        xlsx_peak = peak_mb(lambda: download(client, url, xlsx_params))
        rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

        peak = max(csv_peak, xlsx_peak)
        return {
            "name": "export",
            "database": database_vendor(),
            "rows": rows,
            "setup_seconds": setup_seconds,
            "csv_seconds": csv["seconds"],
            "csv_first_bytes_seconds": csv["first_bytes_seconds"],
            "csv_first_rows_seconds": csv["first_rows_seconds"],
            "csv_bytes": csv["bytes"],
            "csv_queries": len(executed),
            "xlsx_seconds": xlsx["seconds"],
            "xlsx_bytes": xlsx["bytes"],
            "peak_memory_mb": peak,
            "memory": {
                "csv_tracemalloc_peak_mb": csv_peak,
                "xlsx_tracemalloc_peak_mb": xlsx_peak,
                "ru_maxrss_mb": rss_mb,
            },
            "targets": TARGETS,
            "ok": csv["seconds"] < TARGETS["csv_seconds"]
            and csv["first_rows_seconds"] < TARGETS["first_bytes_seconds"]
            and xlsx["seconds"] < TARGETS["xlsx_seconds"]
            and peak < TARGETS["memory_mb"],
        }


if __name__ == "__main__":
    print(json.dumps(main()))
