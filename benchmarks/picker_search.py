"""Service picker search: server time of the picker's search request.

Measures the full request (middleware, query, template) through Django's test client for the
shipped catalogue and for a catalogue of 5,000 services. Target: under 50 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal \\
        .venv/bin/python benchmarks/picker_search.py
"""

import json
import uuid

from _django import bench_database, database_vendor, fresh_factory_sequences, settle, timed

TARGET_MS = 50.0
QUERIES = ["belasting", "uwv ziektewet", "pensioen", "", "dienst 42", "zzzz"]


def main() -> dict:
    with bench_database():
        fresh_factory_sequences()
        from django.test import Client
        from django.urls import reverse

        from diensten.demo import seed as seed_catalogue
        from diensten.models import Dienst, Dienstverlener
        from tests.conftest import verified_client
        from tests.factories import LidmaatschapFactory

        class _Out:
            def write(self, *_):
                pass

        Dienst.objects.all().delete()
        Dienstverlener.objects.all().delete()
        seed_catalogue(_Out())
        beheerder = LidmaatschapFactory(rol="beheerder").user
        client: Client = verified_client(beheerder)
        url = reverse("diensten:picker")

        def measure() -> dict:
            results = {}
            for q in QUERIES:
                results[q or "(empty)"] = timed(
                    lambda q=q: client.get(url, {"scope-q": q}), repeat=100
                )
            worst = max(r["p95_ms"] for r in results.values())
            return {"per_query": results, "worst_p95_ms": worst}

        shipped = measure()
        shipped["diensten"] = Dienst.objects.count()

        providers = [
            Dienstverlener(
                oin=f"{90000000000000000000 + n}",
                naam_nl=f"Dienstverlener {n}",
                naam_en=f"Service provider {n}",
            )
            for n in range(250)
        ]
        Dienstverlener.objects.bulk_create(providers)
        providers = list(Dienstverlener.objects.filter(oin__startswith="9"))
        levels = [
            "urn:etoegang:core:assurance-class:loa2plus",
            "urn:etoegang:core:assurance-class:loa3",
            "urn:etoegang:core:assurance-class:loa4",
        ]
        extra = 5000 - Dienst.objects.count()
        Dienst.objects.bulk_create(
            [
                Dienst(
                    uuid=uuid.uuid4(),
                    dienstverlener=providers[n % len(providers)],
                    naam_nl=f"Dienst {n} belastingaangifte" if n % 50 == 0 else f"Dienst {n}",
                    naam_en=f"Service {n}",
                    eh_niveau=levels[n % 3],
                    intermediation="generalAvailable" if n % 7 else "noIntermediation",
                )
                for n in range(extra)
            ],
            batch_size=1000,
        )
        settle()
        large = measure()
        large["diensten"] = Dienst.objects.count()
        worst = max(shipped["worst_p95_ms"], large["worst_p95_ms"])
        return {
            "name": "picker_search",
            "database": database_vendor(),
            "target_ms": TARGET_MS,
            "shipped": shipped,
            "large": large,
            "worst_p95_ms": worst,
            "ok": worst < TARGET_MS,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
