"""The overview sorted and filtered at real size: 20,000 ketenmachtigingen of one intermediair in
a database of 200,000 (issue 17). Every sort (both ways), every filter alone, filters combined,
and each tab with combined filters, as server time of the full request (p95), against the
profile page (``accounts:profiel``, a trivial page through the same middleware and layout) in
the same process, requested in turn with each combination: the ratio says what sorting and
filtering cost whatever the machine and its load.

Every SQL statement of every measured page that reads ``ketenmachtigingen_ketenmachtiging`` is
also run once under ``EXPLAIN (ANALYZE)``; a sequential scan of that table (all 200,000 rows
instead of the intermediair's) is reported per combination in ``seq_scans``, and
``BENCH_EXPLAIN=path`` writes all plans to a file (BENCHMARKS.md quotes them).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ketenportal BENCH_KEEPDB=1 \\
        .venv/bin/python benchmarks/overview_sort_filter.py

Targets: p95 under 150 ms for every combination; overview / profile at most 4x (aim 3x).
"""

import json
import os
import random
import re
import statistics
import sys
import time

from _django import (
    bench_database,
    database_vendor,
    fresh_factory_sequences,
    quiet_database,
    settle,
)

TARGET_MS = 150.0
MAX_RATIO = 4.0
AIM_RATIO = 3.0
OWN = int(os.environ.get("BENCH_OWN", 20_000))
TOTAL = int(os.environ.get("BENCH_TOTAL", 200_000))
REPEAT = int(os.environ.get("BENCH_REPEAT", 20))
KINDS = ["Bakkerij", "Garage", "Stichting", "Holding", "Tandarts"]
NAMES = ["De Vries", "Jansen", "Bakker", "Visser", "Smit"]
STATUSES = (
    ["actief"] * 70
    + ["aanvraag_verstuurd"] * 10
    + ["aanvraag_ontvangen"] * 3
    + ["incompleet"] * 2
    + ["fout"] * 1
    + ["verlopen"] * 10
    + ["beeindigd"] * 4
)
BRONNEN = ["aangevraagd"] * 16 + ["geregistreerd"] * 3 + ["afgegeven"]
TABLE = "ketenmachtigingen_ketenmachtiging"
#: A sequential scan of the table itself (not of its link tables, ``…_diensten``: small).
SEQ_SCAN = re.compile(rf"Seq Scan on {TABLE}\b")
#: Measured and reported, but not a sort or filter: 250 rows rendered instead of 50.
PAGE_SIZE_COMBINATION = "actief per_pagina=250 sort=-einddatum"


def generate(organisatie, others, *, dienst_ids, dienstverlener_ids, lid_ids, groep_ids) -> None:
    """Bulk insert (no signals, no per-row saves): varied sources, status dates, references,
    scopes, users and groups, and open renewals of some active ones."""
    from dateutil.relativedelta import relativedelta
    from django.utils import timezone

    from ketenmachtigingen.models import Ketenmachtiging

    rng = random.Random(17)
    today = timezone.localdate()
    now = timezone.now()
    through_d = Ketenmachtiging.diensten.through
    through_dv = Ketenmachtiging.dienstverleners.through
    through_l = Ketenmachtiging.gebruikers.through
    through_g = Ketenmachtiging.groepen.through
    batch: list = []

    def flush():
        nonlocal batch
        links_d, links_dv, links_l, links_g = [], [], [], []
        for km in Ketenmachtiging.objects.bulk_create(batch, batch_size=5000):
            if km.intermediair_id != organisatie.pk:
                continue
            if not km.algemene_bevoegdheid:
                if rng.random() < 0.5:
                    links_d.append(
                        through_d(ketenmachtiging_id=km.pk, dienst_id=rng.choice(dienst_ids))
                    )
                else:
                    links_dv.append(
                        through_dv(
                            ketenmachtiging_id=km.pk,
                            dienstverlener_id=rng.choice(dienstverlener_ids),
                        )
                    )
            links_l.append(through_l(ketenmachtiging_id=km.pk, lidmaatschap_id=rng.choice(lid_ids)))
            if rng.random() < 0.3:
                links_g.append(through_g(ketenmachtiging_id=km.pk, groep_id=rng.choice(groep_ids)))
        through_d.objects.bulk_create(links_d, batch_size=5000)
        through_dv.objects.bulk_create(links_dv, batch_size=5000)
        through_l.objects.bulk_create(links_l, batch_size=5000)
        through_g.objects.bulk_create(links_g, batch_size=5000)
        batch = []

    for n in range(TOTAL):
        # The office's rows spread over the whole id range, as on a live database where all
        # offices add rows every day (not its 20,000 first: that flatters plans that read the
        # table in primary-key order and stop early).
        owner = organisatie if n % (TOTAL // OWN) == 0 else others[n % len(others)]
        status = rng.choice(STATUSES)
        start = today - relativedelta(days=rng.randint(0, 1800))
        active_like = status in ("actief", "verlopen", "beeindigd")
        batch.append(
            Ketenmachtiging(
                kenmerk=f"KM-S{n:07d}"[:12],
                bron=rng.choice(BRONNEN),
                intermediair=owner,
                intermediair_naam=owner.naam,
                intermediair_kvk_nummer=owner.kvk_nummer,
                relatie_naam=f"{rng.choice(KINDS)} {rng.choice(NAMES)} {n}",
                # Unique and in no order of n (7919 is prime to 80,000,000).
                relatie_kvk_nummer=f"{10000000 + (n * 7919) % 80_000_000:08d}",
                relatie_adres="Dorpsstraat 1",
                relatie_postcode_plaats="1234AB Utrecht",
                status=status,
                looptijd_jaren=5,
                algemene_bevoegdheid=rng.random() < 0.6,
                startdatum=start if active_like else None,
                einddatum=start + relativedelta(years=5) if active_like else None,
                verstuurd_op=now - relativedelta(days=rng.randint(0, 80)),
                uitnodiging_geldig_tot=today + relativedelta(days=rng.randint(-5, 85)),
                referentie=f"REF-{rng.randint(0, 999_999):06d}" if n % 3 == 0 else "",
                updated_at=now - relativedelta(minutes=rng.randint(0, 60 * 24 * 1800)),
            )
        )
        if len(batch) >= 5000:
            flush()
    flush()
    # Open renewals of 2% of the intermediair's active ones (pending requests that renew them).
    originals = list(
        Ketenmachtiging.objects.filter(intermediair=organisatie, status="actief").values_list(
            "pk", "relatie_naam", "relatie_kvk_nummer"
        )[: OWN // 50]
    )
    renewals = [
        Ketenmachtiging(
            kenmerk=f"KM-R{i:07d}"[:12],
            intermediair=organisatie,
            intermediair_naam=organisatie.naam,
            intermediair_kvk_nummer=organisatie.kvk_nummer,
            relatie_naam=naam,
            relatie_kvk_nummer=f"{90000000 + i:08d}",
            status="aanvraag_verstuurd",
            looptijd_jaren=5,
            algemene_bevoegdheid=True,
            verstuurd_op=now,
            uitnodiging_geldig_tot=today + relativedelta(months=3),
            vernieuwing_van_id=pk,
        )
        for i, (pk, naam, _kvk) in enumerate(originals)
    ]
    Ketenmachtiging.objects.bulk_create(renewals, batch_size=5000)


def paired(overview, profile, *, repeat: int) -> tuple[list[float], list[float]]:
    """Milliseconds of ``repeat`` calls of each, in turn (overview, profile, overview, …), after
    one warm-up of each: on a shared machine both then meet the same load, so their ratio says
    what the overview costs even when the absolute times do not."""
    overview()
    profile()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, into in ((overview, samples[0]), (profile, samples[1])):
            start = time.perf_counter()
            fn()
            into.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    """Median, 95th percentile and max, as ``_django.timed`` gives them."""
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
    }


def combinations(organisatie) -> dict[str, dict]:
    """Label -> query parameters of the overview."""
    from accounts.models import Lidmaatschap
    from diensten.models import Dienst, Dienstverlener
    from groepen.models import Groep
    from ketenmachtigingen.constants import Sort

    lid = Lidmaatschap.objects.filter(organisatie=organisatie, groepen__isnull=False).first()
    groep = Groep.objects.filter(organisatie=organisatie).first()
    dienstverlener = Dienstverlener.objects.filter(aangeboden=True).first()
    dienst = Dienst.objects.first()
    filters = {
        "gebruiker": {"gebruiker": lid.pk},
        "groep": {"groep": groep.pk},
        "dienstverlener": {"dienstverlener": dienstverlener.pk},
        "dienst": {"dienst": dienst.pk},
        "einde_binnen": {"einde_binnen": 6},
        "einde_van_tot": {"einde_van": "2027-03-01", "einde_tot": "2027-03-31"},
        "bron": {"bron": "geregistreerd"},
        "verlenging=ja": {"verlenging": "ja"},
        "verlenging=nee": {"verlenging": "nee"},
        "search": {"q": "jansen"},
    }
    combos: dict[str, dict] = {"actief": {"tab": "actief"}}
    for sort in Sort.values:
        for sign in ("", "-"):
            combos[f"actief sort={sign}{sort}"] = {"tab": "actief", "sort": f"{sign}{sort}"}
    for name, params in filters.items():
        combos[f"actief {name}"] = {"tab": "actief", **params}
    combined = {
        "gebruiker+dienst+einde_binnen": {
            **filters["gebruiker"],
            **filters["dienst"],
            "einde_binnen": 12,
        },
        "groep+bron+verlenging=nee": {
            **filters["groep"],
            **filters["bron"],
            **filters["verlenging=nee"],
        },
        "search+dienstverlener+einde_van_tot": {
            **filters["search"],
            **filters["dienstverlener"],
            **filters["einde_van_tot"],
        },
    }
    sorts = ("-einddatum", "statusdatum", "-kvk", "referentie", "-relatie")
    for i, (name, params) in enumerate(combined.items()):
        combos[f"actief {name} sort={sorts[i]}"] = {
            "tab": "actief",
            **params,
            "sort": sorts[i],
        }
    for tab in ("wachtend", "acties", "verlopen", "historie"):
        combos[tab] = {"tab": tab}
        combos[f"{tab} sort=-statusdatum"] = {"tab": tab, "sort": "-statusdatum"}
        combos[f"{tab} gebruiker+bron sort=kvk"] = {
            "tab": tab,
            **filters["gebruiker"],
            "bron": "aangevraagd",
            "sort": "kvk",
        }
        combos[f"{tab} dienst+verlenging=nee sort=-referentie"] = {
            "tab": tab,
            **filters["dienst"],
            "verlenging": "nee",
            "sort": "-referentie",
        }
    combos["actief per_pagina=250 sort=-einddatum"] = {
        "tab": "actief",
        "per_pagina": 250,
        "sort": "-einddatum",
    }
    return combos


def explain(client, url: str, params: dict, plans: list[str]) -> int:
    """Run every statement of one request that reads the ketenmachtigingen table under EXPLAIN
    (ANALYZE); return how many scan that table sequentially."""
    from django.db import connection

    captured: list[tuple[str, object]] = []

    def wrapper(execute, sql, sql_params, many, context):
        captured.append((sql, sql_params))
        return execute(sql, sql_params, many, context)

    with connection.execute_wrapper(wrapper):
        client.get(url, params)
    seq = 0
    for sql, sql_params in captured:
        if not sql.lstrip().upper().startswith("SELECT") or f'"{TABLE}"' not in sql:
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", sql_params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            query = cursor.mogrify(sql, sql_params)
        if isinstance(query, bytes):
            query = query.decode()
        if SEQ_SCAN.search(plan):
            seq += 1
        plans.append(f"-- {params}\n{query}\n{plan}\n")
    return seq


def main() -> dict:
    from pathlib import Path
    from urllib.parse import urlsplit

    # A benchmark database of this checkout's own (its name from DATABASE_URL), so that runs in
    # other checkouts on the same server do not share, or regenerate, the data.
    dbname = Path(urlsplit(os.environ.get("DATABASE_URL", "")).path).name or "ketenportal"
    with bench_database(f"bench_{dbname}_overview"):
        fresh_factory_sequences()
        from django.db import connection
        from django.urls import reverse

        from accounts.models import Organisatie
        from ketenmachtigingen.forms import OverzichtFilterForm
        from ketenmachtigingen.models import Ketenmachtiging
        from ketenmachtigingen.selectors import ketenmachtigingen_for, overzicht_filter_choices
        from tests.conftest import verified_client
        from tests.factories import (
            DienstFactory,
            DienstverlenerFactory,
            GroepFactory,
            LidmaatschapFactory,
            OrganisatieFactory,
        )

        organisatie = Organisatie.objects.filter(naam="Bench sort filter (spread)").first()
        setup_seconds = 0.0
        existing = Ketenmachtiging.objects.count()
        own = Ketenmachtiging.objects.filter(intermediair=organisatie).count() if organisatie else 0
        if organisatie is None or own < OWN or existing < TOTAL:
            print(f"generating data ({existing} present)", file=sys.stderr)
            start = time.perf_counter()
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute(f"TRUNCATE {TABLE} CASCADE")
                else:
                    Ketenmachtiging.objects.all().delete()
            organisatie = organisatie or OrganisatieFactory(naam="Bench sort filter (spread)")
            others = [OrganisatieFactory(naam=f"Ander kantoor {i}") for i in range(20)]
            dienstverleners = [DienstverlenerFactory() for _ in range(10)]
            dienst_ids = [
                DienstFactory(dienstverlener=dv).pk for dv in dienstverleners for _ in range(5)
            ]
            lid_ids = [LidmaatschapFactory(organisatie=organisatie).pk for _ in range(40)]
            groep_ids = []
            for i in range(10):
                groep = GroepFactory(organisatie=organisatie, naam=f"Team {i}")
                groep.leden.set(lid_ids[i * 4 : i * 4 + 4])
                groep_ids.append(groep.pk)
            generate(
                organisatie,
                others,
                dienst_ids=dienst_ids,
                dienstverlener_ids=[dv.pk for dv in dienstverleners],
                lid_ids=lid_ids,
                groep_ids=groep_ids,
            )
            settle()
            setup_seconds = round(time.perf_counter() - start, 1)
        quiet_database()
        beheerder = LidmaatschapFactory(organisatie=organisatie, rol="beheerder").user
        client = verified_client(beheerder)
        url = reverse("ketenmachtigingen:van_relaties")
        profiel = reverse("accounts:profiel")

        def fetch(path, params):
            response = client.get(path, params)
            assert response.status_code == 200, (path, params, response.status_code)
            return response

        plans: list[str] = []
        profile_samples: list[float] = []
        results = {}
        seq_scans = {}
        choices = overzicht_filter_choices(organisatie=organisatie)
        for label, params in combinations(organisatie).items():
            response = fetch(url, params)
            # Every parameter is valid: an ignored one would measure another combination.
            assert b"utrecht-alert--warning" not in response.content, label
            if connection.vendor == "postgresql":
                found = explain(client, url, params, plans)
                if found:
                    seq_scans[label] = found
            form = OverzichtFilterForm({k: str(v) for k, v in params.items()}, choices=choices)
            rows = ketenmachtigingen_for(
                organisatie=organisatie,
                tab=params["tab"],
                q=form.value("q") or "",
                sort=form.value("sort") or "",
                filters=form.filters(),
            ).count()
            overview, profile = paired(
                lambda p=params: fetch(url, p), lambda: fetch(profiel, {}), repeat=REPEAT
            )
            profile_samples.extend(profile)
            results[label] = {
                **summary(overview),
                "rows": rows,
                # Against the profile page measured in turn with it, under the same load.
                "ratio": round(summary(overview)["p95_ms"] / summary(profile)["p95_ms"], 2),
            }
        profile = summary(profile_samples)
        if path := os.environ.get("BENCH_EXPLAIN"):
            with open(path, "w") as f:
                f.write("\n".join(plans))
        page_size = results.pop(PAGE_SIZE_COMBINATION)
        p95s = sorted(r["p95_ms"] for r in results.values())
        worst = p95s[-1]
        ratios = sorted(r["ratio"] for r in results.values())
        ratio, median_ratio = ratios[-1], ratios[len(ratios) // 2]
        return {
            "name": "overview_sort_filter",
            "database": database_vendor(),
            "own_ketenmachtigingen": Ketenmachtiging.objects.filter(
                intermediair=organisatie
            ).count(),
            "total_ketenmachtigingen": Ketenmachtiging.objects.count(),
            "setup_seconds": setup_seconds,
            "combinations": results,
            "max_p95_ms": worst,
            "profile_ms": profile,
            "page_size_250": page_size,
            "ratio": ratio,
            "median_ratio": median_ratio,
            "aim_ratio": AIM_RATIO,
            "max_ratio": MAX_RATIO,
            "seq_scans": seq_scans,
            "target_ms": TARGET_MS,
            "ok": worst < TARGET_MS and ratio <= MAX_RATIO and not seq_scans,
        }


if __name__ == "__main__":
    print(json.dumps(main()))
