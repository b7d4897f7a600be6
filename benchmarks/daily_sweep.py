"""The daily sweep over 1,000,000 ketenmachtigingen of which 10,000 are due: 6,000 renewal
notices, 2,000 past their end date, 2,000 lapsed invitations. The sweep must finish in under
60 s on PostgreSQL with set-based queries and create exactly the 10,000 notices.

The data is generated inside PostgreSQL (INSERT … SELECT generate_series) and kept between runs
with BENCH_KEEPDB=1; the due rows are reset before each measurement.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/daily_sweep.py
"""

import json
import os
import time

from _django import (
    bench_database,
    count_queries,
    database_vendor,
    fresh_factory_sequences,
    settle,
)

TOTAL = int(os.environ.get("BENCH_SWEEP_TOTAL", 1_000_000))
RENEWAL, EXPIRED, LAPSED = 6_000, 2_000, 2_000
TARGET_SECONDS = 60.0
MARK = "BENCH-SWEEP"


def column_values(model, overrides: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every concrete column with a SQL expression: the override, or a neutral default."""
    from django.db import models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in overrides:
            value = overrides[column]
        elif field.null:
            value = "NULL"
        elif isinstance(field, models.BooleanField):
            value = "false"
        elif isinstance(field, models.IntegerField | models.PositiveSmallIntegerField):
            value = "0"
        elif isinstance(field, models.JSONField):
            value = "'{}'::jsonb"
        elif isinstance(field, models.DateTimeField):
            value = "now()"
        else:
            value = "''"
        columns.append(f'"{column}"')
        values.append(value)
    return columns, values


def generate(intermediairs: list[int]) -> None:
    from django.db import connection

    from ketenmachtigingen.models import Ketenmachtiging

    orgs = "ARRAY[" + ",".join(str(i) for i in intermediairs) + "]"
    # Status and dates by row number: the first rows are the due ones, the rest far from due.
    overrides = {
        "kenmerk": "'KM-S' || lpad(n::text, 8, '0')",
        "bron": "'aangevraagd'",
        "referentie": f"'{MARK}'",
        "intermediair_id": f"({orgs})[1 + n % {len(intermediairs)}]",
        "intermediair_naam": "'Bench kantoor'",
        "relatie_naam": "'Relatie ' || n",
        "relatie_kvk_nummer": "lpad((10000000 + n)::text, 8, '0')",
        "relatie_land": "'Nederland'",
        "looptijd_jaren": "5",
        "taal": "'nl'",
        "algemene_bevoegdheid": "true",
        "status": (
            f"CASE WHEN n < {RENEWAL + EXPIRED} THEN 'actief' "
            f"WHEN n < {RENEWAL + EXPIRED + LAPSED} THEN 'aanvraag_verstuurd' "
            "WHEN n % 10 = 0 THEN 'verlopen' ELSE 'actief' END"
        ),
        "startdatum": (
            f"CASE WHEN n < {RENEWAL} THEN current_date - 1765 "
            f"WHEN n < {RENEWAL + EXPIRED} THEN current_date - 1830 "
            f"WHEN n < {RENEWAL + EXPIRED + LAPSED} THEN NULL "
            "ELSE current_date - (n % 1500) END"
        ),
        "einddatum": (
            f"CASE WHEN n < {RENEWAL} THEN current_date + 60 "
            f"WHEN n < {RENEWAL + EXPIRED} THEN current_date - 3 "
            f"WHEN n < {RENEWAL + EXPIRED + LAPSED} THEN NULL "
            "WHEN n % 10 = 0 THEN current_date - 30 "
            "ELSE current_date - (n % 1500) + 1826 END"
        ),
        "verstuurd_op": "now() - interval '100 days'",
        "uitnodiging_geldig_tot": (
            f"CASE WHEN n >= {RENEWAL + EXPIRED} AND "
            f"n < {RENEWAL + EXPIRED + LAPSED} THEN current_date - 5 "
            "ELSE NULL END"
        ),
    }
    columns, values = column_values(Ketenmachtiging, overrides)
    sql = (
        f'INSERT INTO "{Ketenmachtiging._meta.db_table}" ({", ".join(columns)}) '
        f"SELECT {', '.join(values)} FROM generate_series(0, {TOTAL - 1}) AS n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
    settle()


def reset_due() -> None:
    """Put the due rows back as they were, so every run measures the same work."""
    from django.db import connection

    from berichtenbox.models import Bericht
    from ketenmachtigingen.models import Ketenmachtiging, StatusWijziging
    from outbox.models import Mail

    table = Ketenmachtiging._meta.db_table
    due = RENEWAL + EXPIRED + LAPSED
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET verlenging_gemeld_voor = NULL, '
            f"status = CASE WHEN substring(kenmerk from 5)::int < {RENEWAL + EXPIRED} "
            "THEN 'actief' ELSE 'aanvraag_verstuurd' END, beeindigd_op = NULL "
            f"WHERE referentie = '{MARK}' AND substring(kenmerk from 5)::int < {due}"
        )
    StatusWijziging.objects.filter(ketenmachtiging__referentie=MARK).delete()
    Bericht.objects.all().delete()
    Mail.objects.all().delete()


def main() -> dict:
    # A database of its own: the sweep is global, other benchmarks' rows would be due too.
    with bench_database("bench_sweep_ketenportal"):
        fresh_factory_sequences()
        from django.db import connection

        from berichtenbox.models import Bericht
        from ketenmachtigingen.jobs import run_sweeps
        from ketenmachtigingen.models import Ketenmachtiging
        from tests.factories import LidmaatschapFactory, OrganisatieFactory

        if connection.vendor != "postgresql":
            return {"name": "daily_sweep", "ok": False, "error": "needs PostgreSQL"}
        present = Ketenmachtiging.objects.filter(referentie=MARK).count()
        setup_seconds = 0.0
        if present != TOTAL:
            start = time.perf_counter()
            Ketenmachtiging.objects.filter(referentie=MARK).delete() if present else None
            orgs = [OrganisatieFactory(naam=f"Sweep kantoor {i}") for i in range(50)]
            for org in orgs:
                LidmaatschapFactory(organisatie=org, rol="beheerder")
            generate([o.pk for o in orgs])
            setup_seconds = round(time.perf_counter() - start, 1)
        reset_due()
        with count_queries() as executed:
            start = time.perf_counter()
            counts = run_sweeps()
            seconds = time.perf_counter() - start
        notices = Bericht.objects.count()
        # Tidy up the rows the sweep changed now, not by autovacuum during the next benchmark.
        settle()
        return {
            "name": "daily_sweep",
            "database": database_vendor(),
            "ketenmachtigingen": Ketenmachtiging.objects.count(),
            "due": RENEWAL + EXPIRED + LAPSED,
            "setup_seconds": setup_seconds,
            "seconds": round(seconds, 2),
            "queries": len(executed),
            "counts": counts,
            "notices": notices,
            "target_seconds": TARGET_SECONDS,
            "ok": seconds < TARGET_SECONDS and notices == RENEWAL + EXPIRED + LAPSED,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
