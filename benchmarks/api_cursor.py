"""The API's list at real size: an intermediair with 20,000 ketenmachtigingen in a database of
200,000 (the data of ``overview_tabs``) reads all of them through ``/api/v1/ketenmachtigingen/``
with its API key, page by page with the cursor (100 per page), as accounting software does.
Every page is the full request through the URL (authentication, throttle, selectors,
serialisation); its time and its number of queries must not grow with how far the cursor is.
Also measured: one tab (Actief), and a sync of the rows changed since yesterday
(``gewijzigd_sinds``), and, in the same run, the HTML overview (Actief, 50 rows) for the ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/api_cursor.py

It works in a database of its own: ``bench_api_cursor``, or ``<name>_api_cursor`` when
``DATABASE_URL`` names another database than ``ketenportal`` (so checkouts sharing a server do
not share data). Target: p95 under 100 ms per page.
"""

import json
import os
import statistics
import sys
import time
from urllib.parse import urlsplit

from _django import (
    bench_database,
    count_queries,
    database_vendor,
    fresh_factory_sequences,
    quiet_database,
    settle,
    timed,
)
from overview_tabs import OWN, TOTAL, generate

TARGET_MS = 100.0
#: An API page of 100 rows should cost no more than two HTML overview pages (50 rows, with
#: their tab counts and template).
MAX_RATIO = 2.0
PAGE_SIZE = 100
PASSES = 2
CHANGED = 500  # rows changed "since yesterday" for the sync


def database_name() -> str:
    name = urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/")
    return "bench_api_cursor" if name in ("", "ketenportal") else f"{name}_api_cursor"


def percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "max_ms": round(samples[-1], 2),
    }


def walk(client, params: dict) -> tuple[list[float], list[float], list[int], int]:
    """Every page of the list from the first to the last: the time of each, the CPU time of
    this process for each (what other processes on the machine cannot inflate), the queries of
    each, and the rows read."""
    url, times, cpu, queries, rows = "/api/v1/ketenmachtigingen/", [], [], [], 0
    params = {**params, "page_size": PAGE_SIZE}
    while url:
        start, start_cpu = time.perf_counter(), time.process_time()
        with count_queries() as executed:
            response = client.get(url, params)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        # Not counted: the key's "last used", written at most once a minute.
        queries.append(len([q for q in executed if not q.startswith('UPDATE "api_apikey"')]))
        assert response.status_code == 200, (response.status_code, response.content[:300])
        body = response.json()
        rows += len(body["results"])
        url, params = body["next"], None
    return times, cpu, queries, rows


def plan(organisatie, params: dict | None = None) -> str:
    """The plan of a page's query halfway through the list (PostgreSQL)."""
    from django.db import connection

    from api.filters import ketenmachtigingen_filtered

    if connection.vendor != "postgresql":
        return ""
    qs = ketenmachtigingen_filtered(organisatie=organisatie, params=params or {}).order_by("pk")
    middle = qs.values_list("pk", flat=True)[qs.count() // 2]
    return qs.filter(pk__gt=middle)[: PAGE_SIZE + 1].explain()


def main() -> dict:
    with bench_database(database_name()):
        fresh_factory_sequences()
        from datetime import timedelta

        from django.db import connection
        from django.test import Client, override_settings
        from django.urls import reverse
        from django.utils import timezone

        from accounts.models import Organisatie
        from api.constants import Toegang
        from api.services import apikey_create
        from ketenmachtigingen.models import Ketenmachtiging
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

        # The sync: CHANGED of the organisation's rows were changed an hour ago, every other
        # row of the database long before (set on every run, so a kept database measures the
        # same; the generated rows would otherwise all look changed today).
        now = timezone.now()
        Ketenmachtiging.objects.update(updated_at=now - timedelta(days=30))
        mine = Ketenmachtiging.objects.filter(intermediair=organisatie)
        changed_ids = list(mine.order_by("?").values_list("pk", flat=True)[:CHANGED])
        Ketenmachtiging.objects.filter(pk__in=changed_ids).update(
            updated_at=now - timedelta(hours=1)
        )
        settle()
        quiet_database()

        beheerder = LidmaatschapFactory(organisatie=organisatie, rol="beheerder").user
        key = apikey_create(
            actor=beheerder, organisatie=organisatie, naam="Bench", toegang=Toegang.LEZEN
        )[1]
        api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        load_before = os.getloadavg()[0]
        results: dict[str, dict] = {}
        # The rate limit stays on (its cost is part of a request), high enough for the run.
        with override_settings(API_RATE_LIMIT="100000/min"):
            walk(api, {"tab": "actief"})  # warm up
            cases = {
                "all": {},
                "tab actief": {"tab": "actief"},
                "gewijzigd_sinds": {"gewijzigd_sinds": (now - timedelta(days=1)).isoformat()},
            }
            for name, params in cases.items():
                times, cpu, queries = [], [], []
                for _ in range(PASSES if name != "gewijzigd_sinds" else 20):
                    t, c, q, rows = walk(api, params)
                    times += t
                    cpu += c
                    queries += q
                cpu_percentiles = percentiles(cpu)
                results[name] = {
                    **percentiles(times),
                    "cpu_p50_ms": cpu_percentiles["p50_ms"],
                    "cpu_p95_ms": cpu_percentiles["p95_ms"],
                    "pages": len(t),
                    "rows": rows,
                    "samples": len(times),
                    "queries_per_page": {"min": min(queries), "max": max(queries)},
                }

        html = verified_client(beheerder)
        overview = reverse("ketenmachtigingen:van_relaties")
        html_timing = timed(lambda: html.get(overview, {"tab": "actief"}), repeat=40)
        api_p95 = results["all"]["p95_ms"]
        worst = max(r["p95_ms"] for r in results.values())
        return {
            "name": "api_cursor",
            "database": database_vendor(),
            "own_ketenmachtigingen": mine.count(),
            "total_ketenmachtigingen": Ketenmachtiging.objects.count(),
            "setup_seconds": setup_seconds,
            "page_size": PAGE_SIZE,
            "lists": results,
            "html_overview": html_timing,
            "ratio_to_html_overview_p95": round(api_p95 / html_timing["p95_ms"], 2),
            "max_ratio": MAX_RATIO,
            "worst_p95_ms": worst,
            # Other processes on the machine lengthen every wall-clock time: say how busy it was.
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "cpus": os.cpu_count(),
            "target_ms": TARGET_MS,
            # The bench intermediair's rows were inserted first, one block of ids; another
            # office's rows are spread through the table, as on a live database.
            "plan": plan(organisatie),
            "plan_spread": plan(Organisatie.objects.get(naam="Ander kantoor 0")),
            "plan_sync": plan(organisatie, cases["gewijzigd_sinds"]),
            "ok": worst < TARGET_MS,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
